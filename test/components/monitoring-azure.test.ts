import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { parseSpec } from "../../infra/spec";
import { evaluateResource, packConfig } from "../../policies/evaluate";
import { poolConfig } from "../helpers/configs";
import { installMocks, type Registered, settled, valueOf } from "../helpers/mocks";

let mocks: ReturnType<typeof installMocks>;
const RG = "/subscriptions/00000000-0000-0000-0000-000000000003/resourceGroups/logos-rg1234";
const IDENTITY = `${RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/logos-node-identity`;

function named(type: string, name: string): Registered {
  const found = mocks.ofType(type).find((r) => r.name === name);
  expect(found, name).toBeDefined();
  return found as Registered;
}

beforeAll(async () => {
  mocks = installMocks();
  const { Monitoring } = await import("../../components/monitoring/index.js");
  const spec = parseSpec(poolConfig("azure", { alertMemoryPercent: 80 }));
  const monitoring = new Monitoring("logos-monitoring", {
    spec,
    nodes: [0, 1, 2].map((i) => ({
      name: `logos-core-${i}`,
      instanceId: pulumi.output(`${RG}/providers/Microsoft.Compute/virtualMachines/logos-core-${i}`),
    })),
    burst: {
      groupId: pulumi.output(`${RG}/providers/Microsoft.Compute/virtualMachineScaleSets/logos-burst`),
      groupName: pulumi.output("logos-burst"),
    },
    nodeIdentity: {
      kind: "azure-user-assigned-identity",
      id: pulumi.output(IDENTITY),
      principal: pulumi.output("11111111-2222-3333-4444-555555555555"),
    },
  });
  await valueOf(monitoring.notificationTarget);
  await settled(mocks.resources);
});

describe("Monitoring on Azure", () => {
  it("installs the Azure Monitor Agent on each core VM and the burst scale set, as the node identity", () => {
    const vmExtensions = mocks.ofType("azure-native:compute:VirtualMachineExtension");
    expect(vmExtensions.map((e) => e.inputs.vmName)).toEqual(["logos-core-0", "logos-core-1", "logos-core-2"]);
    const [vmss] = mocks.ofType("azure-native:compute:VirtualMachineScaleSetExtension");
    expect(vmss.inputs.vmScaleSetName).toBe("logos-burst");
    for (const e of [...vmExtensions, vmss]) {
      expect(e.inputs).toMatchObject({
        publisher: "Microsoft.Azure.Monitor",
        type: "AzureMonitorLinuxAgent",
        resourceGroupName: "logos-rg1234",
      });
      expect(e.inputs.settings.authentication.managedIdentity).toEqual({ "identifier-name": "mi_res_id", "identifier-value": IDENTITY });
    }
    const associations = mocks.ofType("azure-native:monitor:DataCollectionRuleAssociation");
    expect(associations.map((a) => a.inputs.resourceUri.split("/").pop())).toEqual([
      "logos-core-0",
      "logos-core-1",
      "logos-core-2",
      "logos-burst",
    ]);
  });

  it("collects CPU, memory and disk counters and the validation result log", () => {
    const [rule] = mocks.ofType("azure-native:monitor:DataCollectionRule");
    expect(rule.inputs.dataSources.performanceCounters[0].counterSpecifiers).toEqual([
      "Processor(*)\\% Processor Time",
      "Memory(*)\\% Used Memory",
      "Logical Disk(*)\\% Used Space",
    ]);
    expect(rule.inputs.dataSources.logFiles[0]).toMatchObject({
      filePatterns: ["/var/log/logos/validation.jsonl"],
      streams: ["Custom-LogosValidation_CL"],
    });
    expect(mocks.ofType("azure-native:operationalinsights:Table")[0].inputs.tableName).toBe("LogosValidation_CL");
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

  it("routes every alert to one action group (no email receiver when none is configured)", () => {
    const [group] = mocks.ofType("azure-native:monitor:ActionGroup");
    expect(group.inputs.emailReceivers).toEqual([]);
    expect(group.inputs.groupShortName.length).toBeLessThanOrEqual(12);
    const alerts = [...mocks.ofType("azure-native:monitor:MetricAlert"), ...mocks.ofType("azure-native:monitor:ScheduledQueryRule")];
    expect(alerts).toHaveLength(4);
  });

  it("is policy-clean", () => {
    const config = packConfig({ requireCmek: true });
    const violations = mocks.resources.flatMap((r) =>
      evaluateResource({ urn: r.name, type: r.type, name: r.name, inputs: r.inputs }, { config }),
    );
    expect(violations).toEqual([]);
  });
});
