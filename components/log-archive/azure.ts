/**
 * The Azure archive: a storage account under the pool's Key Vault key (HTTPS
 * only, TLS 1.2, no public blobs, no shared keys), blob versioning, and one
 * container with a time-based immutability policy that allows protected
 * append writes. Nodes get a custom role that can only create blobs in it.
 */
import * as authorization from "@pulumi/azure-native/authorization";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import * as resources from "@pulumi/azure-native/resources";
import * as storage from "@pulumi/azure-native/storage";
import * as pulumi from "@pulumi/pulumi";
import { tagsFor } from "../../infra/spec";
import { AZURE_ROLES, roleDefinitionId } from "../pool/azure-names";
import { rbacPropagation } from "../pool/azure-propagation";
import { parseKeyVaultKeyId } from "./names";
import type { ArchiveContext, ArchiveParts, AzureKeyVaultRef } from "./types";

/** Create a blob and add blocks to it; no read, list, delete, tag or policy change. */
export const NODE_BLOB_DATA_ACTIONS = [
  "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write",
  "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/add/action",
] as const;

/** Soft delete keeps a deleted blob this many days (Azure allows 1-365). */
export function softDeleteDays(retentionDays: number): number {
  return Math.min(Math.max(retentionDays, 1), 365);
}

export function buildAzureArchive(ctx: ArchiveContext): ArchiveParts {
  const { spec, name, names } = ctx;
  const opts = { parent: ctx.parent };
  const tags = tagsFor(spec, "archive");
  const client = authorization.getClientConfigOutput(opts);
  const vault: AzureKeyVaultRef =
    ctx.azureKeyVault ??
    (() => {
      const parts = pulumi.output(ctx.encryptionKeyId).apply(parseKeyVaultKeyId);
      return { vaultId: parts.vaultId, vaultUri: parts.vaultUri, keyName: parts.keyName };
    })();

  // Its own group, so deleting the pool's group never takes the archive with it.
  // Named, not auto-named: the account's encryption block must be known at
  // preview for the policy pack, and it names this identity by ARM id.
  const groupName = `${name}-${pulumi.getStack()}-rg`;
  const identityName = `${name}-key-identity`;
  const group = new resources.ResourceGroup(
    `${name}-rg`,
    { resourceGroupName: groupName, location: spec.region, tags },
    { ...opts, retainOnDelete: true },
  );

  // The account reads the key as this identity; it must hold the grant before the account exists.
  const keyIdentity = new managedidentity.UserAssignedIdentity(
    `${name}-key-identity`,
    { resourceName: identityName, resourceGroupName: group.name, location: spec.region, tags },
    { ...opts, retainOnDelete: true },
  );
  const keyIdentityId = pulumi.interpolate`/subscriptions/${client.subscriptionId}/resourceGroups/${groupName}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${identityName}`;
  const keyAccess = new authorization.RoleAssignment(
    `${name}-key-access`,
    {
      principalId: keyIdentity.principalId,
      principalType: "ServicePrincipal",
      roleDefinitionId: client.subscriptionId.apply((sub) => roleDefinitionId(sub, AZURE_ROLES.keyVaultCryptoServiceEncryptionUser)),
      // Named by a built id, so it waits for the vault and key explicitly.
      scope: vault.vaultId,
    },
    // Kept with the archive: without it the kept account cannot unwrap its key.
    { ...opts, dependsOn: [...ctx.keyResources], retainOnDelete: true },
  );
  // The account checks its key when created; the grant must have taken effect.
  const keyAccessPropagated = rbacPropagation(`${name}-key-access-propagation`, [keyAccess], opts);

  const account = new storage.StorageAccount(
    `${name}-account`,
    {
      accountName: names.storageAccount,
      resourceGroupName: group.name,
      location: spec.region,
      kind: "StorageV2",
      // The pool's region has availability zones (its nodes use them), so ZRS is available there.
      sku: { name: "Standard_ZRS" },
      accessTier: "Hot",
      enableHttpsTrafficOnly: true,
      minimumTlsVersion: "TLS1_2",
      allowBlobPublicAccess: false,
      // Entra ID only: no account keys, no SAS signed with them.
      allowSharedKeyAccess: false,
      defaultToOAuthAuthentication: true,
      allowCrossTenantReplication: false,
      // Nodes reach it over the internet through the pool's NAT, authenticated
      // by their managed identity; a private endpoint would need a DNS zone in
      // the pool's network, which the pool does not expose.
      publicNetworkAccess: "Enabled",
      identity: { type: "UserAssigned", userAssignedIdentities: [keyIdentityId] },
      encryption: {
        keySource: "Microsoft.Keyvault",
        // No key version: the account follows the key's rotation by itself.
        keyVaultProperties: { keyName: vault.keyName, keyVaultUri: vault.vaultUri },
        encryptionIdentity: { encryptionUserAssignedIdentity: keyIdentityId },
        services: { blob: { enabled: true, keyType: "Account" }, file: { enabled: true, keyType: "Account" } },
      },
      tags,
    },
    // The archive outlives the pool: `pulumi destroy` leaves it in place.
    { ...opts, dependsOn: [keyAccessPropagated, keyIdentity, ...ctx.keyResources], retainOnDelete: true },
  );

  // The names are ours (plain strings); deriving them from the ids keeps the dependency.
  const accountName = pulumi.all([account.id, names.storageAccount]).apply(([, n]) => n);

  const blobService = new storage.BlobServiceProperties(
    `${name}-blob-service`,
    {
      accountName,
      resourceGroupName: group.name,
      blobServicesName: "default",
      isVersioningEnabled: true,
      deleteRetentionPolicy: { enabled: true, days: softDeleteDays(spec.archive.retentionDays) },
      containerDeleteRetentionPolicy: { enabled: true, days: softDeleteDays(spec.archive.retentionDays) },
    },
    // Versioning and soft delete protect the kept archive: kept on destroy.
    { ...opts, retainOnDelete: true },
  );

  const container = new storage.BlobContainer(
    `${name}-container`,
    { accountName, resourceGroupName: group.name, containerName: names.container, publicAccess: "None" },
    { ...opts, dependsOn: [blobService], retainOnDelete: true },
  );
  const containerName = pulumi.all([container.id, names.container]).apply(([, n]) => n);

  new storage.BlobContainerImmutabilityPolicy(
    `${name}-immutability`,
    {
      accountName,
      resourceGroupName: group.name,
      containerName,
      immutabilityPolicyName: "default",
      immutabilityPeriodSinceCreationInDays: spec.archive.retentionDays,
      // New blobs and appends are allowed; nothing written can change or go.
      allowProtectedAppendWrites: true,
    },
    {
      ...opts,
      retainOnDelete: true,
      // A locked policy takes no update ("Creates or updates an unlocked
      // immutability policy", Blob Containers REST API,
      // CreateOrUpdateImmutabilityPolicy; a locked one is only extended by the
      // extend action), so once locking is asked for, a later retention change
      // is left to `az storage container immutability-policy extend` instead
      // of failing the up.
      ...(spec.archive.lockRetention ? { ignoreChanges: ["immutabilityPeriodSinceCreationInDays", "allowProtectedAppendWrites"] } : {}),
    },
  );
  if (spec.archive.lockRetention) {
    // ARM has no declarative lock: locking is an action on the policy.
    names.apply(
      (n) =>
        void pulumi.log.warn(
          `archiveLockRetention: Azure immutability policies are locked by an action, not a setting; after the first deploy run ` +
            `az storage container immutability-policy lock --account-name ${n.storageAccount} --container-name ${n.container} ` +
            `--resource-group ${groupName} --if-match <etag> (irreversible). From then on the program leaves the policy alone: ` +
            `raise archiveRetentionDays with az storage container immutability-policy extend (a locked policy only grows)`,
          ctx.parent,
        ),
    );
  }

  const containerScope = pulumi.interpolate`${account.id}/blobServices/default/containers/${containerName}`;
  // Defined on the archive's group (custom roles are assignable down to
  // resources, not sub-resources), assigned on the container alone.
  const role = new authorization.RoleDefinition(
    `${name}-node-writer-role`,
    {
      scope: group.id,
      roleName: pulumi.interpolate`logos ${spec.name} ${names.storageAccount} audit writer`,
      description: pulumi.interpolate`Create blobs in ${names.storageAccount}/${names.container}; nothing else`,
      roleType: "CustomRole",
      permissions: [{ actions: [], notActions: [], dataActions: [...NODE_BLOB_DATA_ACTIONS], notDataActions: [] }],
      assignableScopes: [group.id],
    },
    opts,
  );
  // A grant of a new custom role fails until the definition has replicated (see azure-propagation).
  const roleLive = rbacPropagation(`${name}-node-writer-role-propagation`, [role], opts);
  const nodeWrite = new authorization.RoleAssignment(
    `${name}-node-write`,
    {
      principalId: ctx.nodeIdentity.principal,
      principalType: "ServicePrincipal",
      roleDefinitionId: pulumi.interpolate`/subscriptions/${client.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${role.name}`,
      scope: containerScope,
    },
    { ...opts, dependsOn: [roleLive] },
  );
  // A validation uploads right after it passes: it waits for this (a child of
  // the archive, which every validation depends on).
  rbacPropagation(`${name}-node-write-propagation`, [nodeWrite], opts);

  return { url: pulumi.interpolate`https://${accountName}.blob.core.windows.net/${containerName}/${spec.name}/`, store: account };
}
