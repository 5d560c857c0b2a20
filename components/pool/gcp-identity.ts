import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { gcpLabels, propagationWait } from "../gcp-project";
import { cryptoKeyId, gcpAccountIds, gcpKeyNames, type GcpKeyScope } from "./gcp-names";
import type { AdapterContext } from "./types";

/** 90 days: Cloud KMS rotates to a new primary version; old versions keep decrypting. */
export const KEY_ROTATION_PERIOD = "7776000s";

/** What the node identity may do: write logs and metrics for the monitoring agent, nothing else. */
export const NODE_ROLES = ["roles/logging.logWriter", "roles/monitoring.metricWriter"] as const;

/**
 * A service account's email from its id, computed rather than read back so
 * firewall rules that name it are fully known at plan time (the policy pack
 * fails closed on unknown sources). Domain-scoped projects (`example.com:p`)
 * put the domain after the project part.
 */
export function serviceAccountEmail(accountId: string, project: string): string {
  const colon = project.indexOf(":");
  const host = colon < 0 ? project : `${project.slice(colon + 1)}.${project.slice(0, colon)}`;
  return `${accountId}@${host}.iam.gserviceaccount.com`;
}

/** Where this stack's GCP names come from (see gcp-names.ts). */
export function gcpScope(ctx: AdapterContext, project: string): GcpKeyScope {
  return { pulumiProject: pulumi.getProject(), stack: pulumi.getStack(), project, poolName: ctx.spec.name };
}

export interface GcpKey {
  readonly key: gcp.kms.CryptoKey;
  /** The Compute Engine service agent's use of the key; every CMEK disk must wait for it. */
  readonly grant: gcp.kms.CryptoKeyIAMMember;
  /**
   * The key's id built from names (see `cryptoKeyId`), so it is known at
   * preview and the policy pack can prove every disk's CMEK. It carries the
   * key as a dependency (it is derived from the key's URN, which the engine
   * knows at once), so whatever names the key waits for it to exist.
   */
  readonly ref: pulumi.Output<string>;
  /** The key, its grant and the wait for the grant: what a CMEK disk, template or VM must wait for. */
  readonly ready: readonly pulumi.Resource[];
}

/**
 * The pool's customer-managed key. Disks are encrypted by the Compute Engine
 * service agent, not by the VM's identity, so that agent is what gets
 * encrypter/decrypter on the key.
 *
 * Ring and key carry explicit names (see `gcpKeyNames`) so the key id is
 * known at preview. Destroy and re-create: Cloud KMS keeps the ring (the
 * provider only forgets it) and the key is retained on purpose, because the
 * retained audit archive may still need it. A re-created stack therefore
 * finds both under the same names and its create fails with 409
 * ALREADY_EXISTS; adopt them instead of creating new ones, which also keeps
 * the archive readable with the same key:
 *   pulumi import gcp:kms/keyRing:KeyRing <pool>-keyring projects/<p>/locations/<r>/keyRings/<ring>
 *   pulumi import gcp:kms/cryptoKey:CryptoKey <pool>-key projects/<p>/locations/<r>/keyRings/<ring>/cryptoKeys/<key>
 * (with `--parent` the pool component). Another Pulumi project using the
 * same stack name gets a different ring (the hash), so only the same stack
 * ever meets its own key again.
 */
export function buildGcpKey(ctx: AdapterContext, project: string, apis: readonly pulumi.Resource[]): GcpKey {
  const { spec, name } = ctx;
  const opts = { parent: ctx.parent };
  const names = gcpKeyNames(gcpScope(ctx, project));

  // Cloud KMS cannot delete a key ring; deleting it in Pulumi would only
  // forget it. Retained explicitly, as the key inside it is.
  const ring = new gcp.kms.KeyRing(
    `${name}-keyring`,
    { project, location: spec.region, name: names.ring },
    { ...opts, dependsOn: [...apis], retainOnDelete: true },
  );
  const key = new gcp.kms.CryptoKey(
    `${name}-key`,
    {
      name: names.key,
      keyRing: ring.id,
      purpose: "ENCRYPT_DECRYPT",
      rotationPeriod: KEY_ROTATION_PERIOD,
      versionTemplate: { algorithm: "GOOGLE_SYMMETRIC_ENCRYPTION", protectionLevel: "SOFTWARE" },
      labels: gcpLabels(spec, "key"),
    },
    // Deleting a crypto key through the provider destroys every version:
    // anything still encrypted with it, the retained audit archive included,
    // would become unreadable. A destroyed stack leaves the key in place.
    { ...opts, retainOnDelete: true },
  );

  const projectInfo = gcp.organizations.getProjectOutput({ projectId: project }, opts);
  // The Compute Engine service agent exists once the Compute API is enabled.
  // Kept on destroy, as the key is: protected state disks outlive the stack
  // encrypted under the key, and attaching one again needs this grant.
  const grant = new gcp.kms.CryptoKeyIAMMember(
    `${name}-key-compute-agent`,
    {
      cryptoKeyId: key.id,
      role: "roles/cloudkms.cryptoKeyEncrypterDecrypter",
      member: pulumi.interpolate`serviceAccount:service-${projectInfo.number}@compute-system.iam.gserviceaccount.com`,
    },
    { ...opts, dependsOn: [...apis], retainOnDelete: true },
  );
  // Without the wait, the first CMEK disk create can fail with "permission
  // cloudkms.cryptoKeyVersions.useToEncrypt denied" while the grant propagates.
  const grantLive = propagationWait(
    ctx.parent,
    `${name}-key-compute-agent-wait`,
    { cryptoKeyId: grant.cryptoKeyId, member: grant.member },
    grant,
  );
  const id = cryptoKeyId(project, spec.region, names);
  return { key, grant, ref: key.urn.apply(() => id), ready: [key, grant, grantLive] };
}

export interface GcpIdentity {
  readonly account: gcp.serviceaccount.Account;
  /** Known at plan time, and carries the dependency on `account`. */
  readonly email: pulumi.Output<string>;
}

function serviceAccount(
  ctx: AdapterContext,
  project: string,
  role: string,
  accountId: string,
  displayName: string,
  apis: readonly pulumi.Resource[],
): GcpIdentity {
  const account = new gcp.serviceaccount.Account(
    `${ctx.name}-${role}-identity`,
    { project, accountId, displayName, description: `logos-compute pool ${ctx.spec.name}, stack ${pulumi.getStack()}` },
    { parent: ctx.parent, dependsOn: [...apis] },
  );
  const email = serviceAccountEmail(accountId, project);
  return { account, email: account.accountId.apply(() => email) };
}

/** The one identity every core and burst node runs as, with write-only telemetry roles. */
export function buildGcpNodeIdentity(ctx: AdapterContext, project: string, apis: readonly pulumi.Resource[]): GcpIdentity {
  const ids = gcpAccountIds(gcpScope(ctx, project));
  const identity = serviceAccount(ctx, project, "node", ids.node, `logos ${ctx.spec.name} nodes`, apis);
  for (const role of NODE_ROLES) {
    const short = role.slice("roles/".length).split(".")[0];
    new gcp.projects.IAMMember(
      `${ctx.name}-node-${short}`,
      { project, role, member: pulumi.interpolate`serviceAccount:${identity.email}` },
      { parent: ctx.parent },
    );
  }
  return identity;
}

/** The bastion's own identity: no roles at all; it exists so firewalls can name it and so it never runs as the default account. */
export function buildGcpBastionIdentity(ctx: AdapterContext, project: string, apis: readonly pulumi.Resource[]): GcpIdentity {
  const ids = gcpAccountIds(gcpScope(ctx, project));
  return serviceAccount(ctx, project, "bastion", ids.bastion, `logos ${ctx.spec.name} bastion`, apis);
}
