/**
 * Day-2 changes to a running pool: each is a config edit planned before and
 * after, compared by `diffPlans`. The matrix is what the README's "Day-2
 * operations" table reports and what the tests hold every stack to: no change
 * deletes or replaces a data-bearing resource.
 */
import { isCloud, type Cloud } from "../clouds";
import { NAMESPACE, parseSpec } from "../spec";
import { dataLosses, diffPlans, type ResourceChange } from "./diff";
import { PlanError, planVariants, type PlanRun, type PlanVariant } from "./engine";
import { loadStackConfig } from "./stack-config";

/** One day-2 change: config overrides before and after, over the stack file. */
export interface Day2Change {
  readonly id: string;
  /** What the operator does, for tables. */
  readonly title: string;
  readonly before: Readonly<Record<string, unknown>>;
  readonly after: Readonly<Record<string, unknown>>;
}

/** A rotated operator key: any valid line differs from the stack's. */
const ROTATED_SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHx0Yk2v3mJ1kQ0cT9w8aXbq0p1LmN2oP3qR4sT5uV6w rotated@logos";
/** Another 40-hex commit. */
const NEXT_REF = "89abcdef0123456789abcdef0123456789abcdef";
/** Another type of the same class (8 vCPU, ≥ 16 GiB) from the machine catalog. */
const OTHER_MACHINE: Readonly<Record<Cloud, string>> = { aws: "m7i.2xlarge", gcp: "n2-standard-8", azure: "Standard_D8s_v5" };
/** Another build of the coq package (what a rebuilt archive package would be). */
const OTHER_COQ = "8.18.0+dfsg-1build3";
/** A pinned image instead of the default's "latest" reference. */
const OTHER_IMAGE: Readonly<Record<Cloud, string>> = {
  aws: "ami-0fedcba9876543210",
  gcp: "projects/ubuntu-os-cloud/global/images/ubuntu-2404-noble-amd64-v20250110",
  azure: "Canonical:ubuntu-24_04-lts:server:24.04.202501100",
};

/** The matrix's changes for a stack, from its own config (its zones, its cloud). */
export function day2Changes(stack: string): Day2Change[] {
  const values = loadStackConfig(stack).values;
  const cloud = values[`${NAMESPACE}:cloud`];
  if (!isCloud(cloud)) throw new PlanError(`${stack}: no cloud`);
  const spec = parseSpec(values);
  const zones = [...spec.zones];
  const state = spec.disks.stateGiB;
  return [
    { id: "repoRef", title: "`repoRef` bump", before: {}, after: { repoRef: NEXT_REF } },
    { id: "zones-reordered", title: "`zones` reordered", before: { zones }, after: { zones: [...zones].reverse() } },
    { id: "zones-extended", title: "`zones` extended by one", before: { zones: zones.slice(0, -1) }, after: { zones } },
    { id: "coreNodes-down", title: "`coreNodes` 3 → 2", before: { coreNodes: 3 }, after: { coreNodes: 2 } },
    { id: "coreNodes-up", title: "`coreNodes` 3 → 4", before: { coreNodes: 3 }, after: { coreNodes: 4 } },
    { id: "stateDiskGiB", title: `\`stateDiskGiB\` ${state} → ${state * 2}`, before: {}, after: { stateDiskGiB: state * 2 } },
    { id: "machineType", title: `\`machineType\` → ${OTHER_MACHINE[cloud]}`, before: {}, after: { machineType: OTHER_MACHINE[cloud] } },
    { id: "image", title: "`image` pinned to another release", before: {}, after: { image: OTHER_IMAGE[cloud] } },
    { id: "sshPublicKey", title: "`sshPublicKey` rotated", before: {}, after: { sshPublicKey: ROTATED_SSH_KEY } },
    { id: "coqVersion", title: "`coqVersion` pinned to another build", before: {}, after: { coqVersion: OTHER_COQ } },
    { id: "operatorCidrs", title: "`operatorCidrs` changed", before: {}, after: { operatorCidrs: ["198.51.100.0/24"] } },
  ];
}

/** A change's outcome on one stack: the resource changes, or why the spec refuses the new config. */
export type Day2Result =
  | { readonly stack: string; readonly change: Day2Change; readonly changes: readonly ResourceChange[] }
  | { readonly stack: string; readonly change: Day2Change; readonly refused: string };

const key = (stack: string, overrides: Readonly<Record<string, unknown>>, computed: string): string =>
  `${stack}|${computed}|${JSON.stringify(Object.entries(overrides).sort(([a], [b]) => a.localeCompare(b)))}`;

/**
 * Plans every change for every stack in one batch (each distinct config once,
 * the SDKs loaded once per worker): the before state and the change with
 * placeholders for computed values, and the change as a first preview sees it
 * to know which inputs are computed.
 */
export async function day2Matrix(
  requests: ReadonlyArray<{ readonly stack: string; readonly change: Day2Change }>,
  options: { concurrency?: number } = {},
): Promise<Day2Result[]> {
  const variants = new Map<string, PlanVariant>();
  const want = (stack: string, overrides: Readonly<Record<string, unknown>>, computed: "placeholder" | "unknown"): string => {
    const id = key(stack, overrides, computed);
    if (!variants.has(id)) variants.set(id, { id, stack, overrides, computed });
    return id;
  };
  const jobs = requests.map(({ stack, change }) => ({
    stack,
    change,
    before: want(stack, change.before, "placeholder"),
    after: want(stack, { ...change.before, ...change.after }, "placeholder"),
    preview: want(stack, { ...change.before, ...change.after }, "unknown"),
  }));
  const list = [...variants.values()];
  const runs = await planVariants(list, { concurrency: options.concurrency ?? 2 });
  const byId = new Map(list.map((v, i) => [v.id, runs[i]]));
  const run = (id: string): PlanRun | PlanError => byId.get(id) ?? new PlanError(`${id} was not planned`);
  return jobs.map(({ stack, change, before, after, preview }) => {
    const b = run(before);
    if (b instanceof PlanError) throw new PlanError(`${stack}, before ${change.id}: ${b.message}`);
    const a = run(after);
    const p = run(preview);
    if (a instanceof PlanError) return { stack, change, refused: a.message };
    if (p instanceof PlanError) return { stack, change, refused: p.message };
    return { stack, change, changes: diffPlans(b.plan, a.plan, p.plan) };
  });
}

/** One line per resource that changes, for the CLI and test messages. */
export function describeChange(c: ResourceChange): string {
  const what = `${c.name} (${c.type})`;
  const data = c.data ? ` [${c.data}${c.fate ? `: ${c.fate}` : ""}]` : "";
  const why =
    c.change === "replace"
      ? `: ${c.forcedBy.join("; ")}`
      : c.change === "update"
        ? `: ${c.paths.join(", ")}${c.unclassified.length > 0 ? ` (not in the provider rules: ${c.unclassified.join(", ")})` : ""}`
        : "";
  return `${c.change.padEnd(7)} ${what}${data}${why}`;
}

export { dataLosses };
