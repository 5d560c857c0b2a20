/**
 * The SLA alerts as the program wires them, read from the offline plan of the
 * pool stacks: the availability alert is created after every core node's
 * validation (so a first `pulumi up` does not page while it validates), only
 * core nodes carry the availability units, and the validation's step limits
 * derive from the rebuild SLA.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { planStacks, type PlanRun } from "../../infra/plan/engine";
import type { Plan, PlannedResource } from "../../infra/plan/types";
import { readManifestText } from "../../infra/node/sync";

const STACKS = ["aws-pool", "gcp-pool", "azure-pool"] as const;
const plans = new Map<string, Plan>();

beforeAll(async () => {
  const runs = await planStacks(STACKS, { computed: "placeholder" });
  STACKS.forEach((s, i) => {
    const run = runs[i];
    if (run instanceof Error) throw run;
    plans.set(s, (run as PlanRun).plan);
  });
}, 300_000);

const ALERT_TYPES: Record<(typeof STACKS)[number], string> = {
  "aws-pool": "aws:cloudwatch/metricAlarm:MetricAlarm",
  "gcp-pool": "gcp:monitoring/alertPolicy:AlertPolicy",
  "azure-pool": "azure-native:monitor:ScheduledQueryRule",
};

/** The node's boot text as the cloud receives it (AWS user-data, launch templates base64, GCP metadata, Azure base64 custom data). */
function bootText(r: PlannedResource): string {
  const inputs = r.inputs as Record<string, any>;
  const azure = inputs.osProfile?.customData ?? inputs.virtualMachineProfile?.osProfile?.customData;
  if (typeof azure === "string") return Buffer.from(azure, "base64").toString("utf8");
  if (r.type === "aws:ec2/launchTemplate:LaunchTemplate") return Buffer.from(String(inputs.userData), "base64").toString("utf8");
  return String(inputs.userData ?? inputs.metadata?.["user-data"] ?? "");
}

function role(r: PlannedResource): string | undefined {
  const inputs = r.inputs as Record<string, any>;
  return (inputs.labels ?? inputs.tags ?? inputs.properties?.labels)?.["logos-role"];
}

const NODE_TYPES = [
  "aws:ec2/instance:Instance",
  "aws:ec2/launchTemplate:LaunchTemplate",
  "gcp:compute/instance:Instance",
  "gcp:compute/regionInstanceTemplate:RegionInstanceTemplate",
  "gcp:compute/instanceTemplate:InstanceTemplate",
  "azure-native:compute:VirtualMachine",
  "azure-native:compute:VirtualMachineScaleSet",
];

describe.each(STACKS)("%s: SLA alerts in the plan", (stack) => {
  it("creates the availability alert after every core node's validation, and the rebuild-SLA alert without waiting", () => {
    const plan = plans.get(stack)!;
    const alerts = plan.resources.filter((r) => r.type === ALERT_TYPES[stack]);
    const availability = alerts.find((r) => r.name === "logos-monitoring-availability");
    const sla = alerts.find((r) => r.name === "logos-monitoring-rebuild-sla");
    expect(availability && sla).toBeTruthy();
    // A component in dependsOn reaches the engine as its children: each node's copy and run.
    const validations = plan.resources
      .filter((r) => r.type === "command:remote:Command" && r.name.endsWith("-validate-run"))
      .map((r) => r.urn);
    expect(validations).toHaveLength(3);
    expect(availability!.dependencies).toEqual(expect.arrayContaining(validations));
    expect(sla!.dependencies.filter((d) => validations.includes(d))).toEqual([]);
  });

  it("installs the availability units on core nodes only", () => {
    const nodes = plans.get(stack)!.resources.filter((r) => NODE_TYPES.includes(r.type) && ["core", "burst"].includes(role(r) ?? ""));
    const core = nodes.filter((r) => role(r) === "core");
    const burst = nodes.filter((r) => role(r) === "burst");
    expect(core).toHaveLength(3);
    expect(burst.length).toBeGreaterThan(0);
    const runcmd = (r: PlannedResource): string[][] =>
      (parse(bootText(r).replace(/^#cloud-config\n/, "")) as { runcmd: string[][] }).runcmd;
    const enable = ["systemctl", "enable", "--now", "logos-availability.timer", "logos-availability.path"];
    // Core nodes get them through their sync step (never their user-data, which never changes on day 2).
    const synced = (r: PlannedResource): string[][] =>
      (
        readManifestText(String(plans.get(stack)!.resources.find((x) => x.name === `${r.name}-sync-run`)?.inputs.stdin)) as unknown as {
          commands: string[][];
        }
      ).commands;
    for (const r of core) expect(synced(r), r.name).toContainEqual(enable);
    for (const r of core) expect(runcmd(r), r.name).not.toContainEqual(enable);
    for (const r of burst) expect(bootText(r), r.name).not.toContain("logos-availability");
  });

  it("gives each rebuild step the 15-minute SLA on the node", () => {
    const run = plans.get(stack)!.resources.find((r) => r.name === "logos-core-0-validate-run");
    const create = String(run?.inputs.create);
    expect(create).toContain("timeout 1800 cloud-init status --wait");
    expect(create).toContain("--lock-timeout 900 --lem-timeout 900 --boot-timeout 900 --footprint-timeout 300 --archive-timeout 300");
  });
});
