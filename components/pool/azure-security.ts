/**
 * The Azure pool's keys and identities: a Key Vault key with rotation behind
 * a disk encryption set (the CMK every disk uses), and the one user-assigned
 * identity all nodes run as. The vault and key sit in a group of their own
 * that outlives the pool.
 */
import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as compute from "@pulumi/azure-native/compute";
import * as keyvault from "@pulumi/azure-native/keyvault";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import * as resources from "@pulumi/azure-native/resources";
import { tagsFor } from "../../infra/spec";
import {
  armId,
  AZURE_ROLES,
  dropApiVersionAliases,
  keyVaultName,
  keyVaultUri,
  roleDefinitionId,
  type AzureResourceGroupNames,
} from "./azure-names";
import { rbacPropagation } from "./azure-propagation";
import type { AdapterContext } from "./types";

/** Key rotation: a new version every 90 days; each version expires after a year, with a notice 30 days before. */
export const KEY_ROTATION = { rotateAfter: "P90D", expiresAfter: "P1Y", notifyBefore: "P30D" } as const;

export interface AzureSecurity {
  readonly vault: keyvault.Vault;
  readonly key: keyvault.Key;
  readonly diskEncryptionSet: compute.DiskEncryptionSet;
  /** Disks may only be created once the encryption set can use the key. */
  readonly keyAccess: authorization.RoleAssignment;
  /** Ends when `keyAccess` has taken effect. */
  readonly keyAccessPropagated: pulumi.Resource;
  /** The group holding the encryption set and the state disks; kept on destroy. */
  readonly stateGroupName: pulumi.Output<string>;
  /**
   * The encryption set's ARM id built from names, known at preview so the
   * policy pack can prove every disk's CMK. It carries no dependency: whatever
   * names it must also wait for `ready`.
   */
  readonly diskEncryptionSetRef: pulumi.Output<string>;
  /** The encryption set, its key grant and the grant's propagation: what every encrypted disk waits for. */
  readonly ready: readonly pulumi.Resource[];
  /** The vault and the key: what names them by a built id must wait for. */
  readonly keyResources: readonly pulumi.Resource[];
  /** The key and its vault by ids built from names (known at preview). */
  readonly keyRef: pulumi.Output<string>;
  readonly vaultRef: {
    readonly vaultId: pulumi.Output<string>;
    readonly vaultUri: pulumi.Output<string>;
    readonly keyName: pulumi.Output<string>;
  };
  readonly nodeIdentity: managedidentity.UserAssignedIdentity;
  /** The node identity's Monitoring Metrics Publisher grant on the pool's group (custom metrics included). */
  readonly nodeMetrics: authorization.RoleAssignment;
}

/**
 * `poolGroup` is the pool's resource group; `groupNames` are the plain names
 * of it and of the key and state groups this creates (see `azureResourceGroupNames`);
 * `client` is the deploying identity (subscription and tenant).
 *
 * Destroy and re-create: the key group, vault and key, the state group, the
 * encryption set, its grant and the state disks are retained, so the same
 * stack finds them again under the same names and azure-native refuses to
 * create them ("cannot create already existing resource", the provider's
 * existence check in pulumi/pulumi-azure-native
 * provider/pkg/provider/crud/crud.go). Adopt them with `pulumi import`
 * (with `--parent` the pool), which keeps the archive on the same key and
 * every node on its own history. Had the vault been deleted by hand, purge
 * protection keeps its name reserved for the 90-day retention: recover it
 * (`az keyvault recover`) and import it; it cannot be purged early. A new
 * stack name always gets fresh names.
 */
export function buildAzureSecurity(
  ctx: AdapterContext,
  poolGroup: { readonly name: pulumi.Input<string>; readonly id: pulumi.Input<string> },
  groupNames: AzureResourceGroupNames,
  client: pulumi.Output<authorization.GetClientConfigResult>,
): AzureSecurity {
  const { spec, name } = ctx;
  const location = spec.region;
  const opts = { parent: ctx.parent, transformations: [dropApiVersionAliases] };
  const keyName = `${spec.name}-disk`;
  const diskEncryptionSetName = `${spec.name}-des`;

  // Its own group, kept on destroy: deleting the pool's group would take the
  // vault with it, and a (soft-)deleted vault's key decrypts nothing.
  const keyGroup = new resources.ResourceGroup(
    `${name}-keys-rg`,
    { resourceGroupName: groupNames.keys, location, tags: tagsFor(spec, "key") },
    { ...opts, retainOnDelete: true },
  );
  const keyGroupName = keyGroup.id.apply(() => groupNames.keys);

  // Plain names from an invoke (answered in preview), so the key id, vault
  // URI and everything built from them are known in plans too.
  const vaultName = client.subscriptionId.apply((sub) => keyVaultName(spec.name, `${sub}/${groupNames.keys}`));
  const vaultId = pulumi
    .all([client.subscriptionId, vaultName])
    .apply(([sub, vault]) => armId(sub, groupNames.keys, "Microsoft.KeyVault", "vaults", vault));
  const vault = new keyvault.Vault(
    `${name}-kv`,
    {
      resourceGroupName: keyGroupName,
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
    { ...opts, retainOnDelete: true },
  );

  const key = new keyvault.Key(
    `${name}-disk-key`,
    {
      resourceGroupName: keyGroupName,
      vaultName,
      keyName,
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
    // The audit archive may be encrypted with this key long after the pool is gone.
    { ...opts, dependsOn: [vault], retainOnDelete: true },
  );

  // The state disks and the encryption set they are written with outlive the
  // pool: retained on destroy with their group (see azureResourceGroupNames).
  const stateGroup = new resources.ResourceGroup(
    `${name}-state-rg`,
    { resourceGroupName: groupNames.state, location, tags: tagsFor(spec, "state") },
    { ...opts, retainOnDelete: true },
  );
  const stateGroupName = stateGroup.id.apply(() => groupNames.state);

  const diskEncryptionSet = new compute.DiskEncryptionSet(
    `${name}-des`,
    {
      resourceGroupName: stateGroupName,
      diskEncryptionSetName,
      location,
      encryptionType: "EncryptionAtRestWithCustomerKey",
      identity: { type: "SystemAssigned" },
      // The API requires a versioned URL; with rotation-to-latest on, Azure
      // moves the set to each new key version itself.
      activeKey: { keyUrl: key.keyUriWithVersion, sourceVault: { id: vault.id } },
      rotationToLatestKeyVersionEnabled: true,
      tags: tagsFor(spec, "key"),
    },
    // Azure advances activeKey on rotation; writing the creation-time version
    // back would undo it. Kept on destroy: the retained state disks need it.
    { ...opts, ignoreChanges: ["activeKey.keyUrl"], retainOnDelete: true },
  );

  const keyAccess = new authorization.RoleAssignment(
    `${name}-des-key-access`,
    {
      principalId: diskEncryptionSet.identity.apply((i) => i?.principalId ?? ""),
      principalType: "ServicePrincipal",
      roleDefinitionId: client.subscriptionId.apply((sub) => roleDefinitionId(sub, AZURE_ROLES.keyVaultCryptoServiceEncryptionUser)),
      scope: vault.id,
    },
    // Kept on destroy with the set: without it the retained state disks cannot be read.
    { ...opts, dependsOn: [key], retainOnDelete: true },
  );
  // Azure checks the grant when the first disk is written with the set, which
  // fails until the grant has propagated ("run it again" is no deploy story).
  const keyAccessPropagated = rbacPropagation(`${name}-des-key-propagation`, [keyAccess], opts);

  const nodeIdentity = new managedidentity.UserAssignedIdentity(
    `${name}-node-identity`,
    { resourceGroupName: poolGroup.name, location, tags: tagsFor(spec, "identity") },
    opts,
  );
  // Metrics and (through data collection rules) logs: the monitoring agent's
  // whole need. The archive grant is added by the program, write-only.
  const nodeMetrics = new authorization.RoleAssignment(
    `${name}-node-metrics`,
    {
      principalId: nodeIdentity.principalId,
      principalType: "ServicePrincipal",
      roleDefinitionId: client.subscriptionId.apply((sub) => roleDefinitionId(sub, AZURE_ROLES.monitoringMetricsPublisher)),
      scope: poolGroup.id,
    },
    opts,
  );

  return {
    vault,
    key,
    diskEncryptionSet,
    keyAccess,
    keyAccessPropagated,
    stateGroupName,
    diskEncryptionSetRef: client.subscriptionId.apply((sub) =>
      armId(sub, groupNames.state, "Microsoft.Compute", "diskEncryptionSets", diskEncryptionSetName),
    ),
    ready: [diskEncryptionSet, keyAccess, keyAccessPropagated],
    keyResources: [vault, key],
    keyRef: vaultId.apply((id) => `${id}/keys/${keyName}`),
    vaultRef: { vaultId, vaultUri: vaultName.apply(keyVaultUri), keyName: pulumi.output(keyName) },
    nodeIdentity,
    nodeMetrics,
  };
}
