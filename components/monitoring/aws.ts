/**
 * AWS monitoring: deployment-wide CloudWatch alarms on the agent's CPU,
 * memory and disk percentages (dimensions LogosPool and LogosDeployment,
 * statistic Maximum: one alarm fires when any node of this stack crosses the
 * threshold, burst nodes included, at any pool size), and on a log-based
 * count of failed validations, all to one SNS topic. Log group, metric
 * namespace and dimensions carry the deployment id, so the shipped pilot and
 * pool stacks (both pool `logos`) coexist in one account without claiming
 * the same log group or firing on each other's nodes.
 *
 * EC2's own CPUUtilization has no pool-wide dimension (only per instance or
 * per ASG), which would mean an alarm per core node; the agent's
 * cpu_usage_active carries LogosPool, so CPU follows the same shape as
 * memory and disk. Per-instance series are still published for drill-down.
 *
 * The rebuild SLA: a second filter on the same log publishes each result's
 * `seconds.total`; its Maximum above `rebuildSlaMinutes` alarms. Availability:
 * the agent's procstat counts the `logos-core-validated` marker on every node
 * (1 on a core node whose last validation passed, else 0), and the Sum of the
 * deployment-wide series per minute is the number of such nodes; the alarm
 * fires when every minute of `availabilityWindowMinutes` had fewer than
 * `coreNodes`. Each agent reports once a minute at a fixed offset from its
 * start (the agent's collector runs with round_interval = false), so a
 * healthy node lands in every one-minute period exactly once.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as time from "@pulumiverse/time";
import {
  AWS_AGENT_NAMESPACE,
  AWS_DEPLOYMENT_DIMENSION,
  AWS_JOB_METRIC,
  AWS_POOL_DIMENSION,
  awsJobNamespace,
  awsValidationLogGroup,
  VALIDATED_MARKER_COMMAND_LINE,
} from "../../infra/monitoring-bootstrap";
import { tagsFor } from "../../infra/spec";
import type { MonitoringContext, MonitoringParts } from "./types";

/** Evaluation: five one-minute periods, all breaching. */
const PERIOD_SECONDS = 60;
const EVALUATION_PERIODS = 5;
/** How long validation results stay in CloudWatch Logs (the archive keeps the audit logs themselves). */
export const VALIDATION_LOG_RETENTION_DAYS = 90;

/** The modelled wait after the monitoring key is created (as the pool's, components/pool/aws-security.ts). */
export const KEY_PROPAGATION = "60s";

/** The metric filter pattern that counts failed validations. */
export const FAILURE_PATTERN = '{ $.status = "fail" }';
/**
 * Results that carry their duration. A value taken from a JSON field must be
 * matched by the pattern (aws-cdk-lib aws_logs MetricFilterProps.metricValue);
 * a numeric comparison does, for numbers only (FilterPattern.numberValue
 * renders `{ $.latency > 1000 }`).
 */
export const DURATION_PATTERN = "{ $.seconds.total >= 0 }";
/** Each validation's `seconds.total`, in the deployment's job namespace. */
export const AWS_DURATION_METRIC = "ValidationSeconds";
/** What procstat publishes for a `pattern` entry's `pid_count` measurement. */
export const AWS_MARKER_METRIC = "procstat_lookup_pid_count";

export function buildAwsMonitoring(ctx: MonitoringContext): MonitoringParts {
  const { spec, name } = ctx;
  const opts = { parent: ctx.parent };
  const tags = tagsFor(spec, "monitoring");
  const partition = aws.getPartitionOutput({}, opts).partition;
  const account = aws.getCallerIdentityOutput({}, opts).accountId;
  const root = pulumi.interpolate`arn:${partition}:iam::${account}:root`;
  const logGroupName = awsValidationLogGroup(spec.name, ctx.deployment);
  const jobNamespace = awsJobNamespace(ctx.deployment);

  // Its own key: CloudWatch must encrypt to the topic and Logs to the group,
  // and the pool key's policy admits neither service.
  const key = new aws.kms.Key(
    `${name}-key`,
    {
      description: `logos pool ${spec.name}: alert topic and validation log`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [
          { Sid: "AccountAdministers", Effect: "Allow", Principal: { AWS: root }, Action: "kms:*", Resource: "*" },
          {
            Sid: "CloudWatchPublishesAlarms",
            Effect: "Allow",
            Principal: { Service: "cloudwatch.amazonaws.com" },
            Action: ["kms:GenerateDataKey*", "kms:Decrypt"],
            Resource: "*",
          },
          {
            Sid: "LogsEncryptsValidationLog",
            Effect: "Allow",
            Principal: { Service: `logs.${spec.region}.amazonaws.com` },
            Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
            Resource: "*",
            Condition: {
              ArnEquals: {
                "kms:EncryptionContext:aws:logs:arn": pulumi.interpolate`arn:${partition}:logs:${spec.region}:${account}:log-group:${logGroupName}`,
              },
            },
          },
        ],
      }),
      tags,
    },
    opts,
  );

  // A new key may not be visible to other services yet: KMS changes "typically" propagate "in less than a few
  // seconds, but in some cases it can take several minutes", and a key used right after CreateKey can answer
  // NotFoundException (https://docs.aws.amazon.com/kms/latest/developerguide/programming-eventual-consistency.html).
  // CloudWatch Logs refuses a log group whose key it cannot use, so the topic and the group wait for it.
  const keyReady = new time.Sleep(
    `${name}-key-propagation`,
    { createDuration: KEY_PROPAGATION, triggers: { key: key.arn } },
    { ...opts, dependsOn: [key] },
  );
  const afterKey = { ...opts, dependsOn: [keyReady] };
  const topic = new aws.sns.Topic(`${name}-alerts`, { kmsMasterKeyId: key.id, tags }, afterKey);
  if (spec.monitoring.alertEmail) {
    new aws.sns.TopicSubscription(
      `${name}-alerts-email`,
      { topic: topic.arn, protocol: "email", endpoint: spec.monitoring.alertEmail },
      opts,
    );
  }

  const logGroup = new aws.cloudwatch.LogGroup(
    `${name}-validation-log`,
    { name: logGroupName, retentionInDays: VALIDATION_LOG_RETENTION_DAYS, kmsKeyId: key.arn, tags },
    afterKey,
  );
  new aws.cloudwatch.LogMetricFilter(
    `${name}-validation-failures`,
    {
      logGroupName: logGroup.name,
      pattern: FAILURE_PATTERN,
      metricTransformation: { namespace: jobNamespace, name: AWS_JOB_METRIC, value: "1", defaultValue: "0" },
    },
    opts,
  );

  new aws.cloudwatch.LogMetricFilter(
    `${name}-validation-seconds`,
    {
      logGroupName: logGroup.name,
      pattern: DURATION_PATTERN,
      metricTransformation: { namespace: jobNamespace, name: AWS_DURATION_METRIC, value: "$.seconds.total", unit: "Seconds" },
    },
    opts,
  );

  const actions = [topic.arn];
  const poolDimension = { [AWS_POOL_DIMENSION]: spec.name, [AWS_DEPLOYMENT_DIMENSION]: ctx.deployment };
  const agentAlarm = (signal: string, metricName: string, threshold: number, what: string): aws.cloudwatch.MetricAlarm =>
    new aws.cloudwatch.MetricAlarm(
      `${name}-${signal}`,
      {
        alarmDescription: `logos pool ${spec.name}: ${what} above ${threshold}% on some node for ${EVALUATION_PERIODS} minutes`,
        namespace: AWS_AGENT_NAMESPACE,
        metricName,
        dimensions: poolDimension,
        statistic: "Maximum",
        period: PERIOD_SECONDS,
        evaluationPeriods: EVALUATION_PERIODS,
        comparisonOperator: "GreaterThanThreshold",
        threshold,
        // Core nodes always report; silence means every agent is down.
        treatMissingData: "breaching",
        alarmActions: actions,
        okActions: actions,
        tags,
      },
      opts,
    );

  const cpu = agentAlarm("cpu", "cpu_usage_active", spec.monitoring.cpuPercent, "CPU use");
  const memory = agentAlarm("memory", "mem_used_percent", spec.monitoring.memoryPercent, "memory use");
  const disk = agentAlarm("disk", "disk_used_percent", spec.monitoring.diskPercent, "disk use (/ or the state disk)");
  const jobStatus = new aws.cloudwatch.MetricAlarm(
    `${name}-job-status`,
    {
      alarmDescription: `logos pool ${spec.name}: a proof validation failed (see log group ${logGroupName})`,
      namespace: jobNamespace,
      metricName: AWS_JOB_METRIC,
      statistic: "Sum",
      period: 300,
      evaluationPeriods: 1,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      threshold: 1,
      treatMissingData: "notBreaching",
      alarmActions: actions,
      tags,
    },
    opts,
  );

  const m = spec.monitoring;
  const rebuildSla = new aws.cloudwatch.MetricAlarm(
    `${name}-rebuild-sla`,
    {
      alarmDescription: `logos pool ${spec.name}: a proof validation took longer than the ${m.rebuildSlaSeconds / 60}-minute rebuild SLA (seconds.total in log group ${logGroupName})`,
      namespace: jobNamespace,
      metricName: AWS_DURATION_METRIC,
      statistic: "Maximum",
      period: 300,
      evaluationPeriods: 1,
      comparisonOperator: "GreaterThanThreshold",
      threshold: m.rebuildSlaSeconds,
      treatMissingData: "notBreaching",
      alarmActions: actions,
      tags,
    },
    opts,
  );

  // Without validation no node ever counts: the alarm would only ever fire.
  const availability = spec.validation.enabled
    ? [
        new aws.cloudwatch.MetricAlarm(
          `${name}-availability`,
          {
            alarmDescription: `logos pool ${spec.name}: fewer than ${spec.nodes.core} core nodes with a passing validation for ${m.availabilityWindowMinutes} minutes (procstat "${VALIDATED_MARKER_COMMAND_LINE}")`,
            namespace: AWS_AGENT_NAMESPACE,
            metricName: AWS_MARKER_METRIC,
            dimensions: poolDimension,
            statistic: "Sum",
            period: PERIOD_SECONDS,
            evaluationPeriods: m.availabilityWindowMinutes,
            datapointsToAlarm: m.availabilityWindowMinutes,
            comparisonOperator: "LessThanThreshold",
            threshold: spec.nodes.core,
            // No node reporting at all is no node validated.
            treatMissingData: "breaching",
            alarmActions: actions,
            okActions: actions,
            tags,
          },
          { ...opts, dependsOn: [...ctx.availabilityAfter] },
        ),
      ]
    : [];

  return {
    alerts: { cpu: [cpu], memory: [memory], disk: [disk], jobStatus: [jobStatus], rebuildSla: [rebuildSla], availability },
    notificationTarget: topic.arn,
    nodeSinks: [logGroup],
  };
}
