import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import type { Cloud } from "../../infra/clouds";
import type { PoolSpec } from "../../infra/spec";
import { buildAwsPool } from "./aws";
import { buildAzurePool } from "./azure";
import { buildGcpPool } from "./gcp";
import type { BootstrapExtras, PoolAdapter, PoolBurst, PoolNode, PoolParts } from "./types";

export type { BootstrapExtras, PoolBurst, PoolNode, PoolParts } from "./types";

export interface VmPoolArgs {
  /** The validated, cloud-neutral spec (from `parseSpec`). */
  readonly spec: PoolSpec;
  /** Extra bootstrap for core nodes. @default none */
  readonly coreBootstrap?: BootstrapExtras;
  /** Extra bootstrap for burst and standby nodes (e.g. the boot-time validation unit). @default none */
  readonly burstBootstrap?: BootstrapExtras;
  /**
   * What the nodes' agents write into, resolved once the component that
   * builds it exists (`Monitoring.nodeSinks`): nodes boot only after it.
   * A promise because that component is built after the pool. @default nothing
   */
  readonly reportsTo?: Promise<readonly pulumi.Resource[]>;
}

/** Picks the adapter; a fourth cloud fails to compile until it is handled here. */
export function adapterFor(cloud: Cloud): PoolAdapter {
  switch (cloud) {
    case "aws":
      return buildAwsPool;
    case "gcp":
      return buildGcpPool;
    case "azure":
      return buildAzurePool;
    default: {
      const unreachable: never = cloud;
      throw new Error(`no pool adapter for cloud ${String(unreachable)}`);
    }
  }
}

/**
 * A private, tagged VM pool built from one cloud-neutral spec: network with
 * NAT egress, a bastion (the only public address), core nodes with persistent
 * encrypted state disks, burst capacity with a warm standby, all disks under
 * a customer-managed key. Same observable pool on AWS, GCP and Azure.
 */
export class VmPool extends pulumi.ComponentResource {
  readonly spec: PoolSpec;
  readonly nodes: readonly PoolNode[];
  readonly burst: PoolBurst | undefined;
  readonly bastionPublicIp: pulumi.Output<string>;
  readonly bastionPrivateIp: string;
  /** What an SSH hop through the bastion waits for (see PoolParts.bastion.readyForValidation). */
  readonly bastionReady: readonly pulumi.Resource[];
  readonly encryptionKeyId: pulumi.Output<string>;
  /** The key by a reference known at preview; see {@link PoolParts.encryptionKeyRef}. */
  readonly encryptionKeyRef: pulumi.Output<string>;
  /** What a user of `encryptionKeyRef` waits for; see {@link PoolParts.encryptionKeyResources}. */
  readonly encryptionKeyResources: readonly pulumi.Resource[];
  /** Cloud id of the bastion VM. */
  readonly bastionInstanceId: pulumi.Output<string>;
  readonly azureKeyVault: PoolParts["azureKeyVault"];
  readonly nodeIdentity: PoolParts["nodeIdentity"];
  readonly networkId: pulumi.Output<string>;
  /** Private half of the deploy key the validation logs in with; a secret. */
  readonly deployPrivateKey: pulumi.Output<string>;
  readonly deployPublicKey: pulumi.Output<string>;

  constructor(name: string, args: VmPoolArgs, opts?: pulumi.ComponentResourceOptions) {
    super("logos:compute:VmPool", name, {}, opts);
    const { spec } = args;
    this.spec = spec;

    // A key only the program holds, so validation never needs the operator's key.
    const deployKey = new tls.PrivateKey(`${name}-deploy-key`, { algorithm: "ED25519" }, { parent: this });
    this.deployPrivateKey = pulumi.secret(deployKey.privateKeyOpenssh);
    this.deployPublicKey = deployKey.publicKeyOpenssh;

    const parts = adapterFor(spec.cloud)({
      parent: this,
      name,
      spec,
      deployPublicKey: deployKey.publicKeyOpenssh,
      coreBootstrap: args.coreBootstrap ?? {},
      burstBootstrap: args.burstBootstrap ?? {},
      ...(args.reportsTo ? { reportsTo: args.reportsTo } : {}),
    });

    this.nodes = parts.nodes;
    this.burst = parts.burst;
    this.bastionPublicIp = parts.bastion.publicIp;
    this.bastionPrivateIp = parts.bastion.privateIp;
    this.bastionReady = parts.bastion.readyForValidation;
    this.encryptionKeyId = parts.encryptionKeyId;
    this.encryptionKeyRef = parts.encryptionKeyRef;
    this.encryptionKeyResources = parts.encryptionKeyResources ?? [];
    this.bastionInstanceId = parts.bastion.instanceId;
    this.azureKeyVault = parts.azureKeyVault;
    this.nodeIdentity = parts.nodeIdentity;
    this.networkId = parts.networkId;

    this.registerOutputs({
      bastionPublicIp: this.bastionPublicIp,
      encryptionKeyId: this.encryptionKeyId,
      networkId: this.networkId,
      nodes: this.nodes.map((n) => ({ name: n.slot.name, privateIp: n.slot.privateIp, instanceId: n.instanceId })),
      burstGroup: this.burst?.groupName,
    });
  }
}
