/**
 * The shipped AWS stacks through the real program, as the engine would see
 * them: what a first `pulumi preview` knows (global names unknown until the
 * random suffix exists), what the nodes receive once it does, and the
 * dependencies and options the SDK sends.
 */
import { parse } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { planStacks, type PlanRun } from "../../infra/plan/engine";
import { UNKNOWN, type Plan, type PlannedResource } from "../../infra/plan/types";
import { graphOf } from "../helpers/graph";
import { untaggedResources } from "../helpers/observe";
import { readManifestText } from "../../infra/node/sync";

const STACKS = ["aws-pilot", "aws-pool"] as const;
type Stack = (typeof STACKS)[number];
const preview = new Map<Stack, Plan>();
const filled = new Map<Stack, Plan>();

beforeAll(async () => {
  const [unknowns, fakes] = await Promise.all([
    planStacks(STACKS, { computed: "unknown", concurrency: 1 }),
    planStacks(STACKS, { computed: "placeholder", concurrency: 1 }),
  ]);
  STACKS.forEach((stack, i) => {
    for (const [runs, into] of [
      [unknowns, preview],
      [fakes, filled],
    ] as const) {
      const run = runs[i];
      if (run instanceof Error) throw run;
      into.set(stack, (run as PlanRun).plan);
    }
  });
}, 300_000);

const ofType = (plan: Plan, type: string): PlannedResource[] => plan.resources.filter((r) => r.type === type);
const named = (plan: Plan, name: string): PlannedResource => {
  const found = plan.resources.filter((r) => r.name === name);
  if (found.length !== 1) throw new Error(`${plan.stack}: expected one resource named ${name}, found ${found.length}`);
  return found[0];
};

const BUCKET = "aws:s3/bucket:Bucket";
const RANDOM_ID = "random:index/randomId:RandomId";

interface CloudConfig {
  write_files?: Array<{ path: string; content: string }>;
}
const writtenFiles = (userData: unknown): Map<string, string> =>
  new Map(((parse(String(userData)) as CloudConfig).write_files ?? []).map((f) => [f.path, f.content]));
/** The files a core node's sync step writes (its manifest on the command's stdin). */
const syncedFiles = (plan: Plan, node: PlannedResource): Map<string, string> =>
  new Map(
    (
      readManifestText(String(named(plan, `${node.name}-sync-run`).inputs.stdin)) as unknown as {
        files: Array<{ path: string; content: string }>;
      }
    ).files.map((f) => [f.path, f.content]),
  );

describe("aws plans: global names", () => {
  it.each(STACKS)("%s: every S3 bucket name carries a random suffix kept in the state, unknown at first preview", (stack) => {
    const plan = preview.get(stack)!;
    const buckets = ofType(plan, BUCKET);
    // The boot bucket exists when some node's user-data outgrows EC2's 16 KiB (aws-boot-files.ts).
    expect(buckets.map((b) => b.name).filter((n) => n !== "logos-boot")).toEqual(["logos-archive-bucket"]);
    expect(buckets.map((b) => b.name)).toContain(stack === "aws-pool" ? "logos-boot" : "logos-archive-bucket");
    for (const bucket of buckets) {
      // Unknown like any generated value, and derived from a RandomId, never from project/stack/region alone.
      expect(bucket.inputs.bucket, bucket.name).toBe(UNKNOWN);
      const source = bucket.propertyDependencies.bucket ?? [];
      expect(
        source.map((urn) => plan.resources.find((r) => r.urn === urn)?.type),
        bucket.name,
      ).toEqual([RANDOM_ID]);
    }
    for (const id of ofType(plan, RANDOM_ID)) expect(id.inputs.byteLength, id.name).toBeGreaterThanOrEqual(6);
  });

  it.each(STACKS)("%s: once the suffix exists, every node is told the archive's name in a file its upload command reads", (stack) => {
    const plan = filled.get(stack)!;
    const archive = String(named(plan, "logos-archive-bucket").inputs.bucket);
    expect(archive).toMatch(/^logos-audit-[0-9a-f]{12}$/);
    const nodes = ofType(plan, "aws:ec2/instance:Instance").filter(
      (r) => (r.inputs.tags as Record<string, string>)["logos-role"] === "core",
    );
    const templates = ofType(plan, "aws:ec2/launchTemplate:LaunchTemplate");
    // Burst members at boot; core nodes through their sync step.
    const files = [
      ...nodes.map((n) => syncedFiles(plan, n)),
      ...templates.map((t) => writtenFiles(Buffer.from(String(t.inputs.userData), "base64").toString("utf8"))),
    ];
    expect(files).toHaveLength(stack === "aws-pool" ? 4 : 1);
    for (const f of files) expect(f.get("/etc/logos/archive-target")?.trim()).toBe(archive);
    const command = String((plan.outputs.logArchive as { archiveCommand: string }).archiveCommand);
    expect(command).toContain('--target "$(cat /etc/logos/archive-target)"');
  });

  it.each(STACKS)(
    "%s: a node that fetches boot files learns the boot bucket's name the same way; one that fetches none is not told",
    (stack) => {
      const plan = filled.get(stack)!;
      const boot = plan.resources.find((r) => r.type === BUCKET && r.name === "logos-boot")?.inputs.bucket;
      if (stack === "aws-pool") expect(boot).toMatch(/^logos-boot-[0-9a-f]{12}$/);
      const texts = [
        ...ofType(plan, "aws:ec2/instance:Instance")
          .filter((r) => (r.inputs.tags as Record<string, string>)["logos-role"] === "core")
          .map((r) => String(r.inputs.userData)),
        ...ofType(plan, "aws:ec2/launchTemplate:LaunchTemplate").map((t) =>
          Buffer.from(String(t.inputs.userData), "base64").toString("utf8"),
        ),
      ];
      expect(texts.length).toBeGreaterThan(0);
      for (const text of texts) {
        const runcmd = ((parse(text) as { runcmd?: unknown[][] }).runcmd ?? []) as unknown[][];
        const fetches = runcmd.some((c) => Array.isArray(c) && c[1] === "/opt/logos/bin/s3_fetch.py");
        expect(writtenFiles(text).get("/etc/logos/boot-bucket")?.trim()).toBe(fetches ? boot : undefined);
      }
    },
  );
});

/** The names a resource claims in its account and region (S3: in all of AWS), as `type name`. */
function claimedNames(plan: Plan): string[] {
  return plan.resources.flatMap((r) => {
    const claims: string[] = [];
    // Inputs that name the resource itself; generated names (absent here) carry the engine's random suffix,
    // and bucket names a RandomId's (tested above; the plan's placeholder for it is the same in every stack).
    if (r.type === BUCKET) return claims;
    for (const key of ["name", "namePrefix", "customSuffix", "alarmName"]) {
      const value = r.inputs[key];
      if (typeof value === "string" && value !== UNKNOWN) claims.push(`${r.type} ${key}=${value}`);
    }
    return claims;
  });
}

/** Which CloudWatch series an alarm watches: namespace, metric and every dimension. */
const series = (r: PlannedResource): string => JSON.stringify([r.inputs.namespace, r.inputs.metricName, r.inputs.dimensions ?? {}]);

/** The CloudWatch agent configuration a node's user-data installs. */
function agentConfig(files: Map<string, string>): { metrics: any; logs: any } {
  const text = files.get("/opt/aws/amazon-cloudwatch-agent/etc/logos-agent.json");
  expect(text, "agent configuration in user-data or the sync step").toBeDefined();
  return JSON.parse(String(text));
}

describe("aws plans: pilot and pool side by side in one account", () => {
  it("claim no name in common (both run pool 'logos')", () => {
    const pilot = claimedNames(filled.get("aws-pilot")!);
    const pool = claimedNames(filled.get("aws-pool")!);
    expect(pilot.length).toBeGreaterThan(0);
    expect(pool.filter((n) => pilot.includes(n))).toEqual([]);
    // What the check covers, so a new explicit name is seen here.
    expect(new Set(pool.map((n) => n.split(" ")[0]))).toEqual(
      new Set([
        "aws:kms/alias:Alias",
        "aws:cloudwatch/logGroup:LogGroup",
        "aws:iam/serviceLinkedRole:ServiceLinkedRole",
        "aws:autoscaling/group:Group",
      ]),
    );
  });

  it("alarm on disjoint CloudWatch series, each the one its own nodes publish", () => {
    const watched = new Map<Stack, string[]>();
    for (const stack of STACKS) {
      const plan = filled.get(stack)!;
      const all = ofType(plan, "aws:cloudwatch/metricAlarm:MetricAlarm");
      // The burst group's demand alarm (pool only) watches the scheduler's metric, by this deployment's dimension.
      const demand = all.filter((a) => a.inputs.namespace === "Logos/Burst");
      expect(demand, stack).toHaveLength(stack === "aws-pool" ? 1 : 0);
      const alarms = all.filter((a) => !demand.includes(a));
      expect(alarms, stack).toHaveLength(6);
      watched.set(stack, all.map(series));
      // The failure and duration metrics come from this stack's log group only, into this stack's series.
      const [group] = ofType(plan, "aws:cloudwatch/logGroup:LogGroup");
      const filters = ofType(plan, "aws:cloudwatch/logMetricFilter:LogMetricFilter");
      expect(filters).toHaveLength(2);
      for (const filter of filters) {
        expect(filter.inputs.logGroupName).toBe(group.inputs.name);
        const transform = filter.inputs.metricTransformation as { namespace: string; name: string };
        expect(alarms.filter((a) => a.inputs.namespace === transform.namespace && a.inputs.metricName === transform.name)).toHaveLength(1);
      }
      // Every node ships results to that log group and publishes under the dimensions the agent alarms watch.
      const agentAlarms = alarms.filter((a) => a.inputs.namespace === "CWAgent");
      expect(agentAlarms).toHaveLength(4);
      const core = ofType(plan, "aws:ec2/instance:Instance").filter(
        (r) => (r.inputs.tags as Record<string, string>)["logos-role"] === "core",
      );
      const burst = ofType(plan, "aws:ec2/launchTemplate:LaunchTemplate").map((t) =>
        writtenFiles(Buffer.from(String(t.inputs.userData), "base64").toString()),
      );
      for (const files of [...core.map((c) => syncedFiles(plan, c)), ...burst]) {
        const config = agentConfig(files);
        expect(config.logs.logs_collected.files.collect_list.map((f: { log_group_name: string }) => f.log_group_name)).toEqual([
          group.inputs.name,
        ]);
        const published = config.metrics.metrics_collected.cpu.append_dimensions as Record<string, string>;
        expect(config.metrics.aggregation_dimensions).toEqual([Object.keys(published)]);
        expect(config.metrics.metrics_collected.procstat[0].append_dimensions).toEqual(published);
        for (const a of agentAlarms) expect(a.inputs.dimensions).toEqual(published);
      }
    }
    const pilot = watched.get("aws-pilot")!;
    expect(watched.get("aws-pool")!.filter((s) => pilot.includes(s))).toEqual([]);
  });
});

const waits = (plan: Plan, from: PlannedResource, to: PlannedResource): boolean => graphOf(plan).waitsFor(from.urn, to.urn);

describe("aws plans: first up in one run", () => {
  it.each(STACKS)("%s: the NAT sends through the edge route only once the edge subnet is associated with it", (stack) => {
    const plan = preview.get(stack)!;
    expect(waits(plan, named(plan, "logos-nat"), named(plan, "logos-edge-rt-assoc"))).toBe(true);
  });

  it.each(STACKS)("%s: no node launches before its egress (rule, NAT, edge and private routes) and the propagated grants", (stack) => {
    const plan = preview.get(stack)!;
    const launches = [
      ...ofType(plan, "aws:ec2/instance:Instance").filter((r) => (r.inputs.tags as Record<string, string>)["logos-role"] === "core"),
      ...ofType(plan, "aws:autoscaling/group:Group"),
    ];
    expect(launches).toHaveLength(stack === "aws-pool" ? 4 : 1);
    const needed = ["logos-node-egress", "logos-nat", "logos-edge-rt-assoc", "logos-private-rt", "logos-grants-propagation"];
    for (const launch of launches) {
      expect(
        needed.filter((n) => !waits(plan, launch, named(plan, n))),
        launch.name,
      ).toEqual([]);
    }
  });

  it.each(STACKS)("%s: no node launches before the archive it uploads to is locked, guarded and writable by it", (stack) => {
    const plan = preview.get(stack)!;
    const launches = [
      ...ofType(plan, "aws:ec2/instance:Instance").filter((r) => (r.inputs.tags as Record<string, string>)["logos-role"] === "core"),
      ...ofType(plan, "aws:autoscaling/group:Group"),
    ];
    // A burst member uploads its audit log from its boot unit, with no pulumi step in between.
    const archive = ["logos-archive-object-lock", "logos-archive-policy", "logos-archive-encryption", "logos-archive-node-write"];
    for (const launch of launches)
      expect(
        archive.filter((n) => !waits(plan, launch, named(plan, n))),
        launch.name,
      ).toEqual([]);
  });

  it.each(STACKS)("%s: what encrypts with the key waits for it to propagate; what runs as a role waits for every grant", (stack) => {
    const plan = preview.get(stack)!;
    const keySleep = named(plan, "logos-key-propagation");
    const grantSleep = named(plan, "logos-grants-propagation");
    for (const s of [keySleep, grantSleep]) expect(s.inputs.createDuration, s.name).toBe("60s");
    for (const k of [named(plan, "logos-key"), named(plan, "logos-key-alias")]) expect(waits(plan, keySleep, k), k.name).toBe(true);
    const grants = [
      ...ofType(plan, "aws:iam/role:Role"),
      ...ofType(plan, "aws:iam/instanceProfile:InstanceProfile"),
      ...ofType(plan, "aws:iam/rolePolicyAttachment:RolePolicyAttachment"),
      ...ofType(plan, "aws:iam/serviceLinkedRole:ServiceLinkedRole"),
      ...ofType(plan, "aws:iam/rolePolicy:RolePolicy").filter((p) =>
        ["logos-node-agent", "logos-boot-read", "logos-burst-member"].includes(p.name),
      ),
    ];
    expect(grants.length).toBeGreaterThanOrEqual(stack === "aws-pool" ? 6 : 3);
    for (const g of grants) expect(waits(plan, grantSleep, g), g.name).toBe(true);
    const encrypting = [
      ...ofType(plan, "aws:ebs/volume:Volume"),
      ...ofType(plan, "aws:ec2/instance:Instance"),
      ...ofType(plan, "aws:ec2/launchTemplate:LaunchTemplate"),
      ...ofType(plan, "aws:s3/bucketObjectv2:BucketObjectv2"),
    ];
    for (const u of encrypting) expect(waits(plan, u, keySleep), u.name).toBe(true);
    const launching = [
      ...ofType(plan, "aws:ec2/instance:Instance").filter((r) => (r.inputs.tags as Record<string, string>)["logos-role"] === "core"),
      ...ofType(plan, "aws:ec2/launchTemplate:LaunchTemplate"),
      ...ofType(plan, "aws:autoscaling/group:Group"),
    ];
    for (const u of launching) expect(waits(plan, u, grantSleep), u.name).toBe(true);
    // The warm pool boots the standby as soon as the group exists, and its first step tags it with the member's grant.
    for (const g of ofType(plan, "aws:autoscaling/group:Group")) {
      const member = named(plan, "logos-burst-member");
      expect(waits(plan, g, member) && !waits(plan, member, g), g.name).toBe(true);
    }
    // A destroy that keeps the protected volumes keeps what they depend on: the key, not the node's roles.
    for (const v of ofType(plan, "aws:ebs/volume:Volume")) {
      expect(
        grants.filter((g) => waits(plan, v, g)).map((g) => g.type),
        v.name,
      ).toEqual(grants.filter((g) => g.type === "aws:iam/serviceLinkedRole:ServiceLinkedRole").map((g) => g.type));
    }
  });
});

describe("aws plans: a changed key policy waits again", () => {
  it.each(STACKS)(
    "%s: the key's wait is renewed by a new key policy (burst capacity added lets the Auto Scaling role use the key)",
    (stack) => {
      const plan = filled.get(stack)!;
      const triggers = named(plan, "logos-key-propagation").inputs.triggers as Record<string, unknown>;
      // time.Sleep triggers are RequiresReplace (terraform-provider-time resource_time_sleep.go): a new value waits again.
      expect(triggers.policy).toBe(named(plan, "logos-key").inputs.policy);
      expect(String(triggers.policy).includes("AutoScalingUsesKeyForEbs")).toBe(stack === "aws-pool");
    },
  );
});

describe("aws plans: monitoring in one run", () => {
  it.each(STACKS)("%s: the alert topic and the log group wait for their new key to propagate", (stack) => {
    const plan = preview.get(stack)!;
    const sleep = named(plan, "logos-monitoring-key-propagation");
    expect(waits(plan, sleep, named(plan, "logos-monitoring-key"))).toBe(true);
    for (const r of [...ofType(plan, "aws:sns/topic:Topic"), ...ofType(plan, "aws:cloudwatch/logGroup:LogGroup")])
      expect(waits(plan, r, sleep), r.name).toBe(true);
  });
});

describe("aws plans: what pulumi up and destroy keep", () => {
  const withOption = (plan: Plan, option: "protect" | "retainOnDelete"): string[] =>
    plan.resources
      .filter((r) => r.custom && r.options[option])
      .map((r) => r.name)
      .sort();

  it.each(STACKS)("%s: state volumes are protected, and nothing else", (stack) => {
    const plan = preview.get(stack)!;
    expect(withOption(plan, "protect")).toEqual(
      ofType(plan, "aws:ebs/volume:Volume")
        .map((v) => v.name)
        .sort(),
    );
    expect(withOption(plan, "protect")).toHaveLength(stack === "aws-pool" ? 3 : 1);
  });

  it.each(STACKS)(
    "%s: destroy keeps exactly the archive, every setting that keeps it private, versioned, encrypted and locked, the key, and the scheduler's policy",
    (stack) => {
      expect(withOption(preview.get(stack)!, "retainOnDelete")).toEqual(
        [
          "logos-archive-bucket",
          "logos-archive-encryption",
          "logos-archive-object-lock",
          "logos-archive-ownership",
          "logos-archive-policy",
          "logos-archive-public-access",
          "logos-archive-versioning",
          "logos-key",
          // Attached by the operator to a role this program does not own: IAM refuses to delete it while attached.
          ...(stack === "aws-pool" ? ["logos-burst-scheduler"] : []),
        ].sort(),
      );
    },
  );
});

describe("aws plans: the proof-gated tag", () => {
  it.each(STACKS)("%s: every resource of a taggable type carries it, including those that set no tags", (stack) => {
    expect(untaggedResources(preview.get(stack)!)).toEqual([]);
  });

  it.each(STACKS)(
    "%s: what EC2 creates with a VM is tagged too: its primary interface is a planned resource, its root volume and burst launches are tagged at creation",
    (stack) => {
      const plan = preview.get(stack)!;
      const nics = ofType(plan, "aws:ec2/networkInterface:NetworkInterface");
      for (const vm of ofType(plan, "aws:ec2/instance:Instance")) {
        const attached = (vm.inputs.primaryNetworkInterface as { networkInterfaceId?: unknown } | undefined)?.networkInterfaceId;
        const nic = nics.find((n) => vm.propertyDependencies.primaryNetworkInterface?.includes(n.urn));
        expect(nic, `${vm.name} attaches a planned interface`).toBeDefined();
        expect(attached, vm.name).toBeDefined();
        expect((nic!.inputs.tags as Record<string, string>)["logos-proof-gated"]).toBe("true");
        expect((vm.inputs.rootBlockDevice as { tags: Record<string, string> }).tags["logos-proof-gated"]).toBe("true");
      }
      for (const template of ofType(plan, "aws:ec2/launchTemplate:LaunchTemplate")) {
        const specs = template.inputs.tagSpecifications as Array<{ resourceType: string; tags: Record<string, string> }>;
        expect(specs.map((s) => s.resourceType).sort()).toEqual(["instance", "network-interface", "volume"]);
        for (const s of specs) expect(s.tags["logos-proof-gated"]).toBe("true");
      }
    },
  );
});
