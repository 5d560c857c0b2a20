import type * as pulumi from "@pulumi/pulumi";
import type { PoolSpec } from "../../infra/spec";
import type { PoolParts } from "../pool/types";
import type { ArchiveNames } from "./names";

/** The pool's Key Vault key, named explicitly (Azure). */
export interface AzureKeyVaultRef {
  /** ARM id of the vault: the scope of the archive's key grant. */
  readonly vaultId: pulumi.Input<string>;
  /** e.g. https://kvlogos0a1b2c3d.vault.azure.net/ */
  readonly vaultUri: pulumi.Input<string>;
  readonly keyName: pulumi.Input<string>;
}

/** What every archive builder receives. */
export interface ArchiveContext {
  /** The LogArchive: parent of every child. */
  readonly parent: pulumi.ComponentResource;
  readonly name: string;
  readonly spec: PoolSpec;
  /** Physical names; they carry the deployment's entropy, so the engine knows them only at deploy time. */
  readonly names: pulumi.Output<ArchiveNames>;
  readonly encryptionKeyId: pulumi.Input<string>;
  /** The same key by a reference known at preview; encryption settings use it. */
  readonly encryptionKeyRef: pulumi.Input<string>;
  /** What the key's users wait for (the reference above carries no dependency). */
  readonly keyResources: readonly pulumi.Resource[];
  readonly nodeIdentity: PoolParts["nodeIdentity"];
  readonly azureKeyVault?: AzureKeyVaultRef;
}

/** What every archive builder returns. */
export interface ArchiveParts {
  /** Where the pool's audit logs live: s3://, gs:// or the blob container URL, ending in `<pool>/`. */
  readonly url: pulumi.Output<string>;
  /** The bucket or storage account resource (for dependsOn). */
  readonly store: pulumi.Resource;
}
