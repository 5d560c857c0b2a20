import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { deploymentId } from "../../infra/deployment";
import { parseSpec } from "../../infra/spec";
import { evaluateResource, packConfig } from "../../policies/evaluate";
import { poolConfig } from "../helpers/configs";
import type { Signal } from "../../components/monitoring/types";
import { installMocks, type Registered, settled, valueOf } from "../helpers/mocks";

let mocks: ReturnType<typeof installMocks>;
/** The mock runs project logos-compute, stack test; the component defaults to their deployment id. */
const DEPLOYMENT = deploymentId({ project: "logos-compute", stack: "test" });

function alarm(name: string): Registered {
  const found = mocks.ofType("aws:cloudwatch/metricAlarm:MetricAlarm").find((r) => r.name === name);
  expect(found, name).toBeDefined();
  return found as Registered;
}

/** Resources a Monitoring named `prefix` registered (its own and its children's names start with it). */
function own(prefix: string): Registered[] {
  return mocks.resources.filter((r) => r.name === prefix || r.name.startsWith(`${prefix}-`));
}

let alerts: Record<string, Record<Signal, readonly pulumi.Resource[]>> = {};

beforeAll(async () => {
  mocks = installMocks();
  const { Monitoring } = await import("../../components/monitoring/index.js");
  const config = {
    alertCpuPercent: 80,
    alertMemoryPercent: 75,
    alertDiskPercent: 70,
    alertEmail: "ops@example.org",
    rebuildSlaMinutes: 20,
    availabilityWindowMinutes: 45,
  };
  const build = (name: string, nodeCount: number, overrides: Record<string, unknown> = {}) =>
    new Monitoring(name, {
      spec: parseSpec(poolConfig("aws", { ...config, coreNodes: nodeCount, burstMax: nodeCount + 3, ...overrides })),
      nodes: Array.from({ length: nodeCount }, (_, i) => ({ name: `logos-core-${i}`, instanceId: pulumi.output(`i-00000000000000${i}`) })),
      burst: { groupId: pulumi.output("logos-burst"), groupName: pulumi.output("logos-burst") },
      nodeIdentity: {
        kind: "aws-iam-role",
        id: pulumi.output("logos-node-role"),
        principal: pulumi.output("arn:aws:iam::123456789012:role/logos-node-role"),
      },
    });
  const built = {
    main: build("logos-monitoring", 3),
    large: build("large-monitoring", 50),
    off: build("off-monitoring", 3, { validate: false }),
  };
  for (const m of Object.values(built)) await valueOf(m.notificationTarget);
  alerts = Object.fromEntries(Object.entries(built).map(([k, m]) => [k, m.alerts]));
  await settled(mocks.resources);
});

describe("Monitoring on AWS", () => {
  it("alarms deployment-wide on the agent's CPU, memory and disk with the spec's thresholds", () => {
    const expected: [string, string, number][] = [
      ["logos-monitoring-cpu", "cpu_usage_active", 80],
      ["logos-monitoring-memory", "mem_used_percent", 75],
      ["logos-monitoring-disk", "disk_used_percent", 70],
    ];
    for (const [name, metricName, threshold] of expected) {
      expect(alarm(name).inputs).toMatchObject({
        namespace: "CWAgent",
        metricName,
        dimensions: { LogosPool: "logos", LogosDeployment: DEPLOYMENT },
        statistic: "Maximum",
        comparisonOperator: "GreaterThanThreshold",
        threshold,
        treatMissingData: "breaching",
      });
    }
  });

  it("counts failed validations from the result log and alarms on one", () => {
    const filter = own("logos-monitoring").find((r) => r.name === "logos-monitoring-validation-failures") as Registered;
    expect(filter.inputs).toMatchObject({
      logGroupName: `/logos/logos/${DEPLOYMENT}/validation`,
      pattern: '{ $.status = "fail" }',
      metricTransformation: { namespace: `LogosCompute/${DEPLOYMENT}`, name: "ValidationFailures", value: "1", defaultValue: "0" },
    });
    expect(alarm("logos-monitoring-job-status").inputs).toMatchObject({
      namespace: `LogosCompute/${DEPLOYMENT}`,
      metricName: "ValidationFailures",
      statistic: "Sum",
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      threshold: 1,
    });
  });

  it("sends every alarm to one KMS-encrypted topic with the operator's email", () => {
    const [topic] = mocks.ofType("aws:sns/topic:Topic");
    expect(topic.inputs.kmsMasterKeyId).toBe("logos-monitoring-key-id");
    const alarms = own("logos-monitoring").filter((r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm");
    expect(alarms).toHaveLength(6);
    const actions = new Set(alarms.flatMap((a) => a.inputs.alarmActions));
    expect(actions.size).toBe(1);
    const [subscription] = mocks.ofType("aws:sns/topicSubscription:TopicSubscription");
    expect(subscription.inputs).toMatchObject({ protocol: "email", endpoint: "ops@example.org" });
    const [key] = mocks.ofType("aws:kms/key:Key");
    expect(key.inputs.enableKeyRotation).toBe(true);
    const principals = JSON.parse(key.inputs.policy).Statement.map((s: { Principal: unknown }) => s.Principal);
    expect(principals).toContainEqual({ Service: "cloudwatch.amazonaws.com" });
    expect(principals).toContainEqual({ Service: "logs.us-east-1.amazonaws.com" });
  });

  it("publishes each validation's duration from the result log and alarms above the rebuild SLA from config", () => {
    const filter = own("logos-monitoring").find((r) => r.name === "logos-monitoring-validation-seconds") as Registered;
    expect(filter.inputs).toMatchObject({
      logGroupName: `/logos/logos/${DEPLOYMENT}/validation`,
      pattern: "{ $.seconds.total >= 0 }",
      metricTransformation: {
        namespace: `LogosCompute/${DEPLOYMENT}`,
        name: "ValidationSeconds",
        value: "$.seconds.total",
        unit: "Seconds",
      },
    });
    expect(alarm("logos-monitoring-rebuild-sla").inputs).toMatchObject({
      namespace: `LogosCompute/${DEPLOYMENT}`,
      metricName: "ValidationSeconds",
      statistic: "Maximum",
      comparisonOperator: "GreaterThanThreshold",
      threshold: 1200,
      treatMissingData: "notBreaching",
    });
    expect(alarm("logos-monitoring-rebuild-sla").inputs.alarmDescription).toContain("20-minute rebuild SLA");
  });

  it("alarms when fewer than coreNodes of this deployment's core nodes run the validated marker for the whole window", () => {
    expect(alarm("logos-monitoring-availability").inputs).toMatchObject({
      namespace: "CWAgent",
      metricName: "procstat_lookup_pid_count",
      dimensions: { LogosPool: "logos", LogosDeployment: DEPLOYMENT },
      statistic: "Sum",
      period: 60,
      evaluationPeriods: 45,
      datapointsToAlarm: 45,
      comparisonOperator: "LessThanThreshold",
      threshold: 3,
      treatMissingData: "breaching",
    });
    expect(alarm("large-monitoring-availability").inputs.threshold).toBe(50);
    expect(alerts.main.availability).toHaveLength(1);
    expect(alerts.main.rebuildSla).toHaveLength(1);
  });

  it("has no availability alarm when validation is off: no node would ever count", () => {
    expect(own("off-monitoring").map((r) => r.name)).not.toContain("off-monitoring-availability");
    expect(alerts.off.availability).toEqual([]);
    expect(alerts.off.rebuildSla).toHaveLength(1);
  });

  it("does not grow with the number of nodes: key, its propagation wait, topic, subscription, log group, two filters, six alarms at 3 and 50", () => {
    const shape = (prefix: string) =>
      own(prefix)
        .filter((r) => !r.type.startsWith("logos:"))
        .map((r) => `${r.type} ${r.name.slice(prefix.length)}`)
        .sort();
    expect(shape("logos-monitoring")).toHaveLength(13);
    expect(shape("large-monitoring")).toEqual(shape("logos-monitoring"));
  });

  it("models the key's propagation as a 60 s wait (the plan tests check what waits for it)", () => {
    expect(
      own("logos-monitoring")
        .filter((r) => r.type === "time:index/sleep:Sleep")
        .map((s) => [s.name, s.inputs.createDuration]),
    ).toEqual([["logos-monitoring-key-propagation", "60s"]]);
  });

  it("is policy-clean", () => {
    const config = packConfig({ requireCmek: true });
    const violations = mocks.resources.flatMap((r) =>
      evaluateResource({ urn: r.name, type: r.type, name: r.name, inputs: r.inputs }, { config }),
    );
    expect(violations).toEqual([]);
  });
});
