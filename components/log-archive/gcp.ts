/**
 * The GCP archive: a CMEK bucket with a retention policy (lockable), uniform
 * access and public access prevention; the node service account may only
 * create objects below `<pool>/`.
 *
 * No Object Versioning: Cloud Storage treats a bucket retention policy and
 * Object Versioning as mutually exclusive ("only one of them can be enabled
 * at a time", https://cloud.google.com/storage/docs/bucket-lock, "Other
 * feature considerations"). The retention policy is the one that keeps
 * history: no object can be deleted or replaced before it is
 * `archiveRetentionDays` old, and every upload is a new object name.
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { enableServices, gcpLabels, propagationWait } from "../gcp-project";
import { retentionSeconds } from "./names";
import type { ArchiveContext, ArchiveParts } from "./types";

/** Create objects; no read, list, overwrite or delete. */
export const NODE_BUCKET_ROLE = "roles/storage.objectCreator";

/** The IAM condition that keeps a node's writes below `<pool>/`. */
export function poolPrefixCondition(bucket: string, pool: string): string {
  return `resource.name.startsWith("projects/_/buckets/${bucket}/objects/${pool}/")`;
}

export function buildGcpArchive(ctx: ArchiveContext): ArchiveParts {
  const { spec, name, names } = ctx;
  const opts = { parent: ctx.parent };
  const project = spec.gcpProject;
  if (!project) throw new Error("LogArchive on gcp needs spec.gcpProject (gcp:project)");

  const apis = enableServices(ctx.parent, name, project, ["storage.googleapis.com"]);

  // The Cloud Storage service agent encrypts objects, so it needs the key; the
  // invoke also creates the agent in a project that never used Cloud Storage,
  // which is why it waits for the API.
  const agent = gcp.storage.getProjectServiceAccountOutput({ project }, { ...opts, dependsOn: apis });
  // The key reference carries the key as a dependency (VmPool.encryptionKeyRef),
  // so the grant is made once the key exists. Kept on destroy: without it the
  // kept archive's objects could no longer be read or written.
  const keyGrant = new gcp.kms.CryptoKeyIAMMember(
    `${name}-key-gcs-agent`,
    {
      cryptoKeyId: ctx.encryptionKeyRef,
      role: "roles/cloudkms.cryptoKeyEncrypterDecrypter",
      member: pulumi.interpolate`serviceAccount:${agent.emailAddress}`,
    },
    { ...opts, retainOnDelete: true },
  );
  // A CMEK bucket create checks the agent's use of the key at once.
  const keyGrantLive = propagationWait(
    ctx.parent,
    `${name}-key-gcs-agent-wait`,
    { cryptoKeyId: keyGrant.cryptoKeyId, member: keyGrant.member },
    keyGrant,
  );

  const bucket = new gcp.storage.Bucket(
    `${name}-bucket`,
    {
      name: names.bucket,
      project,
      location: spec.region.toUpperCase(),
      storageClass: "STANDARD",
      uniformBucketLevelAccess: true,
      publicAccessPrevention: "enforced",
      encryption: { defaultKmsKeyName: ctx.encryptionKeyRef },
      retentionPolicy: {
        retentionPeriod: retentionSeconds(spec.archive.retentionDays),
        // Irreversible once applied: the period can then only grow, and the bucket cannot be deleted while objects are retained.
        isLocked: spec.archive.lockRetention,
      },
      forceDestroy: false,
      labels: gcpLabels(spec, "archive"),
    },
    // The archive outlives the pool: `pulumi destroy` leaves it in place.
    { ...opts, dependsOn: [...apis, keyGrant, keyGrantLive], retainOnDelete: true },
  );

  const nodeCreate = new gcp.storage.BucketIAMMember(
    `${name}-node-create`,
    {
      bucket: bucket.name,
      role: NODE_BUCKET_ROLE,
      // PoolParts gives GCP node identities as IAM members (`serviceAccount:<email>`).
      member: ctx.nodeIdentity.principal,
      condition: {
        title: "pool-prefix-only",
        description: `Objects below ${spec.name}/ only`,
        expression: names.bucket.apply((b) => poolPrefixCondition(b, spec.name)),
      },
    },
    opts,
  );
  // The first validation uploads right after the node boots; it depends on
  // the archive component, so on this wait too.
  propagationWait(ctx.parent, `${name}-node-create-wait`, { bucket: nodeCreate.bucket, member: nodeCreate.member }, nodeCreate);

  return { url: pulumi.interpolate`gs://${bucket.name}/${spec.name}/`, store: bucket };
}
