import type * as pulumi from "@pulumi/pulumi";
import type { BootFile } from "../../infra/bootstrap";
import type { NodeSlot } from "../../infra/layout";
import type { SchedulerDemand, SchedulerScaleIn, SchedulerTarget } from "../../infra/scheduler/schema";
import type { PoolSpec } from "../../infra/spec";

/** A value whose leaves (or whole subtrees) may be Outputs, as stack outputs allow. */
export type DeepInput<T> =
  pulumi.Input<T> | (T extends readonly (infer E)[] ? DeepInput<E>[] : T extends object ? { [K in keyof T]: DeepInput<T[K]> } : never);

/** A tag (GCP: label) as key and value. */
export interface PoolTag {
  readonly key: string;
  readonly value: string;
}

/** A bootstrap file whose content only the engine knows (a name with per-deployment entropy). */
export interface ComputedBootFile extends Omit<BootFile, "content"> {
  readonly content: pulumi.Input<string>;
}

/** Extra bootstrap content the program adds per role (validation unit, agents). */
export interface BootstrapExtras {
  readonly files?: readonly BootFile[];
  /** Written after `files`, once the engine knows their content. @default none */
  readonly computedFiles?: readonly ComputedBootFile[];
  readonly packages?: readonly string[];
  readonly commands?: readonly (readonly string[])[];
}

/** What every adapter receives. */
export interface AdapterContext {
  /** The VmPool: parent of every child. */
  readonly parent: pulumi.ComponentResource;
  /** The pool's resource name; children are `${name}-<role>`. */
  readonly name: string;
  readonly spec: PoolSpec;
  /** Public half of the deploy key the validation logs in with (OpenSSH line). */
  readonly deployPublicKey: pulumi.Output<string>;
  /** Extra bootstrap for fixed nodes and for burst (and standby) nodes. */
  readonly coreBootstrap: BootstrapExtras;
  /**
   * What nodes report to (monitoring sinks their agents write into), built
   * by a component the program creates after the pool, hence a promise. Nodes
   * and what they boot from wait for it. @default nothing
   */
  readonly reportsTo?: Promise<readonly pulumi.Resource[]>;
  readonly burstBootstrap: BootstrapExtras;
}

export interface PoolNode {
  readonly slot: NodeSlot;
  readonly machineType: string;
  readonly vcpus: number;
  readonly memoryGiB: number;
  /** Cloud id of the VM. */
  readonly instanceId: pulumi.Output<string>;
  /** Cloud id of the persistent state disk. */
  readonly stateDiskId: pulumi.Output<string>;
  /** The VM resource, for dependsOn. */
  readonly instance: pulumi.Resource;
  /**
   * What a validation on this node must wait for besides the VM: the state
   * disk's attachment, the rules that let the bastion reach the node, and the
   * NAT and routes the node's first boot installs through.
   */
  readonly readyForValidation: readonly pulumi.Resource[];
}

export interface PoolBurst {
  /** Cloud id of the autoscaling group (ASG name / MIG self link / scale set id). */
  readonly groupId: pulumi.Output<string>;
  readonly groupName: pulumi.Output<string>;
  readonly min: number;
  readonly max: number;
  /** Serving members carry this tag (GCP: label); the scheduler discovers them by it. */
  readonly discoveryTag: PoolTag;
  /** A member sets this on itself once its validation passed on this boot; the value is the pinned commit. */
  readonly validatedTag: PoolTag;
  /** The native warm / standby pool holding `spec.nodes.standby` pre-initialised nodes, when asked for. */
  readonly standby?: {
    readonly kind: string;
    readonly id: pulumi.Output<string>;
    readonly size: number;
    /** The role tag the standby carries while it waits, so discovery never counts it. */
    readonly tag: PoolTag;
    /** What the cloud reports for the standby while it waits, in its own terms. */
    readonly state: string;
  };
  /** The scheduler contract's cloud-specific parts (see infra/scheduler/schema.ts). */
  readonly contract: {
    /** What the cloud must also report for a member that serves. */
    readonly inService: string;
    readonly scaleIn: SchedulerScaleIn;
    readonly target: DeepInput<SchedulerTarget>;
    readonly demand: DeepInput<SchedulerDemand>;
  };
}

/** What every adapter returns: the same observable pool on every cloud. */
export interface PoolParts {
  readonly networkId: pulumi.Output<string>;
  readonly bastion: {
    readonly publicIp: pulumi.Output<string>;
    readonly privateIp: string;
    readonly instanceId: pulumi.Output<string>;
    /** What an SSH hop through the bastion needs: the VM, its public address and the rule admitting the deployer. */
    readonly readyForValidation: readonly pulumi.Resource[];
  };
  readonly nodes: readonly PoolNode[];
  readonly burst?: PoolBurst;
  /** The customer-managed key (ARN / Cloud KMS key id / Key Vault key id). */
  readonly encryptionKeyId: pulumi.Output<string>;
  /**
   * A reference to the same key that is already known at preview (built from
   * names, not from ids the cloud assigns): AWS alias ARN, GCP crypto key id,
   * Azure Key Vault key id. Encryption settings use it so the policy pack can
   * prove them in a first `pulumi preview` instead of failing closed.
   */
  readonly encryptionKeyRef: pulumi.Output<string>;
  /**
   * The resources behind the key (Azure: vault and key), for grants and
   * encryption settings that name the key by `encryptionKeyRef` and so carry
   * no dependency on it. @default none
   */
  readonly encryptionKeyResources?: readonly pulumi.Resource[];
  /** Azure only: the vault holding the key, for services that name vault and key separately. */
  readonly azureKeyVault?: {
    readonly vaultId: pulumi.Output<string>;
    readonly vaultUri: pulumi.Output<string>;
    readonly keyName: pulumi.Output<string>;
  };
  /**
   * The identity nodes run as, for grants (write-only archive access, metrics):
   * AWS IAM role name, GCP service account email, Azure user-assigned identity principal id.
   */
  readonly nodeIdentity: {
    readonly kind: "aws-iam-role" | "gcp-service-account" | "azure-user-assigned-identity";
    readonly id: pulumi.Output<string>;
    readonly principal: pulumi.Output<string>;
    /** Azure only: client id of the user-assigned identity (IMDS token requests name it). */
    readonly clientId?: pulumi.Output<string>;
  };
}

export type PoolAdapter = (ctx: AdapterContext) => PoolParts;
