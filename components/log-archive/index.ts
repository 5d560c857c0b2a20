/**
 * LogArchive: the write-only, locked store every node ships its audit log to
 * after a validation. Same contract on every cloud: encrypted under the
 * pool's customer-managed key, versioned, retention-locked, never public, and
 * the node identity may add objects below `<pool>/` and do nothing else.
 */
import * as pulumi from "@pulumi/pulumi";
import { RandomId } from "@pulumi/random/randomId";
import type { Cloud } from "../../infra/clouds";
import type { PoolSpec } from "../../infra/spec";
import type { BootstrapExtras, PoolParts } from "../pool/types";
import { buildAwsArchive } from "./aws";
import { buildAzureArchive } from "./azure";
import { buildGcpArchive } from "./gcp";
import { archiveBootstrap, archiveCommandFor, archiveNames, archiveTarget, type ArchiveNames } from "./names";
import type { ArchiveContext, ArchiveParts, AzureKeyVaultRef } from "./types";

export { archiveBootstrap, archiveCommandFor, ARCHIVE_TARGET_PATH, ARCHIVE_UPLOADER_PATH, type ArchiveCommandOptions } from "./names";
export type { AzureKeyVaultRef } from "./types";

export interface LogArchiveArgs {
  /** The validated, cloud-neutral spec (archive settings: `spec.archive`). */
  readonly spec: PoolSpec;
  /** The pool's customer-managed key (`VmPool.encryptionKeyId`); IAM grants name it. */
  readonly encryptionKeyId: pulumi.Input<string>;
  /**
   * The same key by a reference known at preview (`VmPool.encryptionKeyRef`),
   * so the policy pack can prove the archive's encryption in a first preview.
   * @default encryptionKeyId
   */
  readonly encryptionKeyRef?: pulumi.Input<string>;
  /**
   * The resources behind the key (`VmPool.encryptionKeyResources`): grants on
   * the key and encryption settings that name it by `encryptionKeyRef` wait
   * for them. @default none
   */
  readonly encryptionKeyResources?: readonly pulumi.Resource[];
  /** The identity nodes run as (`VmPool.nodeIdentity`): granted add-only access. */
  readonly nodeIdentity: PoolParts["nodeIdentity"];
  /**
   * Azure: the pool's Key Vault and key by name.
   * @default parsed from `encryptionKeyId` (the key's ARM id; public-cloud vault URI)
   */
  readonly azureKeyVault?: AzureKeyVaultRef;
  /**
   * Azure: client id of the node identity, passed to the uploader.
   * @default none: IMDS answers for the VM's only user-assigned identity
   */
  readonly azureNodeClientId?: string;
  /**
   * Physical bucket / storage account name (the program passes the names it
   * also wrote into the nodes' bootstrap).
   * @default derived from org, project, stack, cloud, region and a `RandomId` of this component (see `archiveNames`)
   */
  readonly names?: pulumi.Input<ArchiveNames>;
}

/** Picks the builder; a fourth cloud fails to compile until it is handled here. */
function builderFor(cloud: Cloud): (ctx: ArchiveContext) => ArchiveParts {
  switch (cloud) {
    case "aws":
      return buildAwsArchive;
    case "gcp":
      return buildGcpArchive;
    case "azure":
      return buildAzureArchive;
    default: {
      const unreachable: never = cloud;
      throw new Error(`no log archive for cloud ${String(unreachable)}`);
    }
  }
}

/**
 * The Pulumi organization, or the name self-managed backends use. The SDK's
 * mock monitor (tests, the offline plan) sets none and throws when asked.
 */
function organizationOrDefault(): string {
  try {
    return pulumi.getOrganization();
  } catch {
    return "organization";
  }
}

/** Bytes of the archive's per-deployment entropy; changing it would replace the `RandomId` and rename the archive. */
const ENTROPY_BYTES = 8;

/**
 * The deployment's own entropy for global names, kept in the stack's state:
 * stable across updates, new after a destroy (the kept archive's name is
 * then never claimed again), unknown in a first preview.
 */
export function archiveEntropy(name: string, opts?: pulumi.CustomResourceOptions): pulumi.Output<string> {
  return new RandomId(name, { byteLength: ENTROPY_BYTES }, opts).hex;
}

/**
 * The archive's physical names for this deployment (org, project, stack,
 * cloud, region and `entropy`, see {@link archiveEntropy}).
 */
export function deploymentArchiveNames(spec: PoolSpec, entropy: pulumi.Input<string>): pulumi.Output<ArchiveNames> {
  const seed = {
    organization: organizationOrDefault(),
    project: pulumi.getProject(),
    stack: pulumi.getStack(),
    cloud: spec.cloud,
    region: spec.region,
    ...(spec.gcpProject !== undefined ? { gcpProject: spec.gcpProject } : {}),
  };
  return pulumi.output(entropy).apply((hex) => archiveNames(spec.name, { ...seed, entropy: hex }));
}

export class LogArchive extends pulumi.ComponentResource {
  /** Bucket name, or `account/container` on Azure: the uploader's `--target`. */
  readonly target: pulumi.Output<string>;
  /** Where this pool's logs live: `s3://<bucket>/<pool>/`, `gs://...`, or the blob URL. */
  readonly url: pulumi.Output<string>;
  /** The `--archive-command` for the validation (core nodes and the burst boot unit alike); reads the target on the node. */
  readonly archiveCommand: string;
  /** Cloud-init content for every node: the uploader and the target file. Add to coreBootstrap and burstBootstrap. */
  readonly bootstrap: BootstrapExtras;

  constructor(name: string, args: LogArchiveArgs, opts?: pulumi.ComponentResourceOptions) {
    super("logos:compute:LogArchive", name, {}, opts);
    const { spec } = args;
    const names =
      args.names !== undefined
        ? pulumi.output(args.names)
        : deploymentArchiveNames(spec, archiveEntropy(`${name}-entropy`, { parent: this }));

    const parts = builderFor(spec.cloud)({
      parent: this,
      name,
      spec,
      names,
      encryptionKeyId: args.encryptionKeyId,
      encryptionKeyRef: args.encryptionKeyRef ?? args.encryptionKeyId,
      keyResources: args.encryptionKeyResources ?? [],
      nodeIdentity: args.nodeIdentity,
      ...(args.azureKeyVault ? { azureKeyVault: args.azureKeyVault } : {}),
    });

    this.target = names.apply((n) => archiveTarget(spec.cloud, n));
    this.url = parts.url;
    this.archiveCommand = archiveCommandFor({
      cloud: spec.cloud,
      pool: spec.name,
      ...(spec.cloud === "aws" ? { region: spec.region } : {}),
      ...(spec.cloud === "azure" && args.azureNodeClientId ? { clientId: args.azureNodeClientId } : {}),
    });
    this.bootstrap = archiveBootstrap(this.target);

    this.registerOutputs({ target: this.target, url: this.url, archiveCommand: this.archiveCommand });
  }
}
