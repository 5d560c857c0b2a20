/**
 * GCP monitoring: one alert policy per signal over every instance of this
 * deployment (core and burst alike, at any pool size): CPU from Compute
 * Engine, memory and disk from the Ops Agent, and a log-match condition on
 * the validation results the Ops Agent ships.
 *
 * Job status is a log-match condition, not a threshold on a log-based
 * metric: an alert policy created right after its metric is refused with 404
 * "Cannot find metric(s) ... could take up to 10 minutes"
 * (hashicorp/terraform-provider-google#11102), and the provider retries no
 * 404 there (resource_monitoring_alert_policy.go retries only
 * IsMonitoringConcurrentEditError). A log-match condition needs no metric;
 * Cloud Monitoring requires a notification rate limit on it.
 *
 * Two stacks may share a project and a pool name: every filter also matches
 * the deployment id (infra/deployment.ts), which the pool puts on its
 * instances as a label and the Ops Agent puts on every result it ships.
 *
 * The rebuild SLA is a log-match condition too, on results whose
 * `seconds.total` exceeds `rebuildSlaMinutes`. Availability needs a count,
 * which a log match cannot give, yet a metric of our own would be as new as
 * a log-based one (a custom metric that has not been written is refused
 * alike, "Cannot find metric(s)", world-federation-of-advertisers/
 * cross-media-measurement#4350). So it counts a process instead: the Ops
 * Agent reports every process by default as agent.googleapis.com/processes/*
 * with its `command_line` (GoogleCloudPlatform/ops-agent apps/hostmetrics.go,
 * integration_test/ops_agent_test/agent_metrics/metadata.yaml), a metric type
 * Google defines in every project; each core node whose last validation
 * passed runs exactly one `logos-core-validated infinity`.
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { DEPLOYMENT_TAG } from "../../infra/deployment";
import { GCP_VALIDATION_LOG_ID, VALIDATED_MARKER_COMMAND_LINE } from "../../infra/monitoring-bootstrap";
import type { PoolSpec } from "../../infra/spec";
import { currentDeploymentId, enableServices, gcpLabels } from "../gcp-project";
import type { MonitoringContext, MonitoringParts } from "./types";

const DURATION = "300s";
const ALIGNMENT = "60s";
/** At most one notification per 5 minutes for the log-match policy (its required rate limit). */
export const LOG_ALERT_RATE_LIMIT = "300s";
/** A failure incident closes after 30 minutes without another failure. */
export const LOG_ALERT_AUTO_CLOSE = "1800s";

/**
 * Leaves out loop devices. Ubuntu 24.04's GCE image mounts its snaps
 * (google-cloud-cli among them) as squashfs on /dev/loopN
 * (GoogleCloudPlatform/opentelemetry-operations-collector#619), a read-only
 * filesystem with no free space, and the Ops Agent's filesystem scraper
 * reports every non-virtual filesystem by device (ops-agent
 * apps/hostmetrics.go: `disk/percent_used` keeps only `device` and `state`),
 * so without this every node's disk alert would fire from its first boot.
 */
export const NOT_SNAP_DEVICES = `NOT metric.labels.device = starts_with("/dev/loop")`;

/** Restricts a metric to this deployment's instances by their `logos-pool` and `logos-deployment` labels. */
export function poolInstances(spec: Pick<PoolSpec, "name">, deployment: string): string {
  return `resource.type = "gce_instance" AND metadata.user_labels."logos-pool" = "${spec.name}" AND metadata.user_labels."${DEPLOYMENT_TAG}" = "${deployment}"`;
}

/** The Cloud Logging filter of this deployment's validation results. */
function resultLogFilter(spec: Pick<PoolSpec, "name">, deployment: string): string {
  return `resource.type="gce_instance" AND log_id("${GCP_VALIDATION_LOG_ID}") AND labels."logos-pool"="${spec.name}" AND labels."${DEPLOYMENT_TAG}"="${deployment}"`;
}

/** The Cloud Logging filter of a failed validation on one of this deployment's nodes. */
export function failureLogFilter(spec: Pick<PoolSpec, "name">, deployment: string): string {
  return `${resultLogFilter(spec, deployment)} AND jsonPayload.status="fail"`;
}

/** A validation of this deployment slower than the rebuild SLA (a numeric comparison on the parsed JSON). */
export function slowRebuildLogFilter(spec: Pick<PoolSpec, "name" | "monitoring">, deployment: string): string {
  return `${resultLogFilter(spec, deployment)} AND jsonPayload.seconds.total > ${spec.monitoring.rebuildSlaSeconds}`;
}

/** The marker process of every core node of this deployment whose last validation passed. */
export function validatedMarkerFilter(spec: Pick<PoolSpec, "name">, deployment: string): string {
  return `metric.type = "agent.googleapis.com/processes/rss_usage" AND metric.labels.command_line = "${VALIDATED_MARKER_COMMAND_LINE}" AND ${poolInstances(spec, deployment)}`;
}

export function buildGcpMonitoring(ctx: MonitoringContext): MonitoringParts {
  const { spec, name } = ctx;
  const project = spec.gcpProject;
  if (!project) throw new Error("Monitoring on gcp needs spec.gcpProject (gcp:project)");
  const labels = gcpLabels(spec, "monitoring");
  const deployment = currentDeploymentId();
  const apis = enableServices(ctx.parent, name, project, ["monitoring.googleapis.com", "logging.googleapis.com"]);
  const opts = { parent: ctx.parent, dependsOn: apis };

  const channels: gcp.monitoring.NotificationChannel[] = [];
  if (spec.monitoring.alertEmail) {
    channels.push(
      new gcp.monitoring.NotificationChannel(
        `${name}-email`,
        {
          project,
          type: "email",
          displayName: `logos ${spec.name} (${deployment}) alerts`,
          labels: { email_address: spec.monitoring.alertEmail },
          userLabels: labels,
        },
        opts,
      ),
    );
  }
  // A channel's id is its resource name, projects/<p>/notificationChannels/<n>.
  const notificationChannels = channels.map((c) => c.id);

  const alert = (
    signal: string,
    displayName: string,
    condition: gcp.types.input.monitoring.AlertPolicyCondition,
    docs: string,
    extra = {},
  ) =>
    new gcp.monitoring.AlertPolicy(
      `${name}-${signal}`,
      {
        project,
        displayName: `logos ${spec.name} (${deployment}): ${displayName}`,
        combiner: "OR",
        conditions: [condition],
        documentation: { content: docs, mimeType: "text/markdown" },
        notificationChannels,
        userLabels: labels,
        ...extra,
      },
      opts,
    );
  const threshold = (signal: string, displayName: string, metric: string, value: number, docs: string) =>
    alert(
      signal,
      displayName,
      {
        displayName,
        conditionThreshold: {
          filter: `${metric} AND ${poolInstances(spec, deployment)}`,
          comparison: "COMPARISON_GT",
          thresholdValue: value,
          duration: DURATION,
          aggregations: [{ alignmentPeriod: ALIGNMENT, perSeriesAligner: "ALIGN_MEAN" }],
        },
      },
      docs,
    );

  const m = spec.monitoring;
  const cpu = threshold(
    "cpu",
    `CPU above ${m.cpuPercent}%`,
    `metric.type = "compute.googleapis.com/instance/cpu/utilization"`,
    m.cpuPercent / 100,
    `A node of pool ${spec.name} used more than ${m.cpuPercent}% CPU for 5 minutes.`,
  );
  const memory = threshold(
    "memory",
    `memory above ${m.memoryPercent}%`,
    `metric.type = "agent.googleapis.com/memory/percent_used" AND metric.labels.state = "used"`,
    m.memoryPercent,
    `A node of pool ${spec.name} used more than ${m.memoryPercent}% of its memory for 5 minutes (Ops Agent).`,
  );
  const disk = threshold(
    "disk",
    `disk above ${m.diskPercent}%`,
    `metric.type = "agent.googleapis.com/disk/percent_used" AND metric.labels.state = "used" AND ${NOT_SNAP_DEVICES}`,
    m.diskPercent,
    `A disk of a node of pool ${spec.name} is more than ${m.diskPercent}% full (Ops Agent).`,
  );
  const jobStatus = alert(
    "job-status",
    "proof validation failed",
    {
      displayName: "proof validation failed",
      conditionMatchedLog: {
        filter: failureLogFilter(spec, deployment),
        // The failing node and stage travel with the notification.
        labelExtractors: { node: "EXTRACT(jsonPayload.node)", stage: "EXTRACT(jsonPayload.stage)" },
      },
    },
    `A proof validation on a node of pool ${spec.name} reported status "fail"; see log ${GCP_VALIDATION_LOG_ID}.`,
    { alertStrategy: { notificationRateLimit: { period: LOG_ALERT_RATE_LIMIT }, autoClose: LOG_ALERT_AUTO_CLOSE } },
  );

  const rebuildSla = alert(
    "rebuild-sla",
    `validation slower than ${m.rebuildSlaSeconds / 60} minutes`,
    {
      displayName: `validation slower than the ${m.rebuildSlaSeconds / 60}-minute rebuild SLA`,
      conditionMatchedLog: {
        filter: slowRebuildLogFilter(spec, deployment),
        labelExtractors: { node: "EXTRACT(jsonPayload.node)", seconds: "EXTRACT(jsonPayload.seconds.total)" },
      },
    },
    `A proof validation on a node of pool ${spec.name} took longer than the ${m.rebuildSlaSeconds / 60}-minute rebuild SLA (seconds.total in log ${GCP_VALIDATION_LOG_ID}).`,
    { alertStrategy: { notificationRateLimit: { period: LOG_ALERT_RATE_LIMIT }, autoClose: LOG_ALERT_AUTO_CLOSE } },
  );

  // Without validation no node ever counts: the policy would only ever fire.
  const availability = spec.validation.enabled
    ? [
        new gcp.monitoring.AlertPolicy(
          `${name}-availability`,
          {
            project,
            displayName: `logos ${spec.name} (${deployment}): fewer than ${spec.nodes.core} validated core nodes`,
            combiner: "OR",
            conditions: [
              {
                displayName: `fewer than ${spec.nodes.core} core nodes with a passing validation for ${m.availabilityWindowMinutes} minutes`,
                conditionThreshold: {
                  filter: validatedMarkerFilter(spec, deployment),
                  // One series per marker process; five samples per period, so a late sample never drops a node.
                  aggregations: [{ alignmentPeriod: "300s", perSeriesAligner: "ALIGN_MEAN", crossSeriesReducer: "REDUCE_COUNT" }],
                  comparison: "COMPARISON_LT",
                  thresholdValue: spec.nodes.core,
                  duration: `${m.availabilityWindowMinutes * 60}s`,
                  // No marker anywhere leaves no series at all: that is no node validated.
                  evaluationMissingData: "EVALUATION_MISSING_DATA_ACTIVE",
                },
              },
            ],
            documentation: {
              content: `Fewer than ${spec.nodes.core} core nodes of pool ${spec.name} have held a passing proof validation for ${m.availabilityWindowMinutes} minutes (a node counts while it runs \`${VALIDATED_MARKER_COMMAND_LINE}\`; see \`systemctl status logos-core-validated\` on each node).`,
              mimeType: "text/markdown",
            },
            notificationChannels,
            userLabels: labels,
          },
          { ...opts, dependsOn: [...apis, ...ctx.availabilityAfter] },
        ),
      ]
    : [];

  return {
    alerts: { cpu: [cpu], memory: [memory], disk: [disk], jobStatus: [jobStatus], rebuildSla: [rebuildSla], availability },
    notificationTarget: pulumi.output(notificationChannels).apply((c) => c.join(",")),
    // The Ops Agent on every node writes into Cloud Monitoring and Cloud
    // Logging: nodes boot once both APIs are enabled.
    nodeSinks: apis,
  };
}
