/**
 * The Azure pool's keys and identities: a Key Vault key with rotation behind
 * a disk encryption set (the CMK every disk uses), and the one user-assigned
 * identity all nodes run as.
 */
import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as compute from "@pulumi/azure-native/compute";
import * as keyvault from "@pulumi/azure-native/keyvault";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import { tagsFor } from "../../infra/spec";
import { AZURE_ROLES, dropApiVersionAliases, keyVaultName, roleDefinitionId } from "./azure-names";
import type { AdapterContext } from "./types";

/** Key rotation: a new version every 90 days; each version expires after a year, with a notice 30 days before. */
export const KEY_ROTATION = { rotateAfter: "P90D", expiresAfter: "P1Y", notifyBefore: "P30D" } as const;

export interface AzureSecurity {
  readonly vault: keyvault.Vault;
  readonly key: keyvault.Key;
  readonly diskEncryptionSet: compute.DiskEncryptionSet;
  /** Disks may only be created once the encryption set can use the key. */
  readonly keyAccess: authorization.RoleAssignment;
  readonly nodeIdentity: managedidentity.UserAssignedIdentity;
}

export function buildAzureSecurity(
  ctx: AdapterContext,
  resourceGroup: { readonly name: pulumi.Input<string>; readonly id: pulumi.Input<string> },
): AzureSecurity {
  const { spec, name } = ctx;
  const location = spec.region;
  const opts = { parent: ctx.parent, transformations: [dropApiVersionAliases] };
  const client = authorization.getClientConfigOutput({ parent: ctx.parent });

  // Kept as its own Output so the key refers to the name we chose, known in plans too.
  const vaultName = pulumi
    .all([client.subscriptionId, resourceGroup.name])
    .apply(([sub, rg]) => keyVaultName(spec.name, `${sub}/${rg ?? ""}`));
  const vault = new keyvault.Vault(
    `${name}-kv`,
    {
      resourceGroupName: resourceGroup.name,
      location,
      vaultName,
      properties: {
        tenantId: client.tenantId,
        sku: { family: "A", name: "standard" },
        // Access by Azure RBAC only: the encryption set gets one narrow role, nobody gets access policies.
        enableRbacAuthorization: true,
        enableSoftDelete: true,
        softDeleteRetentionInDays: 90,
        // Managed disks refuse a CMK from a vault without purge protection.
        enablePurgeProtection: true,
      },
      tags: tagsFor(spec, "key"),
    },
    opts,
  );

  const key = new keyvault.Key(
    `${name}-disk-key`,
    {
      resourceGroupName: resourceGroup.name,
      vaultName,
      properties: {
        kty: "RSA",
        keySize: 3072,
        keyOps: ["wrapKey", "unwrapKey"],
        rotationPolicy: {
          attributes: { expiryTime: KEY_ROTATION.expiresAfter },
          lifetimeActions: [
            { trigger: { timeAfterCreate: KEY_ROTATION.rotateAfter }, action: { type: "rotate" } },
            { trigger: { timeBeforeExpiry: KEY_ROTATION.notifyBefore }, action: { type: "notify" } },
          ],
        },
      },
      tags: tagsFor(spec, "key"),
    },
    { ...opts, dependsOn: [vault] },
  );

  const diskEncryptionSet = new compute.DiskEncryptionSet(
    `${name}-des`,
    {
      resourceGroupName: resourceGroup.name,
      location,
      encryptionType: "EncryptionAtRestWithCustomerKey",
      identity: { type: "SystemAssigned" },
      // The API requires a versioned URL; with rotation-to-latest on, Azure
      // moves the set to each new key version itself.
      activeKey: { keyUrl: key.keyUriWithVersion, sourceVault: { id: vault.id } },
      rotationToLatestKeyVersionEnabled: true,
      tags: tagsFor(spec, "key"),
    },
    // Azure advances activeKey on rotation; writing the creation-time version back would undo it.
    { ...opts, ignoreChanges: ["activeKey.keyUrl"] },
  );

  const keyAccess = new authorization.RoleAssignment(
    `${name}-des-key-access`,
    {
      principalId: diskEncryptionSet.identity.apply((i) => i?.principalId ?? ""),
      principalType: "ServicePrincipal",
      roleDefinitionId: client.subscriptionId.apply((sub) => roleDefinitionId(sub, AZURE_ROLES.keyVaultCryptoServiceEncryptionUser)),
      scope: vault.id,
    },
    opts,
  );

  const nodeIdentity = new managedidentity.UserAssignedIdentity(
    `${name}-node-identity`,
    { resourceGroupName: resourceGroup.name, location, tags: tagsFor(spec, "identity") },
    opts,
  );
  // Metrics and (through data collection rules) logs: the monitoring agent's
  // whole need. The archive grant is added by the program, write-only.
  new authorization.RoleAssignment(
    `${name}-node-metrics`,
    {
      principalId: nodeIdentity.principalId,
      principalType: "ServicePrincipal",
      roleDefinitionId: client.subscriptionId.apply((sub) => roleDefinitionId(sub, AZURE_ROLES.monitoringMetricsPublisher)),
      scope: resourceGroup.id,
    },
    opts,
  );

  return { vault, key, diskEncryptionSet, keyAccess, nodeIdentity };
}
