import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { deploymentId } from "../../infra/deployment";
import { parseSpec } from "../../infra/spec";
import { evaluateResource, packConfig } from "../../policies/evaluate";
import { poolConfig } from "../helpers/configs";
import { installMocks, type Registered, settled, valueOf } from "../helpers/mocks";

let mocks: ReturnType<typeof installMocks>;
/** The mock runs project logos-compute, stack test; the component defaults to their deployment id. */
const DEPLOYMENT = deploymentId({ project: "logos-compute", stack: "test" });

function alarm(name: string): Registered {
  const found = mocks.ofType("aws:cloudwatch/metricAlarm:MetricAlarm").find((r) => r.name === name);
  expect(found, name).toBeDefined();
  return found as Registered;
}

beforeAll(async () => {
  mocks = installMocks();
  const { Monitoring } = await import("../../components/monitoring/index.js");
  const spec = parseSpec(
    poolConfig("aws", { alertCpuPercent: 80, alertMemoryPercent: 75, alertDiskPercent: 70, alertEmail: "ops@example.org" }),
  );
  const monitoring = new Monitoring("logos-monitoring", {
    spec,
    nodes: [0, 1, 2].map((i) => ({ name: `logos-core-${i}`, instanceId: pulumi.output(`i-0000000000000000${i}`) })),
    burst: { groupId: pulumi.output("logos-burst"), groupName: pulumi.output("logos-burst") },
    nodeIdentity: {
      kind: "aws-iam-role",
      id: pulumi.output("logos-node-role"),
      principal: pulumi.output("arn:aws:iam::123456789012:role/logos-node-role"),
    },
  });
  await valueOf(monitoring.notificationTarget);
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
    const [filter] = mocks.ofType("aws:cloudwatch/logMetricFilter:LogMetricFilter");
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
    const alarms = mocks.ofType("aws:cloudwatch/metricAlarm:MetricAlarm");
    expect(alarms).toHaveLength(4);
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

  it("does not grow with the number of nodes: key, its propagation wait, topic, subscription, log group, filter, four alarms", () => {
    expect(mocks.resources.filter((r) => !r.type.startsWith("logos:"))).toHaveLength(10);
  });

  it("models the key's propagation as a 60 s wait (the plan tests check what waits for it)", () => {
    expect(mocks.ofType("time:index/sleep:Sleep").map((s) => [s.name, s.inputs.createDuration])).toEqual([
      ["logos-monitoring-key-propagation", "60s"],
    ]);
  });

  it("is policy-clean", () => {
    const config = packConfig({ requireCmek: true });
    const violations = mocks.resources.flatMap((r) =>
      evaluateResource({ urn: r.name, type: r.type, name: r.name, inputs: r.inputs }, { config }),
    );
    expect(violations).toEqual([]);
  });
});
