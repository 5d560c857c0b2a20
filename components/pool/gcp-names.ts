/**
 * Pure naming for the GCP adapter's key material. No Pulumi imports, so the
 * rules are unit-tested on their own.
 */
import { createHash } from "node:crypto";

/** Cloud KMS key ring and crypto key ids: 1-63 of [A-Za-z0-9_-]. */
const KMS_ID = /^[A-Za-z0-9_-]{1,63}$/;
const KMS_ID_MAX = 63;
const HASH_LENGTH = 8;

export interface GcpKeyNames {
  readonly ring: string;
  readonly key: string;
}

/** Where a stack's key lives; two stacks differ in at least one field. */
export interface GcpKeyScope {
  /** The Pulumi project. */
  readonly pulumiProject: string;
  readonly stack: string;
  /** The Google Cloud project. */
  readonly project: string;
  readonly poolName: string;
}

/**
 * Explicit key ring and crypto key names, so the key id is known at preview.
 *
 * The ring is `<pool>-<stack>-<hash>`: readable, and the hash of Pulumi
 * project, stack, GCP project and pool keeps two Pulumi projects that use
 * the same stack name in one GCP project apart, and keeps names distinct
 * when a long or unusual stack name is shortened or cleaned. It is
 * deterministic on purpose: the same stack always names the same ring. (The
 * Pulumi organization is left out: the offline plan has none, and a name
 * that differed between plan and deploy would make the plan lie.)
 */
export function gcpKeyNames(scope: GcpKeyScope): GcpKeyNames {
  const digest = scopeDigest(scope, HASH_LENGTH);
  const stem = `${scope.poolName}-${scope.stack}`
    .replace(/[^A-Za-z0-9_-]/g, "-")
    .slice(0, KMS_ID_MAX - HASH_LENGTH - 1)
    .replace(/-+$/, "");
  const ring = `${stem}-${digest}`;
  // The ring already belongs to one pool and stack; the key only says what it is for.
  const key = `${scope.poolName}-disk`;
  for (const [what, id] of [
    ["key ring", ring],
    ["crypto key", key],
  ] as const) {
    if (!KMS_ID.test(id)) throw new Error(`pool ${scope.poolName}: ${what} name ${JSON.stringify(id)} must be 1-63 of [A-Za-z0-9_-]`);
  }
  return { ring, key };
}

/** Hex digest of the whole scope: names derived from it differ between any two stacks. */
function scopeDigest(scope: GcpKeyScope, length: number): string {
  const seed = [scope.pulumiProject, scope.stack, scope.project, scope.poolName].join("/");
  return createHash("sha256").update(seed).digest("hex").slice(0, length);
}

/**
 * Service account ids: 6-30 characters, `[a-z]([-a-z0-9]*[a-z0-9])`
 * (terraform-provider-google resource_google_service_account.go,
 * ValidateRFC1035Name(6, 30)), unique in the project.
 */
const ACCOUNT_ID = /^[a-z][-a-z0-9]{4,28}[a-z0-9]$/;
const ACCOUNT_DIGEST = 6;

export interface GcpAccountIds {
  readonly node: string;
  readonly bastion: string;
}

/**
 * `<pool, at most 15>-node-<6 hex>` and `<pool>-bastion-<6 hex>`: the pilot
 * and pool stacks both use the pool name `logos`, and service account ids
 * are unique per project, so the digest of the scope (as for the key ring)
 * keeps two stacks in one project apart. Known at preview, so the firewall
 * rules that name these accounts stay provable.
 */
export function gcpAccountIds(scope: GcpKeyScope): GcpAccountIds {
  const digest = scopeDigest(scope, ACCOUNT_DIGEST);
  const stem = scope.poolName.slice(0, 15).replace(/-+$/, "");
  const ids = { node: `${stem}-node-${digest}`, bastion: `${stem}-bastion-${digest}` };
  for (const id of Object.values(ids)) {
    if (!ACCOUNT_ID.test(id)) throw new Error(`pool ${scope.poolName}: service account id ${JSON.stringify(id)} must be 6-30 of [a-z0-9-]`);
  }
  return ids;
}

/**
 * The burst group's base instance name, `<pool>-burst-<6 hex>`: instance
 * names are unique per zone and project and the group appends only "-" and
 * four random characters, so two stacks' groups get different bases. An
 * RFC 1035 name of at most 58 characters (63 for the instance name).
 */
export function gcpBurstBaseName(scope: GcpKeyScope): string {
  return `${scope.poolName}-burst-${scopeDigest(scope, ACCOUNT_DIGEST)}`;
}

/** The Cloud KMS resource id Compute Engine takes as `kmsKeySelfLink`; the same string the provider reports as the key's id. */
export function cryptoKeyId(project: string, location: string, names: GcpKeyNames): string {
  return `projects/${project}/locations/${location}/keyRings/${names.ring}/cryptoKeys/${names.key}`;
}

/**
 * Custom role ids: 3-64 of [a-zA-Z0-9_.], unique in the project. A deleted
 * role can be undeleted for 7 days (the provider does that when it creates a
 * role of the same id); from then until 37 days after the delete the id is
 * taken and no role can be created with it (IAM projects.roles.delete; the
 * IAMCustomRole warning in the Pulumi registry's gcp docs).
 */
const ROLE_ID = /^[a-zA-Z0-9_.]{3,64}$/;
/** Per-deployment entropy in a role id: hex kept in the stack's state. */
const ROLE_ENTROPY = /^[0-9a-f]{16}$/;

export interface GcpBurstRoleIds {
  /** What a burst member does to itself: label itself, read its group. */
  readonly member: string;
  /** What a scheduler needs: publish demand, list and delete idle members. */
  readonly scheduler: string;
}

/**
 * `logosBurstMember_<8 hex>_<entropy>` and `logosBurstScheduler_<8 hex>_<entropy>`:
 * the scope's digest keeps two stacks in one project apart, and `entropy`
 * (16 hex, random per deployment and kept in its state) lets a destroyed
 * stack be created again while its old ids are still taken.
 */
export function gcpBurstRoleIds(scope: GcpKeyScope, entropy: string): GcpBurstRoleIds {
  if (!ROLE_ENTROPY.test(entropy))
    throw new Error(`pool ${scope.poolName}: role id entropy ${JSON.stringify(entropy)} must be 16 hex digits`);
  const digest = scopeDigest(scope, HASH_LENGTH);
  const ids = { member: `logosBurstMember_${digest}_${entropy}`, scheduler: `logosBurstScheduler_${digest}_${entropy}` };
  for (const id of Object.values(ids)) {
    if (!ROLE_ID.test(id)) throw new Error(`pool ${scope.poolName}: custom role id ${JSON.stringify(id)} must be 3-64 of [a-zA-Z0-9_.]`);
  }
  return ids;
}

/**
 * The IAM condition on a member's grant: on instances, only the burst group's
 * (their names are the base name, "-" and four characters); other resources
 * the role reaches (the group, read-only) pass. IAM Conditions see a Compute
 * Engine resource as `projects/<p>/zones/<z>/instances/<name>`.
 */
export function gcpMemberCondition(baseInstanceName: string): string {
  return (
    `resource.type != "compute.googleapis.com/Instance" || ` +
    `resource.name.extract("/instances/{name}").startsWith("${baseInstanceName}-")`
  );
}
