/**
 * GCP monitoring: one alert policy per signal over every instance labelled
 * with the pool (core and burst alike, at any pool size): CPU from Compute
 * Engine, memory and disk from the Ops Agent, and a log-based metric that
 * counts failed validations.
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { GCP_VALIDATION_LOG_ID } from "../../infra/monitoring-bootstrap";
import { tagsFor, type PoolSpec } from "../../infra/spec";
import type { MonitoringContext, MonitoringParts } from "./types";

const DURATION = "300s";
const ALIGNMENT = "60s";

/** Restricts a metric to the pool's instances by their `logos-pool` label. */
export function poolInstances(spec: Pick<PoolSpec, "name">): string {
  return `resource.type = "gce_instance" AND metadata.user_labels."logos-pool" = "${spec.name}"`;
}

/** The Cloud Logging filter the failure metric counts. */
export function failureLogFilter(spec: Pick<PoolSpec, "name">): string {
  return `resource.type="gce_instance" AND log_id("${GCP_VALIDATION_LOG_ID}") AND labels."logos-pool"="${spec.name}" AND jsonPayload.status="fail"`;
}

export function buildGcpMonitoring(ctx: MonitoringContext): MonitoringParts {
  const { spec, name } = ctx;
  const opts = { parent: ctx.parent };
  const project = spec.gcpProject;
  if (!project) throw new Error("Monitoring on gcp needs spec.gcpProject (gcp:project)");
  const labels = tagsFor(spec, "monitoring");

  const channels: gcp.monitoring.NotificationChannel[] = [];
  if (spec.monitoring.alertEmail) {
    channels.push(
      new gcp.monitoring.NotificationChannel(
        `${name}-email`,
        {
          project,
          type: "email",
          displayName: `logos ${spec.name} alerts`,
          labels: { email_address: spec.monitoring.alertEmail },
          userLabels: labels,
        },
        opts,
      ),
    );
  }
  // A channel's id is its resource name, projects/<p>/notificationChannels/<n>.
  const notificationChannels = channels.map((c) => c.id);

  const failures = new gcp.logging.Metric(
    `${name}-validation-failures`,
    {
      project,
      name: `logos-${spec.name}-validation-failures`,
      description: `Failed proof validations in pool ${spec.name}`,
      filter: failureLogFilter(spec),
      metricDescriptor: { metricKind: "DELTA", valueType: "INT64", unit: "1" },
    },
    opts,
  );

  const policy = (
    signal: string,
    displayName: string,
    filter: pulumi.Input<string>,
    threshold: number,
    docs: string,
    aligner = "ALIGN_MEAN",
  ) =>
    new gcp.monitoring.AlertPolicy(
      `${name}-${signal}`,
      {
        project,
        displayName: `logos ${spec.name}: ${displayName}`,
        combiner: "OR",
        conditions: [
          {
            displayName,
            conditionThreshold: {
              filter,
              comparison: "COMPARISON_GT",
              thresholdValue: threshold,
              duration: signal === "job-status" ? "0s" : DURATION,
              aggregations: [{ alignmentPeriod: signal === "job-status" ? "300s" : ALIGNMENT, perSeriesAligner: aligner }],
            },
          },
        ],
        documentation: { content: docs, mimeType: "text/markdown" },
        notificationChannels,
        userLabels: labels,
      },
      opts,
    );

  const instances = poolInstances(spec);
  const m = spec.monitoring;
  const cpu = policy(
    "cpu",
    `CPU above ${m.cpuPercent}%`,
    `metric.type = "compute.googleapis.com/instance/cpu/utilization" AND ${instances}`,
    m.cpuPercent / 100,
    `A node of pool ${spec.name} used more than ${m.cpuPercent}% CPU for 5 minutes.`,
  );
  const memory = policy(
    "memory",
    `memory above ${m.memoryPercent}%`,
    `metric.type = "agent.googleapis.com/memory/percent_used" AND metric.labels.state = "used" AND ${instances}`,
    m.memoryPercent,
    `A node of pool ${spec.name} used more than ${m.memoryPercent}% of its memory for 5 minutes (Ops Agent).`,
  );
  const disk = policy(
    "disk",
    `disk above ${m.diskPercent}%`,
    `metric.type = "agent.googleapis.com/disk/percent_used" AND metric.labels.state = "used" AND ${instances}`,
    m.diskPercent,
    `A disk of a node of pool ${spec.name} is more than ${m.diskPercent}% full (Ops Agent).`,
  );
  const jobStatus = policy(
    "job-status",
    "proof validation failed",
    failures.name.apply((metric) => `metric.type = "logging.googleapis.com/user/${metric}" AND resource.type = "gce_instance"`),
    0,
    `A proof validation on a node of pool ${spec.name} reported status "fail"; see log ${GCP_VALIDATION_LOG_ID}.`,
    "ALIGN_SUM",
  );

  return {
    alerts: { cpu: [cpu], memory: [memory], disk: [disk], jobStatus: [jobStatus] },
    notificationTarget: pulumi.output(notificationChannels).apply((c) => c.join(",")),
  };
}
