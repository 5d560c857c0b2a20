/**
 * Monitoring: alerts on the signals every pool has — CPU, memory, disk, the
 * validation's job status, validations slower than the rebuild SLA and too
 * few validated core nodes — with thresholds from the spec
 * (`alertCpuPercent` 90, `alertMemoryPercent` 90, `alertDiskPercent` 85,
 * `rebuildSlaMinutes` 15, `availabilityWindowMinutes` 30 by default) and one
 * notification target (email when `alertEmail` is set).
 * The agents themselves come from `monitoringBootstrap` (cloud-init); on
 * Azure, built-in DeployIfNotExists policies assigned here install the agent
 * and the collection-rule association on every Linux VM of the pool that
 * runs as the node identity (core nodes and burst members, not the bastion). Alerts are pool-wide wherever the cloud allows, so the number of
 * monitoring resources does not grow with the pool.
 */
import * as pulumi from "@pulumi/pulumi";
import type { Cloud } from "../../infra/clouds";
import { deploymentId } from "../../infra/deployment";
import { monitoringBootstrap } from "../../infra/monitoring-bootstrap";
import type { PoolSpec } from "../../infra/spec";
import type { BootstrapExtras, PoolParts } from "../pool/types";
import { buildAwsMonitoring } from "./aws";
import { buildAzureMonitoring } from "./azure";
import { buildGcpMonitoring } from "./gcp";
import type { MonitoredBurst, MonitoredNode, MonitoringContext, MonitoringParts, Signal } from "./types";

export { availabilityBootstrap, monitoringBootstrap } from "../../infra/monitoring-bootstrap";
export type { MonitoredBurst, MonitoredNode, Signal } from "./types";

export interface MonitoringArgs {
  /** The validated spec; thresholds and email come from `spec.monitoring`. */
  readonly spec: PoolSpec;
  /** Core nodes (`VmPool.nodes` → `{ name: n.slot.name, instanceId: n.instanceId }`). Azure installs the agent on each. */
  readonly nodes: readonly MonitoredNode[];
  /** The burst group (`VmPool.burst`). @default no burst group */
  readonly burst?: MonitoredBurst;
  /** The identity nodes run as (`VmPool.nodeIdentity`); Azure's agent authenticates as it. */
  readonly nodeIdentity: PoolParts["nodeIdentity"];
  /**
   * What tells this deployment's metrics, logs and alerts from another
   * stack's in the same account / project / subscription.
   * @default `deploymentId` of the current Pulumi project and stack
   */
  readonly deployment?: string;
  /**
   * Cloud id of the bastion (`VmPool.bastionInstanceId`). Azure keeps the
   * agent policies off it: it runs without the node identity the agent
   * authenticates as. @default none
   */
  readonly bastionInstanceId?: pulumi.Input<string>;
  /**
   * Resources the availability alert is created (and changed) after: the
   * core nodes' validations, so a first `pulumi up` or a larger `coreNodes`
   * does not page while the nodes are still being validated.
   * @default none
   */
  readonly availabilityAfter?: readonly pulumi.Resource[];
}

function builderFor(cloud: Cloud): (ctx: MonitoringContext) => MonitoringParts {
  switch (cloud) {
    case "aws":
      return buildAwsMonitoring;
    case "gcp":
      return buildGcpMonitoring;
    case "azure":
      return buildAzureMonitoring;
    default: {
      const unreachable: never = cloud;
      throw new Error(`no monitoring for cloud ${String(unreachable)}`);
    }
  }
}

export class Monitoring extends pulumi.ComponentResource {
  /** The alert resources per signal. */
  readonly alerts: Readonly<Record<Signal, readonly pulumi.Resource[]>>;
  /** SNS topic ARN / comma-separated notification channel ids / action group id. */
  readonly notificationTarget: pulumi.Output<string>;
  /**
   * What nodes write into and must exist before they boot (pass to
   * `VmPool`'s `reportsTo`, with the archive): AWS's validation log group,
   * which the agent cannot create (the node role has no
   * `logs:CreateLogGroup`) and waits for. Nothing on GCP (Cloud
   * Logging needs no log created) and Azure (the agent sends only once the
   * collection rule is associated).
   */
  readonly nodeSinks: readonly pulumi.Resource[];
  /** Cloud-init for core and burst nodes: the agent and the result log. Same as `monitoringBootstrap(spec, deployment)`. */
  readonly bootstrap: BootstrapExtras;

  constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("logos:compute:Monitoring", name, {}, opts);
    const deployment = args.deployment ?? deploymentId({ project: pulumi.getProject(), stack: pulumi.getStack() });
    const parts = builderFor(args.spec.cloud)({
      parent: this,
      name,
      spec: args.spec,
      nodes: args.nodes,
      ...(args.burst ? { burst: args.burst } : {}),
      nodeIdentity: args.nodeIdentity,
      deployment,
      ...(args.bastionInstanceId !== undefined ? { bastionInstanceId: args.bastionInstanceId } : {}),
      availabilityAfter: args.availabilityAfter ?? [],
    });
    this.alerts = parts.alerts;
    this.notificationTarget = parts.notificationTarget;
    this.nodeSinks = parts.nodeSinks;
    this.bootstrap = monitoringBootstrap(args.spec, deployment);
    this.registerOutputs({ notificationTarget: this.notificationTarget });
  }
}
