import type * as pulumi from "@pulumi/pulumi";
import type { PoolSpec } from "../../infra/spec";
import type { PoolParts } from "../pool/types";

/** A core node to watch: its name and cloud id (EC2 instance id / GCE self link or id / Azure VM ARM id). */
export interface MonitoredNode {
  readonly name: string;
  readonly instanceId: pulumi.Input<string>;
  /** The VM resource, for what must only wait for it (no input taken from it). @default none */
  readonly instance?: pulumi.Resource;
}

/** The burst group (`VmPool.burst`): ASG name / MIG / scale set ARM id. */
export interface MonitoredBurst {
  readonly groupId: pulumi.Input<string>;
  readonly groupName: pulumi.Input<string>;
}

export interface MonitoringContext {
  readonly parent: pulumi.ComponentResource;
  readonly name: string;
  readonly spec: PoolSpec;
  readonly nodes: readonly MonitoredNode[];
  readonly burst?: MonitoredBurst;
  readonly nodeIdentity: PoolParts["nodeIdentity"];
  /** The deployment id (`deploymentId`): what tells this stack's alerts from another's in the account. */
  readonly deployment: string;
  /** The bastion's cloud id, where a cloud must treat it apart. */
  readonly bastionInstanceId?: pulumi.Input<string>;
  /** What the availability alert waits for (the core nodes' validations). */
  readonly availabilityAfter: readonly pulumi.Resource[];
}

/**
 * The signals, by the same names on every cloud: CPU, memory, disk, failed
 * validations, validations slower than the rebuild SLA, and too few core
 * nodes with a passing validation.
 */
export type Signal = "cpu" | "memory" | "disk" | "jobStatus" | "rebuildSla" | "availability";

export interface MonitoringParts {
  /** The alert resources for each signal (none for `availability` when validation is off). */
  readonly alerts: Readonly<Record<Signal, readonly pulumi.Resource[]>>;
  /** Where alerts go: SNS topic ARN / notification channel ids / action group id. */
  readonly notificationTarget: pulumi.Output<string>;
  /** What the nodes' agents write into and must exist before a node boots (AWS: the validation log group). */
  readonly nodeSinks: readonly pulumi.Resource[];
}
