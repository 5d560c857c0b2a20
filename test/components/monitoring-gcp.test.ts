import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { parseSpec } from "../../infra/spec";
import { evaluateResource, packConfig } from "../../policies/evaluate";
import { poolConfig } from "../helpers/configs";
import type { Signal } from "../../components/monitoring/types";
import { installMocks, type Registered, settled, valueOf } from "../helpers/mocks";
import { deploymentId } from "../../infra/deployment";

let mocks: ReturnType<typeof installMocks>;
const DEPLOYMENT = deploymentId({ project: "logos-compute", stack: "test" });
const POOL = `metadata.user_labels."logos-pool" = "logos" AND metadata.user_labels."logos-deployment" = "${DEPLOYMENT}"`;

function policy(name: string): Registered {
  const found = mocks.ofType("gcp:monitoring/alertPolicy:AlertPolicy").find((r) => r.name === name);
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
  const build = (name: string, nodeCount: number, overrides: Record<string, unknown> = {}) =>
    new Monitoring(name, {
      spec: parseSpec(poolConfig("gcp", { alertEmail: "ops@example.org", coreNodes: nodeCount, burstMax: nodeCount + 3, ...overrides })),
      nodes: Array.from({ length: nodeCount }, (_, i) => ({
        name: `logos-core-${i}`,
        instanceId: pulumi.output(`projects/p/zones/us-central1-a/instances/logos-core-${i}`),
      })),
      nodeIdentity: {
        kind: "gcp-service-account",
        id: pulumi.output("logos-node@logos-test-project.iam.gserviceaccount.com"),
        principal: pulumi.output("serviceAccount:logos-node@logos-test-project.iam.gserviceaccount.com"),
      },
    });
  const built = {
    main: build("logos-monitoring", 3),
    large: build("large-monitoring", 50),
    tuned: build("tuned-monitoring", 3, { rebuildSlaMinutes: 25, availabilityWindowMinutes: 60 }),
    off: build("off-monitoring", 3, { validate: false }),
  };
  for (const m of Object.values(built)) await valueOf(m.notificationTarget);
  alerts = Object.fromEntries(Object.entries(built).map(([k, m]) => [k, m.alerts]));
  await settled(mocks.resources);
});

describe("Monitoring on GCP", () => {
  it("alerts on CPU, memory and disk over every instance labelled with the pool, at the default thresholds", () => {
    const cases: [string, string, number][] = [
      ["logos-monitoring-cpu", "compute.googleapis.com/instance/cpu/utilization", 0.9],
      ["logos-monitoring-memory", "agent.googleapis.com/memory/percent_used", 90],
      ["logos-monitoring-disk", "agent.googleapis.com/disk/percent_used", 85],
    ];
    for (const [name, metric, threshold] of cases) {
      const [condition] = policy(name).inputs.conditions;
      expect(condition.conditionThreshold.filter).toContain(`metric.type = "${metric}"`);
      expect(condition.conditionThreshold.filter).toContain(POOL);
      expect(condition.conditionThreshold).toMatchObject({ comparison: "COMPARISON_GT", thresholdValue: threshold, duration: "300s" });
    }
  });

  it("watches real disks only: a snap's squashfs loop device is always 100 % used", () => {
    const [condition] = policy("logos-monitoring-disk").inputs.conditions;
    expect(condition.conditionThreshold.filter).toBe(
      `metric.type = "agent.googleapis.com/disk/percent_used" AND metric.labels.state = "used" AND ` +
        `NOT metric.labels.device = starts_with("/dev/loop") AND resource.type = "gce_instance" AND ${POOL}`,
    );
  });

  it("alerts on every failed validation of this deployment with a log-match condition, rate-limited, no log-based metric", () => {
    // A threshold on a log-based metric created in the same update is refused
    // with 404 until the metric propagates; a log-match condition needs none.
    expect(mocks.ofType("gcp:logging/metric:Metric")).toEqual([]);
    const p = policy("logos-monitoring-job-status").inputs;
    expect(p.conditions).toHaveLength(1);
    expect(p.conditions[0].conditionThreshold).toBeUndefined();
    expect(p.conditions[0].conditionMatchedLog).toEqual({
      filter: `resource.type="gce_instance" AND log_id("logos_validation") AND labels."logos-pool"="logos" AND labels."logos-deployment"="${DEPLOYMENT}" AND jsonPayload.status="fail"`,
      labelExtractors: { node: "EXTRACT(jsonPayload.node)", stage: "EXTRACT(jsonPayload.stage)" },
    });
    expect(p.alertStrategy).toEqual({ notificationRateLimit: { period: "300s" }, autoClose: "1800s" });
  });

  it("enables the Monitoring and Logging APIs first, never disabling them on destroy", () => {
    expect(
      own("logos-monitoring")
        .filter((r) => r.type === "gcp:projects/service:Service")
        .map((r) => [r.inputs.service, r.inputs.disableOnDestroy]),
    ).toEqual([
      ["monitoring.googleapis.com", false],
      ["logging.googleapis.com", false],
    ]);
  });

  it("notifies the operator's email on every policy", () => {
    const [channel] = own("logos-monitoring").filter((r) => r.type === "gcp:monitoring/notificationChannel:NotificationChannel");
    expect(channel.inputs).toMatchObject({ type: "email", labels: { email_address: "ops@example.org" } });
    const policies = own("logos-monitoring").filter((r) => r.type === "gcp:monitoring/alertPolicy:AlertPolicy");
    expect(policies).toHaveLength(6);
    for (const p of policies) {
      expect(p.inputs.notificationChannels).toEqual(["logos-monitoring-email-id"]);
      expect(p.inputs.userLabels).toMatchObject({ "logos-proof-gated": "true" });
    }
  });

  it("alerts on a validation of this deployment slower than the rebuild SLA from config, with a log-match condition", () => {
    const filterOf = (name: string) => policy(name).inputs.conditions[0].conditionMatchedLog.filter;
    const results = `resource.type="gce_instance" AND log_id("logos_validation") AND labels."logos-pool"="logos" AND labels."logos-deployment"="${DEPLOYMENT}"`;
    expect(filterOf("logos-monitoring-rebuild-sla")).toBe(`${results} AND jsonPayload.seconds.total > 900`);
    expect(filterOf("tuned-monitoring-rebuild-sla")).toBe(`${results} AND jsonPayload.seconds.total > 1500`);
    const p = policy("logos-monitoring-rebuild-sla").inputs;
    expect(p.conditions).toHaveLength(1);
    expect(p.conditions[0].conditionMatchedLog.labelExtractors).toEqual({
      node: "EXTRACT(jsonPayload.node)",
      seconds: "EXTRACT(jsonPayload.seconds.total)",
    });
    expect(p.alertStrategy).toEqual({ notificationRateLimit: { period: "300s" }, autoClose: "1800s" });
  });

  it("counts this deployment's validated core nodes by the marker process the Ops Agent reports, needing no metric of its own", () => {
    const [condition] = policy("logos-monitoring-availability").inputs.conditions;
    expect(condition.conditionThreshold).toEqual({
      filter: `metric.type = "agent.googleapis.com/processes/rss_usage" AND metric.labels.command_line = "logos-core-validated infinity" AND resource.type = "gce_instance" AND ${POOL}`,
      aggregations: [{ alignmentPeriod: "300s", perSeriesAligner: "ALIGN_MEAN", crossSeriesReducer: "REDUCE_COUNT" }],
      comparison: "COMPARISON_LT",
      thresholdValue: 3,
      duration: "1800s",
      evaluationMissingData: "EVALUATION_MISSING_DATA_ACTIVE",
    });
    const tuned = policy("tuned-monitoring-availability").inputs.conditions[0].conditionThreshold;
    expect([tuned.thresholdValue, tuned.duration]).toEqual([3, "3600s"]);
    expect(policy("large-monitoring-availability").inputs.conditions[0].conditionThreshold.thresholdValue).toBe(50);
    // No metric of our own anywhere: nothing a new policy could be refused for.
    expect(mocks.ofType("gcp:logging/metric:Metric")).toEqual([]);
    expect(mocks.ofType("gcp:monitoring/metricDescriptor:MetricDescriptor")).toEqual([]);
  });

  it("has no availability policy when validation is off: no node would ever count", () => {
    expect(own("off-monitoring").map((r) => r.name)).not.toContain("off-monitoring-availability");
    expect(alerts.off.availability).toEqual([]);
    expect(alerts.main.availability).toHaveLength(1);
  });

  it("does not grow with the number of nodes: two APIs, channel, six policies at 3 and 50", () => {
    const shape = (prefix: string) =>
      own(prefix)
        .filter((r) => !r.type.startsWith("logos:"))
        .map((r) => `${r.type} ${r.name.slice(prefix.length)}`)
        .sort();
    expect(shape("logos-monitoring")).toHaveLength(9);
    expect(shape("large-monitoring")).toEqual(shape("logos-monitoring"));
  });

  it("is policy-clean", () => {
    const config = packConfig({ requireCmek: true });
    const violations = mocks.resources.flatMap((r) =>
      evaluateResource({ urn: r.name, type: r.type, name: r.name, inputs: r.inputs }, { config }),
    );
    expect(violations).toEqual([]);
  });
});
