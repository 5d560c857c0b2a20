/**
 * The GCP archive: a CMEK bucket with a retention policy (lockable), uniform
 * access and public access prevention; the node service account may only
 * create objects below `<pool>/`.
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { tagsFor } from "../../infra/spec";
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

  // The Cloud Storage service agent encrypts objects, so it needs the key; the
  // invoke also creates the agent in a project that never used Cloud Storage.
  const agent = gcp.storage.getProjectServiceAccountOutput({ project }, opts);
  const keyGrant = new gcp.kms.CryptoKeyIAMMember(
    `${name}-key-gcs-agent`,
    {
      cryptoKeyId: ctx.encryptionKeyRef,
      role: "roles/cloudkms.cryptoKeyEncrypterDecrypter",
      member: pulumi.interpolate`serviceAccount:${agent.emailAddress}`,
    },
    opts,
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
      versioning: { enabled: true },
      encryption: { defaultKmsKeyName: ctx.encryptionKeyRef },
      retentionPolicy: {
        retentionPeriod: retentionSeconds(spec.archive.retentionDays),
        // Irreversible once applied: the period can then only grow, and the bucket cannot be deleted while objects are retained.
        isLocked: spec.archive.lockRetention,
      },
      forceDestroy: false,
      labels: tagsFor(spec, "archive"),
    },
    // The archive outlives the pool: `pulumi destroy` leaves it in place.
    { ...opts, dependsOn: [keyGrant], retainOnDelete: true },
  );

  new gcp.storage.BucketIAMMember(
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

  return { url: pulumi.interpolate`gs://${bucket.name}/${spec.name}/`, store: bucket };
}
