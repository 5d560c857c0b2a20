/**
 * Pure helpers for the Azure adapter: image references, names Azure
 * constrains, built-in role ids and the bastion's cloud-init. No Pulumi
 * imports, so they are unit-tested on their own.
 */
import { createHash } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";

/** Built-in role definition GUIDs (the same in every tenant). */
export const AZURE_ROLES = {
  /** Read key metadata and wrap/unwrap: all a disk encryption set needs on an RBAC vault. */
  keyVaultCryptoServiceEncryptionUser: "e147488a-f6f5-4113-8e2d-b22465e65bf6",
  /** Publish metrics and, through data collection rules, logs: all the monitoring agent needs. */
  monitoringMetricsPublisher: "3913510d-42f4-4e42-8a64-420c390055eb",
  /** What the built-in "Add a tag to resources" policy names for its Modify remediation. */
  contributor: "b24988ac-6180-42a0-ab88-20f7382dd24c",
} as const;

/** The subscription-scoped id ARM wants for a built-in role. */
export function roleDefinitionId(subscriptionId: string, roleGuid: string): string {
  return `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${roleGuid}`;
}

export interface AzureImage {
  readonly publisher: string;
  readonly offer: string;
  readonly sku: string;
  readonly version: string;
}

/** Splits a marketplace URN `publisher:offer:sku:version`; throws naming the expected shape. */
export function parseAzureImage(urn: string): AzureImage {
  const parts = urn.split(":");
  if (parts.length !== 4 || parts.some((p) => p.trim() === "")) {
    throw new Error(
      `image (${JSON.stringify(urn)}) must be an Azure marketplace URN publisher:offer:sku:version, e.g. Canonical:ubuntu-24_04-lts:server:latest`,
    );
  }
  const [publisher, offer, sku, version] = parts.map((p) => p.trim());
  return { publisher, offer, sku, version };
}

/**
 * A Key Vault name: globally unique, 3-24 of [a-z0-9-], starting with a
 * letter, no "--". Derived from the pool name and a seed (subscription +
 * resource group, so per stack) and therefore the same on every run: the
 * key's id and the vault's URI are known at preview.
 */
export function keyVaultName(poolName: string, seed: string): string {
  const stem = poolName
    .toLowerCase()
    .replace(/[^a-z0-9]/g, "")
    .slice(0, 12);
  const digest = createHash("sha256").update(seed).digest("hex").slice(0, 8);
  return `kv${stem}${digest}`;
}

/** Resource group names: up to 90 of [A-Za-z0-9_.()-], not ending in a period. */
const RESOURCE_GROUP_MAX = 90;

export interface AzureResourceGroupNames {
  /** Network, VMs, scale set, identities: deleted with the stack. */
  readonly pool: string;
  /** The Key Vault and key: kept on destroy. */
  readonly keys: string;
  /** The state disks and the disk encryption set they need: kept on destroy. */
  readonly state: string;
  /** Workspace, collection rule, alerts: named so two stacks' monitoring never share a group. */
  readonly monitoring: string;
}

/**
 * The pool's resource groups, named from pool and stack so every id inside
 * them (disk encryption set, vault, key, state disks) can be written down
 * before the cloud answers. Deleting a group deletes everything in it, so
 * what holds history lives in groups that are retained on destroy: `keys`
 * (the audit archive may still need the key after the pool is gone) and
 * `state` (each core node's audit history, and the encryption set without
 * which those disks cannot be read; Azure refuses to delete a set that disks
 * still use).
 */
export function azureResourceGroupNames(poolName: string, stack: string): AzureResourceGroupNames {
  const name = (suffix: string): string => {
    const stem = `${poolName}-${stack}`.toLowerCase().replace(/[^a-z0-9_.()-]/g, "-");
    return `${stem.slice(0, RESOURCE_GROUP_MAX - suffix.length)}${suffix}`;
  };
  return { pool: name("-rg"), keys: name("-keys-rg"), state: name("-state-rg"), monitoring: name("-monitoring-rg") };
}

/**
 * The standby pool's name. Named explicitly: the API allows only
 * `^[a-zA-Z0-9-]{3,24}$` (Microsoft.StandbyPool/standbyVirtualMachinePools
 * 2024-03-01, https://github.com/Azure/bicep-types-az/blob/main/generated/standbypool/microsoft.standbypool/2024-03-01/types.md),
 * and an auto-name (resource name plus 8 random characters) exceeds it for
 * any pool name longer than 8 characters. One standby pool per pool group,
 * so the pool name alone makes it unique.
 */
export function standbyPoolName(poolName: string): string {
  return `${poolName
    .replace(/[^a-zA-Z0-9-]/g, "")
    .slice(0, 16)
    .replace(/-+$/, "")}-standby`;
}

/** Azure RBAC: a custom role's display name has at most 128 characters. */
export const ROLE_NAME_MAX = 128;

/**
 * The display name of one of the pool's custom roles. Role names are unique
 * in the whole Entra directory, not per subscription ("This display name must
 * be unique at the scope of the Azure AD directory ... Maximum number of
 * characters is 128", Azure docs, role-based-access-control/custom-roles.md):
 * the deployment id keeps a project's stacks apart, and a digest of the
 * subscription keeps the same stack of two subscriptions in one tenant apart.
 */
export function customRoleName(poolName: string, deployment: string, subscriptionId: string, purpose: string): string {
  const subscription = createHash("sha256").update(subscriptionId.toLowerCase()).digest("hex").slice(0, 8);
  const name = `logos ${poolName} ${deployment} ${subscription} ${purpose}`;
  if (name.length > ROLE_NAME_MAX) throw new Error(`custom role name ${JSON.stringify(name)} exceeds Azure's ${ROLE_NAME_MAX} characters`);
  return name;
}

/** The ARM id of a resource Azure would otherwise only report after creating it. */
export function armId(subscriptionId: string, resourceGroup: string, provider: string, ...path: readonly string[]): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/${provider}/${path.join("/")}`;
}

/** A vault's data-plane URI in Azure's public cloud. */
export function keyVaultUri(vaultName: string): string {
  return `https://${vaultName}.vault.azure.net/`;
}

/**
 * Prefix for burst VM computer names, to which Azure appends a unique suffix.
 * Kept within 15 characters so the name also fits NetBIOS-length limits some
 * tooling still assumes.
 */
export function burstComputerNamePrefix(poolName: string): string {
  const stem = poolName
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, "")
    .slice(0, 8)
    .replace(/-+$/, "");
  return `${stem || "logos"}-burst`;
}

/** The path Azure writes an `osProfile` SSH key to. */
export function authorizedKeysPath(user: string): string {
  return `/home/${user}/.ssh/authorized_keys`;
}

/**
 * Stable device path of data disk LUN `lun` on Azure's SCSI controller; the
 * Ubuntu images' udev rules create it, so it never depends on probe order.
 */
export function azureDataDiskPath(lun: number): string {
  return `/dev/disk/azure/scsi1/lun${lun}`;
}

/** Azure wants custom data base64-encoded. */
export function toCustomData(cloudInit: string): string {
  return Buffer.from(cloudInit, "utf8").toString("base64");
}

/** The type-token shape of azure-native's per-API-version aliases: `azure-native:network/v20230201:NetworkInterface`. */
const API_VERSION_ALIAS = /^azure-native:[a-z0-9]+\/v\d[a-z0-9]*:/i;

/**
 * Drops the aliases azure-native adds for every past API version of a type
 * (about 60 on a NIC). They only matter to stacks created with the provider's
 * versioned modules, which this project never used, and resolving them costs
 * the SDK several Outputs each: without them a 1000-node plan takes a tenth of
 * the time and memory. Every other alias (ours) is kept.
 */
export const dropApiVersionAliases: pulumi.ResourceTransformation = (args) => {
  const aliases = args.opts.aliases;
  if (!aliases || aliases.length === 0) return undefined;
  const kept = aliases.filter((a) => {
    if (typeof a !== "object" || a === null || !("type" in a)) return true;
    const type = (a as { type?: unknown }).type;
    return !(typeof type === "string" && API_VERSION_ALIAS.test(type));
  });
  return { props: args.props, opts: { ...args.opts, aliases: kept } };
};
