/**
 * Azure monitoring: the Azure Monitor Agent (installed by Azure Policy on
 * every Linux VM of the pool's resource group that runs as the node
 * identity, core and burst alike; see ./azure-policy.ts) with a data
 * collection rule that sends performance counters and the validation result
 * log to a Log Analytics workspace; metric alerts (platform metrics, no
 * agent) for CPU and memory over every VM in the pool's resource group, the
 * bastion included (one alert each, at any pool size), and log alerts for
 * disk use, failed validations, validations slower than the rebuild SLA and
 * too few validated core nodes. The Azure Monitor Agent reports no
 * processes, so core nodes append a heartbeat line every minute
 * (AVAILABILITY_LOG_PATH) that the same text-log stream carries into the
 * validation table; the query counts the nodes whose heartbeat says they
 * hold a passing validation. Queries use only the columns the table and the
 * stream declare (VALIDATION_COLUMNS). The workspace, the rule and the
 * policies belong to this stack's pool alone, so no other stack's nodes are
 * counted.
 */
import * as monitor from "@pulumi/azure-native/monitor";
import * as operationalinsights from "@pulumi/azure-native/operationalinsights";
import * as resources from "@pulumi/azure-native/resources";
import * as pulumi from "@pulumi/pulumi";
import { AVAILABILITY_LOG_PATH, AZURE_VALIDATION_TABLE, monitoredDiskPaths, VALIDATION_LOG_PATH } from "../../infra/monitoring-bootstrap";
import { tagsFor, type PoolSpec } from "../../infra/spec";
import { azureResourceGroupNames } from "../pool/azure-names";
import { assignMonitoringPolicies } from "./azure-policy";
import type { MonitoringContext, MonitoringParts } from "./types";

/** How long the workspace keeps counters and validation results, days. */
export const WORKSPACE_RETENTION_DAYS = 90;
const STREAM = `Custom-${AZURE_VALIDATION_TABLE}`;
/**
 * The text-log stream's columns as the Azure Monitor Agent fills them:
 * TimeGenerated, RawData, and, when the stream and table declare them, the
 * source Computer and FilePath
 * (https://learn.microsoft.com/azure/azure-monitor/agents/data-collection-log-text).
 * The failed-validation alert groups by Computer, so the table must have it.
 */
export const VALIDATION_COLUMNS = [
  { name: "TimeGenerated", type: "datetime" },
  { name: "RawData", type: "string" },
  { name: "Computer", type: "string" },
  { name: "FilePath", type: "string" },
] as const;
const PERF_COUNTERS = ["Processor(*)\\% Processor Time", "Memory(*)\\% Used Memory", "Logical Disk(*)\\% Used Space"];

export interface ArmId {
  readonly subscriptionId: string;
  readonly resourceGroupName: string;
  readonly name: string;
}

/** Subscription, resource group and name of a VM / scale set ARM id. */
export function parseArmId(id: string): ArmId {
  const m = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/[^/]+\/[^/]+\/([^/]+)$/i.exec(id);
  if (!m)
    throw new Error(
      `expected an ARM resource id /subscriptions/<sub>/resourceGroups/<rg>/providers/<ns>/<type>/<name>, got ${JSON.stringify(id)}`,
    );
  return { subscriptionId: m[1], resourceGroupName: m[2], name: m[3] };
}

/** Max used space per computer and mount, for the disks the pool cares about. */
export function diskQuery(spec: Pick<PoolSpec, "stateDir">): string {
  const paths = monitoredDiskPaths(spec.stateDir)
    .map((p) => JSON.stringify(p))
    .join(", ");
  return [
    "Perf",
    `| where ObjectName == "Logical Disk" and CounterName == "% Used Space" and InstanceName in (${paths})`,
    "| summarize UsedPercent = max(CounterValue) by Computer, InstanceName",
  ].join("\n");
}

/** Failed validations per computer, from the result log. */
export function failureQuery(): string {
  return [
    AZURE_VALIDATION_TABLE,
    "| extend result = parse_json(RawData)",
    '| where tostring(result.status) == "fail"',
    "| summarize Failures = count() by Computer",
  ].join("\n");
}

/** The longest validation per computer; heartbeat lines carry no `seconds`. */
export function slowRebuildQuery(): string {
  return [
    AZURE_VALIDATION_TABLE,
    "| extend result = parse_json(RawData)",
    "| where isnotnull(result.seconds.total)",
    "| summarize Seconds = max(todouble(result.seconds.total)) by Computer",
  ].join("\n");
}

/** Bins of the availability query: five heartbeats per node each, so one late line never drops a node. */
const AVAILABILITY_BIN = "5m";

/**
 * The most core nodes that held a passing validation in any 5-minute bin of
 * the window; below `coreNodes` means fewer for the whole window. Distinct
 * computers are counted exactly (a summarize by computer, then a count). A
 * window without any heartbeat yields 0: a summarize without group keys over
 * no rows still returns one row, whose `max` is null
 * (https://learn.microsoft.com/kusto/query/summarize-operator).
 */
export function validatedNodesQuery(windowMinutes: number): string {
  return [
    AZURE_VALIDATION_TABLE,
    `| where TimeGenerated > ago(${windowMinutes}m)`,
    "| extend beat = parse_json(RawData)",
    '| where tostring(beat.kind) == "heartbeat" and toint(beat.validated) == 1',
    `| summarize by Computer, Bin = bin(TimeGenerated, ${AVAILABILITY_BIN})`,
    "| summarize Nodes = count() by Bin",
    "| summarize ValidatedNodes = max(Nodes)",
    "| extend ValidatedNodes = coalesce(ValidatedNodes, tolong(0))",
  ].join("\n");
}

/**
 * The query ranges a log alert accepts (terraform-provider-azurerm
 * monitor_scheduled_query_rules_alert_v2_resource.go, query_time_range_override).
 */
const QUERY_RANGES: readonly (readonly [minutes: number, iso: string])[] = [
  [5, "PT5M"],
  [10, "PT10M"],
  [15, "PT15M"],
  [20, "PT20M"],
  [30, "PT30M"],
  [45, "PT45M"],
  [60, "PT1H"],
  [120, "PT2H"],
  [180, "PT3H"],
  [240, "PT4H"],
  [300, "PT5H"],
  [360, "PT6H"],
  [1440, "P1D"],
  [2880, "P2D"],
];

/** The shortest query range Azure accepts that covers `minutes`; the query trims it to the window itself. */
export function queryRangeCovering(minutes: number): string {
  const found = QUERY_RANGES.find(([m]) => m >= minutes);
  if (!found) throw new Error(`an Azure log alert reads at most 2 days (P2D), asked for ${minutes} minutes`);
  return found[1];
}

export function buildAzureMonitoring(ctx: MonitoringContext): MonitoringParts {
  const { spec, name } = ctx;
  const opts = { parent: ctx.parent };
  const tags = tagsFor(spec, "monitoring");
  const location = spec.region;
  const m = spec.monitoring;

  const group = new resources.ResourceGroup(
    `${name}-rg`,
    { resourceGroupName: azureResourceGroupNames(spec.name, pulumi.getStack()).monitoring, location, tags },
    opts,
  );
  const workspace = new operationalinsights.Workspace(
    `${name}-workspace`,
    { resourceGroupName: group.name, location, sku: { name: "PerGB2018" }, retentionInDays: WORKSPACE_RETENTION_DAYS, tags },
    opts,
  );
  const table = new operationalinsights.Table(
    `${name}-validation-table`,
    {
      resourceGroupName: group.name,
      workspaceName: workspace.name,
      tableName: AZURE_VALIDATION_TABLE,
      retentionInDays: WORKSPACE_RETENTION_DAYS,
      schema: { name: AZURE_VALIDATION_TABLE, columns: VALIDATION_COLUMNS.map((c) => ({ ...c })) },
    },
    opts,
  );

  const rule = new monitor.DataCollectionRule(
    `${name}-dcr`,
    {
      resourceGroupName: group.name,
      location,
      kind: "Linux",
      description: `logos pool ${spec.name}: CPU, memory and disk counters and validation results`,
      streamDeclarations: {
        [STREAM]: { columns: VALIDATION_COLUMNS.map((c) => ({ ...c })) },
      },
      dataSources: {
        performanceCounters: [
          { name: "logosPerf", streams: ["Microsoft-Perf"], samplingFrequencyInSeconds: 60, counterSpecifiers: PERF_COUNTERS },
        ],
        // Results and (core nodes) availability heartbeats, told apart by FilePath and their fields.
        logFiles: [
          { name: "logosValidation", streams: [STREAM], filePatterns: [VALIDATION_LOG_PATH, AVAILABILITY_LOG_PATH], format: "text" },
        ],
      },
      destinations: { logAnalytics: [{ name: "workspace", workspaceResourceId: workspace.id }] },
      dataFlows: [
        { streams: ["Microsoft-Perf"], destinations: ["workspace"] },
        { streams: [STREAM], destinations: ["workspace"], transformKql: "source", outputStream: STREAM },
      ],
      tags,
    },
    { ...opts, dependsOn: [table] },
  );

  // The agent and the rule's association come from Azure Policy at the pool's
  // resource group: a constant number of resources at any pool size, and no
  // per-VM resource for the pool's VMs to wait on.
  if (ctx.nodes.length === 0) throw new Error("Monitoring on azure needs at least one core node (its resource group scopes the alerts)");
  // The pool's group, read from the node identity's id (it lives there and
  // outlives every VM): no input of these policies, grants and remediations
  // comes from a VM. A core VM is replaced delete-first, and Pulumi deletes
  // first every resource whose force-new input (a policy assignment's or
  // grant's scope, a remediation's group) came from it, so deriving the group
  // from a node's id re-created the whole monitoring policy set with every
  // node replacement. The remediations still run after the VMs (dependsOn).
  const poolGroup = pulumi.output(ctx.nodeIdentity.id).apply(parseArmId);
  const poolGroupId = poolGroup.apply((arm) => `/subscriptions/${arm.subscriptionId}/resourceGroups/${arm.resourceGroupName}`);
  assignMonitoringPolicies({
    name,
    poolName: spec.name,
    location,
    scope: poolGroupId,
    subscriptionId: poolGroup.subscriptionId,
    resourceGroupName: poolGroup.resourceGroupName,
    agentIdentityId: ctx.nodeIdentity.id,
    dataCollectionRuleId: rule.id,
    ...(ctx.bastionInstanceId !== undefined ? { excluded: [ctx.bastionInstanceId] } : {}),
    remediateAfter: ctx.nodes.flatMap((n) => (n.instance ? [n.instance] : [])),
    opts,
  });

  const actionGroup = new monitor.ActionGroup(
    `${name}-actions`,
    {
      resourceGroupName: group.name,
      location: "global",
      enabled: true,
      groupShortName: `logos${spec.name.replace(/[^a-z0-9]/g, "")}`.slice(0, 12),
      emailReceivers: m.alertEmail ? [{ name: "operators", emailAddress: m.alertEmail, useCommonAlertSchema: true }] : [],
      tags,
    },
    opts,
  );

  // Platform metrics of every VM in the pool's resource group: core,
  // flexible-scale-set members and the bastion (no agent needed).
  const vmAlert = (signal: string, metricName: string, operator: string, threshold: number, description: string) =>
    new monitor.MetricAlert(
      `${name}-${signal}`,
      {
        resourceGroupName: group.name,
        location: "global",
        description,
        enabled: true,
        severity: 2,
        scopes: [poolGroupId],
        targetResourceType: "Microsoft.Compute/virtualMachines",
        targetResourceRegion: location,
        evaluationFrequency: "PT1M",
        windowSize: "PT5M",
        criteria: {
          odataType: "Microsoft.Azure.Monitor.MultipleResourceMultipleMetricCriteria",
          allOf: [
            {
              criterionType: "StaticThresholdCriterion",
              name: signal,
              metricNamespace: "Microsoft.Compute/virtualMachines",
              metricName,
              operator,
              threshold,
              timeAggregation: "Average",
            },
          ],
        },
        autoMitigate: true,
        actions: [{ actionGroupId: actionGroup.id }],
        tags,
      },
      opts,
    );
  const cpu = vmAlert("cpu", "Percentage CPU", "GreaterThan", m.cpuPercent, `A VM of pool ${spec.name} above ${m.cpuPercent}% CPU`);
  const memory = vmAlert(
    "memory",
    "Available Memory Percentage",
    "LessThan",
    100 - m.memoryPercent,
    `A VM of pool ${spec.name} above ${m.memoryPercent}% memory use (below ${100 - m.memoryPercent}% available)`,
  );

  // An event-like alert (a failed or slow validation) adds each occurrence up
  // and stays until closed; a state-like one takes the worst value and resolves itself.
  const logAlert = (
    signal: string,
    query: string,
    column: string,
    operator: string,
    threshold: number,
    description: string,
    event = false,
  ) =>
    new monitor.ScheduledQueryRule(
      `${name}-${signal}`,
      {
        resourceGroupName: group.name,
        location,
        description,
        displayName: `logos ${spec.name}: ${signal}`,
        enabled: true,
        severity: 2,
        scopes: [workspace.id],
        evaluationFrequency: "PT5M",
        windowSize: "PT5M",
        criteria: {
          allOf: [
            {
              query,
              timeAggregation: signal === "job-status" ? "Total" : "Maximum",
              metricMeasureColumn: column,
              operator,
              threshold,
              dimensions: [{ name: "Computer", operator: "Include", values: ["*"] }],
              failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 },
            },
          ],
        },
        autoMitigate: !event,
        actions: { actionGroups: [actionGroup.id] },
        tags,
      },
      { ...opts, dependsOn: [table] },
    );
  const disk = logAlert(
    "disk",
    diskQuery(spec),
    "UsedPercent",
    "GreaterThan",
    m.diskPercent,
    `A disk of a VM of pool ${spec.name} above ${m.diskPercent}% used`,
  );
  const jobStatus = logAlert(
    "job-status",
    failureQuery(),
    "Failures",
    "GreaterThanOrEqual",
    1,
    `A proof validation in pool ${spec.name} failed`,
    true,
  );
  const rebuildSla = logAlert(
    "rebuild-sla",
    slowRebuildQuery(),
    "Seconds",
    "GreaterThan",
    m.rebuildSlaSeconds,
    `A proof validation in pool ${spec.name} took longer than the ${m.rebuildSlaSeconds / 60}-minute rebuild SLA`,
    true,
  );

  // Without validation no node ever counts: the alert would only ever fire.
  const availability = spec.validation.enabled
    ? [
        new monitor.ScheduledQueryRule(
          `${name}-availability`,
          {
            resourceGroupName: group.name,
            location,
            description: `Fewer than ${spec.nodes.core} core nodes of pool ${spec.name} with a passing validation for ${m.availabilityWindowMinutes} minutes`,
            displayName: `logos ${spec.name}: availability`,
            enabled: true,
            severity: 1,
            scopes: [workspace.id],
            evaluationFrequency: "PT5M",
            windowSize: "PT5M",
            // The query looks back over the whole window itself; the rule must hand it that much.
            overrideQueryTimeRange: queryRangeCovering(m.availabilityWindowMinutes),
            criteria: {
              allOf: [
                {
                  query: validatedNodesQuery(m.availabilityWindowMinutes),
                  timeAggregation: "Maximum",
                  metricMeasureColumn: "ValidatedNodes",
                  operator: "LessThan",
                  threshold: spec.nodes.core,
                  failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 },
                },
              ],
            },
            autoMitigate: true,
            actions: { actionGroups: [actionGroup.id] },
            tags,
          },
          { ...opts, dependsOn: [table, ...ctx.availabilityAfter] },
        ),
      ]
    : [];

  return {
    alerts: { cpu: [cpu], memory: [memory], disk: [disk], jobStatus: [jobStatus], rebuildSla: [rebuildSla], availability },
    notificationTarget: actionGroup.id,
    nodeSinks: [],
  };
}
