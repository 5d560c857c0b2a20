/**
 * The archive's global name carries per-deployment entropy kept in the state:
 * unknown in a first preview, and written into the file the nodes' upload
 * command reads (burst members by cloud-init, core nodes by their sync step),
 * on every cloud.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { planStacks, type PlanRun } from "../../infra/plan/engine";
import { UNKNOWN, type Plan, type PlannedResource } from "../../infra/plan/types";
import { readManifestText } from "../../infra/node/sync";

const STACKS = ["aws-pool", "gcp-pool", "azure-pool"] as const;
const preview = new Map<string, Plan>();
const filled = new Map<string, Plan>();

beforeAll(async () => {
  const [unknowns, fakes] = await Promise.all([
    planStacks(STACKS, { computed: "unknown" }),
    planStacks(STACKS, { computed: "placeholder" }),
  ]);
  STACKS.forEach((s, i) => {
    for (const run of [unknowns[i], fakes[i]]) if (run instanceof Error) throw run;
    preview.set(s, (unknowns[i] as PlanRun).plan);
    filled.set(s, (fakes[i] as PlanRun).plan);
  });
}, 300_000);

/** The node's boot text as the cloud receives it (AWS user-data, GCP metadata, Azure base64 custom data). */
function bootText(r: PlannedResource): string {
  const inputs = r.inputs as Record<string, any>;
  const azure = inputs.osProfile?.customData ?? inputs.virtualMachineProfile?.osProfile?.customData;
  if (typeof azure === "string") return Buffer.from(azure, "base64").toString("utf8");
  return String(inputs.userData ?? inputs.metadata?.["user-data"] ?? "");
}

const CORE_TYPES = ["aws:ec2/instance:Instance", "gcp:compute/instance:Instance", "azure-native:compute:VirtualMachine"];

describe.each(STACKS)("%s: the archive's name", (stack) => {
  it("comes from one RandomId of the deployment", () => {
    // Other global names (the AWS boot bucket) draw their own entropy.
    const ids = preview.get(stack)!.resources.filter((r) => r.type === "random:index/randomId:RandomId" && r.name.includes("archive"));
    expect(ids.map((r) => [r.name, r.inputs.byteLength])).toEqual([["logos-archive-entropy", 8]]);
  });

  it("is unknown in a first preview, as the entropy is", () => {
    const archive = preview.get(stack)!.outputs.logArchive as Record<string, unknown>;
    expect(archive.target).toBe(UNKNOWN);
    expect(archive.archiveCommand).toContain('--target "$(cat /etc/logos/archive-target)"');
  });

  it("reaches every core node through its sync step, in the file the upload command reads, and never its user-data", () => {
    const plan = filled.get(stack)!;
    const target = (plan.outputs.logArchive as Record<string, unknown>).target;
    expect(typeof target).toBe("string");
    const cores = plan.resources.filter(
      (r) => CORE_TYPES.includes(r.type) && ((r.inputs.labels ?? r.inputs.tags) as Record<string, string>)["logos-role"] === "core",
    );
    expect(cores.length).toBe(3);
    for (const core of cores) {
      expect(bootText(core), core.name).not.toContain("/etc/logos/archive-target");
      const run = plan.resources.find((r) => r.name === `${core.name}-sync-run`);
      const manifest = readManifestText(String(run?.inputs.stdin)) as unknown as { files: Array<{ path: string; content: string }> };
      expect(manifest.files.find((f) => f.path === "/etc/logos/archive-target")?.content.trim(), core.name).toBe(String(target));
    }
  });
});
