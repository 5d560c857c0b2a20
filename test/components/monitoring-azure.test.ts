import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { parseSpec } from "../../infra/spec";
import { evaluateResource, packConfig } from "../../policies/evaluate";
import { poolConfig } from "../helpers/configs";
import { installMocks, type Registered, settled, valueOf } from "../helpers/mocks";

let mocks: ReturnType<typeof installMocks>;
const RG = "/subscriptions/00000000-0000-0000-0000-000000000003/resourceGroups/logos-rg1234";
const IDENTITY = `${RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/logos-node-identity`;
const BASTION = `${RG}/providers/Microsoft.Compute/virtualMachines/logos-bastion`;

function named(type: string, name: string): Registered {
  const found = mocks.ofType(type).find((r) => r.name === name);
  expect(found, name).toBeDefined();
  return found as Registered;
}

const IDENTITY_ARGS = {
  kind: "azure-user-assigned-identity" as const,
  id: pulumi.output(IDENTITY),
  principal: pulumi.output("11111111-2222-3333-4444-555555555555"),
};

/** Resources a Monitoring named `prefix` registered (its own and its children's names start with it). */
function own(prefix: string): Registered[] {
  return mocks.resources.filter((r) => r.name === prefix || r.name.startsWith(`${prefix}-`));
}

let offAlerts: readonly unknown[] = [];

beforeAll(async () => {
  mocks = installMocks();
  const { Monitoring } = await import("../../components/monitoring/index.js");
  const build = (name: string, nodeCount: number, overrides: Record<string, unknown> = {}) =>
    new Monitoring(name, {
      spec: parseSpec(poolConfig("azure", { alertMemoryPercent: 80, coreNodes: nodeCount, burstMax: nodeCount + 3, ...overrides })),
      nodes: Array.from({ length: nodeCount }, (_, i) => ({
        name: `logos-core-${i}`,
        instanceId: pulumi.output(`${RG}/providers/Microsoft.Compute/virtualMachines/logos-core-${i}`),
      })),
      burst: {
        groupId: pulumi.output(`${RG}/providers/Microsoft.Compute/virtualMachineScaleSets/logos-burst`),
        groupName: pulumi.output("logos-burst"),
      },
      nodeIdentity: IDENTITY_ARGS,
      bastionInstanceId: pulumi.output(BASTION),
    });
  const small = build("logos-monitoring", 3);
  const large = build("large-monitoring", 60);
  const tuned = build("tuned-monitoring", 3, { rebuildSlaMinutes: 25, availabilityWindowMinutes: 50 });
  const off = build("off-monitoring", 3, { validate: false });
  for (const m of [small, large, tuned, off]) await valueOf(m.notificationTarget);
  offAlerts = off.alerts.availability;
  await settled(mocks.resources);
});

describe("Monitoring on Azure", () => {
  it("creates no per-VM resource: the same resources at 3 and 60 core nodes", () => {
    const shape = (prefix: string) =>
      own(prefix)
        .map((r) => `${r.type} ${r.name.slice(prefix.length)}`)
        .sort();
    expect(shape("large-monitoring")).toEqual(shape("logos-monitoring"));
    expect(mocks.ofType("azure-native:compute:VirtualMachineExtension")).toEqual([]);
    expect(mocks.ofType("azure-native:compute:VirtualMachineScaleSetExtension")).toEqual([]);
    expect(mocks.ofType("azure-native:monitor:DataCollectionRuleAssociation")).toEqual([]);
  });

  it("installs the agent on Linux VMs (core nodes and Flexible scale-set members) by DeployIfNotExists policy, as the node identity", () => {
    const assignments = own("logos-monitoring").filter((r) => r.type === "azure-native:authorization:PolicyAssignment");
    const byDefinition = Object.fromEntries(assignments.map((a) => [a.inputs.policyDefinitionId.split("/").pop(), a.inputs]));
    // The scale-set definitions target the scale set (Uniform model) and reach no Flexible member: not assigned.
    expect(Object.keys(byDefinition).sort()).toEqual(["58e891b9-ce13-4ac3-86e4-ac3e1f20cb07", "ae8a10e6-19d6-44a3-a02d-a2bdfc707742"]);
    for (const a of assignments) {
      expect(a.inputs.policyDefinitionId).toMatch(/^\/providers\/Microsoft\.Authorization\/policyDefinitions\//);
      expect(a.inputs).toMatchObject({ scope: RG, identity: { type: "SystemAssigned" }, location: "eastus" });
      expect(a.inputs.parameters.effect).toEqual({ value: "DeployIfNotExists" });
      expect(a.inputs.parameters.scopeToSupportedImages).toEqual({ value: false });
    }
    for (const guid of ["ae8a10e6-19d6-44a3-a02d-a2bdfc707742"]) {
      expect(byDefinition[guid].parameters).toMatchObject({
        bringYourOwnUserAssignedManagedIdentity: { value: true },
        restrictBringYourOwnUserAssignedIdentityToSubscription: { value: false },
        userAssignedIdentityResourceId: { value: IDENTITY },
      });
    }
  });

  it("leaves the bastion out: it runs without the identity the agent would authenticate as", () => {
    const assignments = own("logos-monitoring").filter((r) => r.type === "azure-native:authorization:PolicyAssignment");
    expect(assignments).toHaveLength(2);
    for (const a of assignments) expect(a.inputs.notScopes).toEqual([BASTION]);
  });

  it("associates Linux VMs with the pool's data collection rule by policy", () => {
    const [rule] = own("logos-monitoring").filter((r) => r.type === "azure-native:monitor:DataCollectionRule");
    const assignments = own("logos-monitoring").filter((r) => r.type === "azure-native:authorization:PolicyAssignment");
    const dcr = assignments.filter((a) => a.inputs.parameters.dcrResourceId !== undefined);
    expect(dcr.map((a) => a.inputs.policyDefinitionId.split("/").pop()).sort()).toEqual(["58e891b9-ce13-4ac3-86e4-ac3e1f20cb07"]);
    for (const a of dcr) {
      expect(a.inputs.parameters.dcrResourceId).toEqual({ value: `${rule.name}-id` });
      expect(a.inputs.parameters.resourceType).toEqual({ value: "Microsoft.Insights/dataCollectionRules" });
    }
  });

  it("also lets the association assignments read the rule, and gives the agent assignment no right on the node identity", () => {
    // The agent definition's template only writes the extension (its settings name the identity by id), so
    // Managed Identity Operator on the node identity would only let Azure Policy attach it to other VMs.
    const extra = own("logos-monitoring").filter((r) => r.type === "azure-native:authorization:RoleAssignment" && r.inputs.scope !== RG);
    const sub = "/subscriptions/00000000-0000-0000-0000-000000000003/providers/Microsoft.Authorization/roleDefinitions";
    expect(extra.map((r) => [r.name.replace(/^logos-monitoring-policy-/, ""), r.inputs.roleDefinitionId])).toEqual([
      ["dcr-vm-rule-access", `${sub}/749f88d5-cbae-40b8-bcfc-e573ddc772fa`],
    ]);
    expect(own("logos-monitoring").filter((r) => r.inputs.scope === IDENTITY)).toEqual([]);
  });

  it("grants each assignment's identity the roles its definition names, on the pool's resource group, and remediates once", () => {
    const roles = own("logos-monitoring").filter(
      (r) => r.type === "azure-native:authorization:RoleAssignment" && !/-rule-access$/.test(r.name),
    );
    const granted = roles.map(
      (r) => `${r.name.replace(/^logos-monitoring-policy-/, "").replace(/-[0-9a-f]{8}$/, "")} ${r.inputs.roleDefinitionId}`,
    );
    const sub = "/subscriptions/00000000-0000-0000-0000-000000000003/providers/Microsoft.Authorization/roleDefinitions";
    expect(granted.sort()).toEqual(
      [
        `ama-vm ${sub}/9980e02c-c2be-4d73-94e8-173b1dc7cf3c`,
        `dcr-vm ${sub}/749f88d5-cbae-40b8-bcfc-e573ddc772fa`,
        `dcr-vm ${sub}/92aaf0da-9dab-42b6-94a3-d43ce8d16293`,
      ].sort(),
    );
    for (const r of roles) expect(r.inputs).toMatchObject({ scope: RG, principalType: "ServicePrincipal" });
    const remediations = own("logos-monitoring").filter((r) => r.type === "azure-native:policyinsights:RemediationAtResourceGroup");
    expect(remediations.map((r) => r.inputs.policyAssignmentId).sort()).toEqual(
      ["ama-vm", "dcr-vm"].map((k) => `logos-monitoring-policy-${k}-id`),
    );
    for (const r of remediations)
      expect(r.inputs).toMatchObject({ resourceGroupName: "logos-rg1234", resourceDiscoveryMode: "ReEvaluateCompliance" });
  });

  it("collects CPU, memory and disk counters and the validation result log", () => {
    const [rule] = own("logos-monitoring").filter((r) => r.type === "azure-native:monitor:DataCollectionRule");
    expect(rule.inputs.dataSources.performanceCounters[0].counterSpecifiers).toEqual([
      "Processor(*)\\% Processor Time",
      "Memory(*)\\% Used Memory",
      "Logical Disk(*)\\% Used Space",
    ]);
    expect(rule.inputs.dataSources.logFiles[0]).toMatchObject({
      filePatterns: ["/var/log/logos/validation.jsonl", "/var/log/logos/heartbeat.jsonl"],
      streams: ["Custom-LogosValidation_CL"],
    });
    expect(mocks.ofType("azure-native:operationalinsights:Table")[0].inputs.tableName).toBe("LogosValidation_CL");
  });

  it("declares every column the validation-table alerts read, in the table and in the rule's stream", () => {
    const [rule] = own("logos-monitoring").filter((r) => r.type === "azure-native:monitor:DataCollectionRule");
    const [table] = own("logos-monitoring").filter((r) => r.type === "azure-native:operationalinsights:Table");
    const streamColumns = rule.inputs.streamDeclarations["Custom-LogosValidation_CL"].columns.map((c: { name: string }) => c.name);
    const tableColumns = table.inputs.schema.columns.map((c: { name: string }) => c.name);
    for (const alert of ["job-status", "rebuild-sla", "availability"]) {
      const criterion = named("azure-native:monitor:ScheduledQueryRule", `logos-monitoring-${alert}`).inputs.criteria.allOf[0];
      const query: string = criterion.query;
      expect(query.startsWith("LogosValidation_CL\n"), alert).toBe(true);
      // Columns are PascalCase, functions and JSON fields lower case: every PascalCase name
      // the query reads and did not compute itself (`Name = ...`) must be a declared column.
      const computed = new Set([...query.matchAll(/\b([A-Z]\w*) = /g)].map((m) => m[1]));
      const read = [
        ...new Set([...query.slice("LogosValidation_CL".length).matchAll(/\b[A-Z]\w*\b/g)].map((m) => m[0])),
        ...(criterion.dimensions ?? []).map((d: { name: string }) => d.name),
      ].filter((name) => !computed.has(name));
      expect(read, alert).toEqual(expect.arrayContaining(["RawData", "Computer"]));
      for (const column of read) {
        expect(streamColumns, `${alert} reads ${column}`).toContain(column);
        expect(tableColumns, `${alert} reads ${column}`).toContain(column);
      }
    }
  });

  it("alerts on CPU and memory over every VM of the pool's resource group with one alert each", () => {
    const cpu = named("azure-native:monitor:MetricAlert", "logos-monitoring-cpu").inputs;
    expect(cpu.scopes).toEqual([RG]);
    expect(cpu.targetResourceType).toBe("Microsoft.Compute/virtualMachines");
    expect(cpu.criteria.allOf[0]).toMatchObject({ metricName: "Percentage CPU", operator: "GreaterThan", threshold: 90 });
    const memory = named("azure-native:monitor:MetricAlert", "logos-monitoring-memory").inputs;
    expect(memory.criteria.allOf[0]).toMatchObject({ metricName: "Available Memory Percentage", operator: "LessThan", threshold: 20 });
  });

  it("alerts on disk use and failed validations from the workspace", () => {
    const disk = named("azure-native:monitor:ScheduledQueryRule", "logos-monitoring-disk").inputs;
    expect(disk.criteria.allOf[0]).toMatchObject({ metricMeasureColumn: "UsedPercent", operator: "GreaterThan", threshold: 85 });
    expect(disk.criteria.allOf[0].query).toContain('InstanceName in ("/", "/var/lib/logos/state")');
    const job = named("azure-native:monitor:ScheduledQueryRule", "logos-monitoring-job-status").inputs;
    expect(job.criteria.allOf[0]).toMatchObject({ metricMeasureColumn: "Failures", operator: "GreaterThanOrEqual", threshold: 1 });
    expect(job.criteria.allOf[0].query).toContain('tostring(result.status) == "fail"');
  });

  it("alerts on a validation slower than the rebuild SLA from config, per computer, until closed", () => {
    const sla = named("azure-native:monitor:ScheduledQueryRule", "logos-monitoring-rebuild-sla").inputs;
    expect(sla.criteria.allOf[0]).toMatchObject({
      metricMeasureColumn: "Seconds",
      operator: "GreaterThan",
      threshold: 900,
      timeAggregation: "Maximum",
    });
    expect(sla.criteria.allOf[0].query).toBe(
      [
        "LogosValidation_CL",
        "| extend result = parse_json(RawData)",
        "| where isnotnull(result.seconds.total)",
        "| summarize Seconds = max(todouble(result.seconds.total)) by Computer",
      ].join("\n"),
    );
    expect(sla.autoMitigate).toBe(false);
    expect(named("azure-native:monitor:ScheduledQueryRule", "tuned-monitoring-rebuild-sla").inputs.criteria.allOf[0].threshold).toBe(1500);
  });

  it("counts the core nodes whose heartbeat says they hold a passing validation, over the window from config", () => {
    const availability = named("azure-native:monitor:ScheduledQueryRule", "logos-monitoring-availability").inputs;
    expect(availability).toMatchObject({
      evaluationFrequency: "PT5M",
      windowSize: "PT5M",
      overrideQueryTimeRange: "PT30M",
      autoMitigate: true,
      scopes: ["logos-monitoring-workspace-id"],
    });
    expect(availability.criteria.allOf[0]).toMatchObject({
      metricMeasureColumn: "ValidatedNodes",
      operator: "LessThan",
      threshold: 3,
      timeAggregation: "Maximum",
    });
    expect(availability.criteria.allOf[0].dimensions).toBeUndefined();
    expect(availability.criteria.allOf[0].query).toBe(
      [
        "LogosValidation_CL",
        "| where TimeGenerated > ago(30m)",
        "| extend beat = parse_json(RawData)",
        '| where tostring(beat.kind) == "heartbeat" and toint(beat.validated) == 1',
        "| summarize by Computer, Bin = bin(TimeGenerated, 5m)",
        "| summarize Nodes = count() by Bin",
        "| summarize ValidatedNodes = max(Nodes)",
        "| extend ValidatedNodes = coalesce(ValidatedNodes, tolong(0))",
      ].join("\n"),
    );
    const tuned = named("azure-native:monitor:ScheduledQueryRule", "tuned-monitoring-availability").inputs;
    // 50 minutes is no range Azure offers: the next one up, trimmed by the query itself.
    expect(tuned.overrideQueryTimeRange).toBe("PT1H");
    expect(tuned.criteria.allOf[0].query).toContain("| where TimeGenerated > ago(50m)");
    expect(named("azure-native:monitor:ScheduledQueryRule", "large-monitoring-availability").inputs.criteria.allOf[0].threshold).toBe(60);
  });

  it("has no availability alert when validation is off: no node would ever count", () => {
    expect(own("off-monitoring").map((r) => r.name)).not.toContain("off-monitoring-availability");
    expect(offAlerts).toEqual([]);
  });

  it("routes every alert to one action group (no email receiver when none is configured)", () => {
    const [group] = own("logos-monitoring").filter((r) => r.type === "azure-native:monitor:ActionGroup");
    expect(group.inputs.emailReceivers).toEqual([]);
    expect(group.inputs.groupShortName.length).toBeLessThanOrEqual(12);
    const alerts = own("logos-monitoring").filter(
      (r) => r.type === "azure-native:monitor:MetricAlert" || r.type === "azure-native:monitor:ScheduledQueryRule",
    );
    expect(alerts.map((a) => a.name).sort()).toEqual(
      ["availability", "cpu", "disk", "job-status", "memory", "rebuild-sla"].map((s) => `logos-monitoring-${s}`),
    );
    for (const a of alerts) expect(a.inputs.actions).toBeDefined();
  });

  it("is policy-clean", () => {
    const config = packConfig({ requireCmek: true });
    const violations = mocks.resources.flatMap((r) =>
      evaluateResource({ urn: r.name, type: r.type, name: r.name, inputs: r.inputs }, { config }),
    );
    expect(violations).toEqual([]);
  });
});
