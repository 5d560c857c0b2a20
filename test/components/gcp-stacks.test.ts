/**
 * The GCP stacks' plans as the engine would receive them: what waits for
 * what on a first `pulumi up`, what `pulumi destroy` keeps, what an ordinary
 * update may never delete, that the pilot and the pool stack can share one
 * project, and that every explicit name fits Google's rules at the longest
 * pool name the spec allows.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { planStacks, type PlanRun } from "../../infra/plan/engine";
import type { Plan, PlannedResource } from "../../infra/plan/types";
import { UNKNOWN } from "../../infra/plan/types";
import { evaluatePlan, packConfig } from "../../policies/evaluate";
import { observe, untaggedResources } from "../helpers/observe";

/** Both shipped GCP stacks, pointed at one project, as a team running pilot and pool side by side would. */
const SHARED = { "gcp:project": "logos-shared-project" };
/**
 * The longest pool name the spec allows (20 characters), starting with
 * "goog" and holding "google" on purpose: Cloud Storage refuses both in a
 * bucket name, and the spec allows them in a pool name.
 */
const LONGEST_POOL = "google-logos-pool-20";

const preview = new Map<string, Plan>();
const filled = new Map<string, Plan>();
let longest: Plan;
let longestFilled: Plan;

function plan(run: PlanRun | Error): Plan {
  if (run instanceof Error) throw run;
  return run.plan;
}

beforeAll(async () => {
  const stacks = ["gcp-pilot", "gcp-pool"];
  const [unknowns, fakes, long, longFake] = await Promise.all([
    planStacks(stacks, { overrides: SHARED, computed: "unknown" }),
    planStacks(stacks, { overrides: { ...SHARED, alertEmail: "ops@example.org" }, computed: "placeholder" }),
    planStacks(["gcp-pool"], { overrides: { poolName: LONGEST_POOL, alertEmail: "ops@example.org" }, computed: "unknown", concurrency: 1 }),
    planStacks(["gcp-pool"], { overrides: { poolName: LONGEST_POOL }, computed: "placeholder", concurrency: 1 }),
  ]);
  stacks.forEach((s, i) => {
    preview.set(s, plan(unknowns[i]));
    filled.set(s, plan(fakes[i]));
  });
  longest = plan(long[0]);
  longestFilled = plan(longFake[0]);
}, 300_000);

const byName = (p: Plan, name: string): PlannedResource => {
  const found = p.resources.filter((r) => r.name === name);
  if (found.length !== 1) throw new Error(`expected one ${name} in ${p.stack}, found ${found.length}`);
  return found[0];
};
const ofType = (p: Plan, type: string): PlannedResource[] => p.resources.filter((r) => r.type === type);

/** Every URN a resource waits for, directly or through what it waits for (components expand to their children). */
function closure(p: Plan, r: PlannedResource): Set<string> {
  const byUrn = new Map(p.resources.map((x) => [x.urn, x]));
  const children = new Map<string, string[]>();
  for (const x of p.resources) if (x.parent) children.set(x.parent, [...(children.get(x.parent) ?? []), x.urn]);
  const seen = new Set<string>();
  const visit = (urn: string): void => {
    if (seen.has(urn)) return;
    seen.add(urn);
    const x = byUrn.get(urn);
    if (!x) return;
    for (const d of x.dependencies) visit(d);
    if (!x.custom) for (const c of children.get(urn) ?? []) visit(c);
  };
  for (const d of r.dependencies) visit(d);
  return seen;
}

describe.each(["gcp-pilot", "gcp-pool"])("%s: a first pulumi up in one run", (stack) => {
  it("core VMs and the burst group boot after the Monitoring and Logging APIs their Ops Agent writes into", () => {
    const p = preview.get(stack)!;
    const apis = ["logos-monitoring-api-monitoring", "logos-monitoring-api-logging"].map((n) => byName(p, n).urn);
    const booting = p.resources.filter(
      (r) =>
        (r.type === "gcp:compute/instance:Instance" && r.name !== "logos-bastion") ||
        r.type === "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager",
    );
    expect(booting.length).toBe(stack === "gcp-pool" ? 4 : 1);
    for (const r of booting) {
      const waits = closure(p, r);
      expect({ r: r.name, late: apis.filter((u) => !waits.has(u)) }).toEqual({ r: r.name, late: [] });
    }
  });

  it("the Cloud Storage agent's key grant waits for the key it names", () => {
    const p = preview.get(stack)!;
    const key = byName(p, "logos-key");
    const grant = byName(p, "logos-archive-key-gcs-agent");
    // Named by the preview-known id built from names, and depending on the key through it.
    expect(grant.inputs.cryptoKeyId).toBe(
      "projects/logos-shared-project/locations/us-central1/keyRings/" + byName(p, "logos-keyring").inputs.name + "/cryptoKeys/logos-disk",
    );
    expect(grant.propertyDependencies.cryptoKeyId).toContain(key.urn);
    expect(grant.dependencies).toContain(key.urn);
  });

  it("CMEK creates wait until the service agents' key grants have taken effect", () => {
    const p = preview.get(stack)!;
    const computeWait = byName(p, "logos-key-compute-agent-wait");
    expect(computeWait.type).toBe("time:index/sleep:Sleep");
    expect(computeWait.inputs.createDuration).toBe("7m");
    expect(computeWait.dependencies).toContain(byName(p, "logos-key-compute-agent").urn);
    const cmek = [
      ...ofType(p, "gcp:compute/disk:Disk"),
      ...ofType(p, "gcp:compute/instance:Instance"),
      ...ofType(p, "gcp:compute/instanceTemplate:InstanceTemplate"),
      ...ofType(p, "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager"),
    ];
    expect(cmek.length).toBeGreaterThanOrEqual(3);
    for (const r of cmek) expect({ r: r.name, waits: r.dependencies.includes(computeWait.urn) }).toEqual({ r: r.name, waits: true });

    const gcsWait = byName(p, "logos-archive-key-gcs-agent-wait");
    expect(gcsWait.dependencies).toContain(byName(p, "logos-archive-key-gcs-agent").urn);
    expect(byName(p, "logos-archive-bucket").dependencies).toContain(gcsWait.urn);
  });

  it("every Google resource waits for the API it calls, which the program enables and never disables", () => {
    const p = preview.get(stack)!;
    const services = ofType(p, "gcp:projects/service:Service");
    expect(services.map((s) => s.inputs.service).sort()).toEqual(
      [
        "cloudkms.googleapis.com",
        "compute.googleapis.com",
        "iam.googleapis.com",
        "logging.googleapis.com",
        "monitoring.googleapis.com",
        "storage.googleapis.com",
      ].sort(),
    );
    for (const s of services) expect(s.inputs).toMatchObject({ disableOnDestroy: false, disableDependentServices: false });
    const api: Record<string, string> = {
      compute: "compute.googleapis.com",
      kms: "cloudkms.googleapis.com",
      serviceaccount: "iam.googleapis.com",
      storage: "storage.googleapis.com",
      monitoring: "monitoring.googleapis.com",
    };
    const serviceUrn = new Map(services.map((s) => [String(s.inputs.service), s.urn]));
    for (const r of p.resources.filter((x) => x.custom && x.type.startsWith("gcp:") && x.type !== "gcp:projects/service:Service")) {
      const module = r.type.split(":")[1].split("/")[0];
      // Project IAM members call Cloud Resource Manager (a prerequisite) and name an account that waits for IAM.
      const needed = api[module] ?? (module === "projects" ? "iam.googleapis.com" : undefined);
      expect({ r: r.name, needed }).not.toEqual({ r: r.name, needed: undefined });
      expect({ r: r.name, waits: closure(p, r).has(serviceUrn.get(needed!)!) }).toEqual({ r: r.name, waits: true });
    }
  });

  it("each validation waits for its whole path: node, state disk, both SSH rules, bastion, its address, NAT and router", () => {
    const p = preview.get(stack)!;
    for (const v of ofType(p, "logos:compute:ProofValidation")) {
      const node = v.name.replace(/-validate$/, "");
      const path = [
        node,
        `${node}-state`,
        "logos-node-ssh",
        "logos-bastion-ssh",
        "logos-deny-ingress",
        "logos-bastion",
        "logos-bastion-ip",
        "logos-router",
        "logos-nat",
        "logos-archive-node-create-wait",
      ].map((n) => byName(p, n).urn);
      const waits = closure(p, v);
      for (const urn of path) expect({ v: v.name, urn, waits: waits.has(urn) }).toEqual({ v: v.name, urn, waits: true });
      // The state disk is named directly, not only through the VM that attaches it.
      expect(v.dependencies).toContain(byName(p, `${node}-state`).urn);
    }
  });

  it("the failed-validation alert needs no freshly created metric", () => {
    const p = preview.get(stack)!;
    expect(ofType(p, "gcp:logging/metric:Metric")).toEqual([]);
    const job = byName(p, "logos-monitoring-job-status");
    expect(
      (job.inputs.conditions as Array<Record<string, unknown>>).map((c) => Object.keys(c).filter((k) => k.startsWith("condition"))),
    ).toEqual([["conditionMatchedLog"]]);
    expect(job.inputs.alertStrategy).toMatchObject({ notificationRateLimit: { period: "300s" } });
  });

  it("the policy pack proves it at preview, with the archive's name still unknown", () => {
    const p = preview.get(stack)!;
    expect(byName(p, "logos-archive-bucket").inputs.name).toBe(UNKNOWN);
    expect(byName(p, "logos-archive-bucket").inputs.encryption).toEqual({
      defaultKmsKeyName: byName(p, "logos-archive-key-gcs-agent").inputs.cryptoKeyId,
    });
    expect(evaluatePlan(p, { config: packConfig({ operatorCidrs: ["203.0.113.0/24"] }) })).toEqual([]);
  });
});

describe.each(["gcp-pilot", "gcp-pool"])("%s: destroy and day-2 updates never lose an audit history", (stack) => {
  it("protects every state disk; the VMs are not protected", () => {
    const p = preview.get(stack)!;
    const disks = ofType(p, "gcp:compute/disk:Disk");
    expect(disks.length).toBe(stack === "gcp-pool" ? 3 : 1);
    for (const d of disks) expect({ d: d.name, protect: d.options.protect }).toEqual({ d: d.name, protect: true });
    for (const vm of ofType(p, "gcp:compute/instance:Instance")) expect(vm.options.protect).toBe(false);
  });

  it("keeps the archive, its key, the key's ring and both service agents' key grants on destroy, and nothing else", () => {
    const p = preview.get(stack)!;
    const retained = p.resources.filter((r) => r.options.retainOnDelete).map((r) => r.name);
    // The Storage agent reads and writes the kept archive with the key; the
    // Compute agent attaches kept (protected) state disks encrypted under it.
    expect(retained.sort()).toEqual(
      ["logos-archive-bucket", "logos-archive-key-gcs-agent", "logos-key", "logos-key-compute-agent", "logos-keyring"].sort(),
    );
    // The bucket's retention policy and lock are part of the bucket itself.
    expect(byName(p, "logos-archive-bucket").inputs.retentionPolicy).toMatchObject({ retentionPeriod: String(365 * 86400) });
    expect(byName(p, "logos-archive-bucket").inputs.versioning).toBeUndefined();
  });
});

describe("gcp-pilot and gcp-pool side by side in one project", () => {
  /** Names that must be unique in a project (or, for buckets, globally), per kind. */
  function explicitNames(p: Plan): Record<string, string[]> {
    return {
      serviceAccount: ofType(p, "gcp:serviceaccount/account:Account").map((r) => String(r.inputs.accountId)),
      keyRing: ofType(p, "gcp:kms/keyRing:KeyRing").map((r) => String(r.inputs.name)),
      burstBase: ofType(p, "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager").map((r) =>
        String(r.inputs.baseInstanceName),
      ),
      logMetric: ofType(p, "gcp:logging/metric:Metric").map((r) => String(r.inputs.name)),
    };
  }

  it("claims no name twice", () => {
    const pilot = explicitNames(preview.get("gcp-pilot")!);
    const pool = explicitNames(preview.get("gcp-pool")!);
    for (const kind of Object.keys(pilot)) {
      const clash = pilot[kind].filter((n) => pool[kind].includes(n));
      expect({ kind, clash }).toEqual({ kind, clash: [] });
    }
    expect(pilot.serviceAccount).toHaveLength(2);
    expect(pool.burstBase).toHaveLength(1);
  });

  it("names its archive bucket from entropy kept in the state, not from public values", () => {
    for (const stack of ["gcp-pilot", "gcp-pool"]) {
      const p = preview.get(stack)!;
      const entropy = byName(p, "logos-archive-entropy");
      expect(entropy.type).toBe("random:index/randomId:RandomId");
      expect(byName(p, "logos-archive-bucket").propertyDependencies.name).toContain(entropy.urn);
      expect(byName(p, "logos-archive-bucket").inputs.name).toBe(UNKNOWN);
    }
  });

  it("alerts of one never match the other's nodes or results", () => {
    const label = (p: Plan): string => String((byName(p, "logos-core-0").inputs.labels as Record<string, string>)["logos-deployment"]);
    const pilot = filled.get("gcp-pilot")!;
    const pool = filled.get("gcp-pool")!;
    expect(label(pilot)).toMatch(/^gcp-pilot-[0-9a-f]{8}$/);
    expect(label(pool)).toMatch(/^gcp-pool-[0-9a-f]{8}$/);
    for (const [mine, other] of [
      [pilot, pool],
      [pool, pilot],
    ]) {
      for (const a of ofType(mine, "gcp:monitoring/alertPolicy:AlertPolicy")) {
        const [c] = a.inputs.conditions as Array<{ conditionThreshold?: { filter: string }; conditionMatchedLog?: { filter: string } }>;
        const filter = c.conditionThreshold?.filter ?? c.conditionMatchedLog?.filter ?? "";
        expect(filter).toContain(`"${label(mine)}"`);
        expect(filter).not.toContain(`"${label(other)}"`);
      }
      // Every instance and template of a stack carries its own deployment label and not the other's.
      for (const r of [
        ...ofType(mine, "gcp:compute/instance:Instance"),
        ...ofType(mine, "gcp:compute/instanceTemplate:InstanceTemplate"),
      ]) {
        expect((r.inputs.labels as Record<string, string>)["logos-deployment"]).toBe(label(mine));
      }
    }
  });
});

describe("tags: every taggable resource of every GCP plan carries logos-proof-gated", () => {
  it("including resources that set no labels at all, and the email channel whose labels are its settings", () => {
    for (const p of [...preview.values(), ...filled.values(), longest, longestFilled]) {
      expect({ stack: p.stack, untagged: untaggedResources(p) }).toEqual({ stack: p.stack, untagged: [] });
      expect(observe(p).untagged).toEqual([]);
    }
    expect(ofType(filled.get("gcp-pool")!, "gcp:monitoring/notificationChannel:NotificationChannel")).toHaveLength(1);
  });

  it("sees a taggable resource with no tags, which the old check skipped", () => {
    const p = filled.get("gcp-pilot")!;
    const stripped: Plan = {
      ...p,
      resources: p.resources.map((r) => {
        if (r.name !== "logos-bastion-ip") return r;
        const { labels: _labels, ...inputs } = r.inputs;
        return { ...r, inputs };
      }),
    };
    expect(untaggedResources(stripped)).toEqual(["gcp:compute/address:Address logos-bastion-ip"]);
    expect(observe(stripped).untagged).toEqual(["gcp:compute/address:Address logos-bastion-ip"]);
  });
});

/**
 * Google's naming rules, per type, each checked on the plan with the longest
 * pool name the spec allows.
 */
const RULES: ReadonlyArray<{ what: string; source: string; names: (p: Plan) => string[]; rule: RegExp }> = [
  {
    what: "service account id",
    // "6-30 characters ... [a-z]([-a-z0-9]*[a-z0-9])": https://cloud.google.com/iam/docs/service-accounts-create
    source: "terraform-provider-google resource_google_service_account.go ValidateRFC1035Name(6, 30)",
    names: (p) => ofType(p, "gcp:serviceaccount/account:Account").map((r) => String(r.inputs.accountId)),
    rule: /^[a-z][-a-z0-9]{4,28}[a-z0-9]$/,
  },
  {
    what: "key ring and crypto key name",
    // "letters, numbers, underscores and hyphens, up to 63 characters": https://cloud.google.com/kms/docs/create-encryption-keys
    source: "https://cloud.google.com/kms/docs/resource-hierarchy",
    names: (p) => [...ofType(p, "gcp:kms/keyRing:KeyRing"), ...ofType(p, "gcp:kms/cryptoKey:CryptoKey")].map((r) => String(r.inputs.name)),
    rule: /^[A-Za-z0-9_-]{1,63}$/,
  },
  {
    what: "bucket name",
    source: "https://cloud.google.com/storage/docs/buckets#naming (3-63, lowercase, digits, -, _, ., no goog prefix, no google)",
    names: (p) => ofType(p, "gcp:storage/bucket:Bucket").map((r) => String(r.inputs.name)),
    rule: /^(?!goog)(?!.*google)[a-z0-9][a-z0-9_.-]{1,61}[a-z0-9]$/,
  },
  {
    what: "burst base instance name",
    // RFC 1035 and room for the group's "-xxxx": https://cloud.google.com/compute/docs/naming-resources
    source: "https://cloud.google.com/compute/docs/reference/rest/v1/regionInstanceGroupManagers (baseInstanceName, 1-58)",
    names: (p) =>
      ofType(p, "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager").map((r) => String(r.inputs.baseInstanceName)),
    rule: /^[a-z]([-a-z0-9]{0,56}[a-z0-9])?$/,
  },
  {
    what: "Compute Engine name Pulumi generates (logical name, '-', 7 characters)",
    source: "https://cloud.google.com/compute/docs/naming-resources (RFC 1035, at most 63)",
    names: (p) => p.resources.filter((r) => r.custom && r.type.startsWith("gcp:compute/")).map((r) => `${r.name}-abcdefg`),
    rule: /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/,
  },
  {
    what: "label key",
    source: "https://cloud.google.com/compute/docs/labeling-resources#requirements (1-63, lowercase letter first)",
    names: (p) => labelMaps(p).flatMap((m) => Object.keys(m)),
    rule: /^[a-z][a-z0-9_-]{0,62}$/,
  },
  {
    what: "label value",
    source: "https://cloud.google.com/compute/docs/labeling-resources#requirements (0-63)",
    names: (p) => labelMaps(p).flatMap((m) => Object.values(m)),
    rule: /^[a-z0-9_-]{0,63}$/,
  },
  {
    what: "network tag",
    source: "https://cloud.google.com/vpc/docs/add-remove-network-tags (1-63, RFC 1035)",
    names: (p) =>
      [...ofType(p, "gcp:compute/instance:Instance"), ...ofType(p, "gcp:compute/instanceTemplate:InstanceTemplate")].flatMap(
        (r) => (r.inputs.tags as string[]) ?? [],
      ),
    rule: /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/,
  },
  {
    what: "custom role id",
    // "3 to 64 characters ... letters, digits, underscores and periods": https://cloud.google.com/iam/docs/reference/rest/v1/projects.roles/create
    source: "https://cloud.google.com/iam/docs/reference/rest/v1/projects.roles/create (roleId)",
    names: (p) => ofType(p, "gcp:projects/iAMCustomRole:IAMCustomRole").map((r) => String(r.inputs.roleId)),
    rule: /^[a-zA-Z0-9_.]{3,64}$/,
  },
  {
    what: "service account display name",
    source: "https://cloud.google.com/iam/docs/reference/rest/v1/projects.serviceAccounts (displayName at most 100)",
    names: (p) => ofType(p, "gcp:serviceaccount/account:Account").map((r) => String(r.inputs.displayName)),
    rule: /^.{1,100}$/,
  },
];

/** Every label map of a plan: resource labels, alert user labels, boot disk and template disk labels. */
function labelMaps(p: Plan): Record<string, string>[] {
  const maps: Record<string, string>[] = [];
  for (const r of p.resources.filter((x) => x.custom && x.type.startsWith("gcp:"))) {
    const field = r.type === "gcp:monitoring/notificationChannel:NotificationChannel" ? "userLabels" : "labels";
    for (const m of [r.inputs[field], r.inputs.userLabels])
      if (m && typeof m === "object" && !Array.isArray(m)) maps.push(m as Record<string, string>);
    const boot = (r.inputs.bootDisk as { initializeParams?: { labels?: Record<string, string> } } | undefined)?.initializeParams?.labels;
    if (boot) maps.push(boot);
    for (const d of (r.inputs.disks as Array<{ labels?: Record<string, string> }> | undefined) ?? []) if (d.labels) maps.push(d.labels);
  }
  return maps;
}

describe(`every explicit GCP name fits Google's rules at the longest pool name (${LONGEST_POOL.length} characters)`, () => {
  it("plans the longest pool name", () => {
    expect(LONGEST_POOL).toHaveLength(20);
    expect(byName(longest, `${LONGEST_POOL}-core-0`).type).toBe("gcp:compute/instance:Instance");
  });

  it.each(RULES.map((r) => [r.what, r] as const))("%s", (_, rule) => {
    const names = [...rule.names(longest), ...rule.names(longestFilled)].filter((n) => n !== UNKNOWN);
    expect(names.length, rule.source).toBeGreaterThan(0);
    for (const n of names) expect({ name: n, fits: rule.rule.test(n) }, rule.source).toEqual({ name: n, fits: true });
  });
});
