/**
 * The AWS archive: an Object Lock bucket under the pool's KMS key that the
 * node role may only add objects to, below `<pool>/`.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { tagsFor } from "../../infra/spec";
import type { ArchiveContext, ArchiveParts } from "./types";

/** Object Lock's retention mode for `spec.archive.lockMode`. */
export function objectLockMode(mode: "governance" | "compliance"): "GOVERNANCE" | "COMPLIANCE" {
  return mode === "compliance" ? "COMPLIANCE" : "GOVERNANCE";
}

/** The only S3 actions a node may perform on the archive. */
export const NODE_S3_ACTIONS = ["s3:PutObject"] as const;
/** What S3 asks KMS for on the node's behalf when it writes an SSE-KMS object. */
export const NODE_KMS_ACTIONS = ["kms:GenerateDataKey", "kms:Encrypt"] as const;

export function buildAwsArchive(ctx: ArchiveContext): ArchiveParts {
  const { spec, name, names } = ctx;
  const opts = { parent: ctx.parent };
  const tags = tagsFor(spec, "archive");
  const keyArn = pulumi.output(ctx.encryptionKeyId);

  const bucket = new aws.s3.Bucket(
    `${name}-bucket`,
    {
      bucket: names.bucket,
      // Only settable at creation: without it no retention can ever be applied.
      objectLockEnabled: true,
      forceDestroy: false,
      tags,
    },
    // The archive outlives the pool: `pulumi destroy` leaves it (and its locked objects) in place.
    { ...opts, retainOnDelete: true },
  );
  // Every setting that keeps the kept archive private, versioned, encrypted and
  // locked stays with it on destroy: deleting the policy would drop the deny
  // on deletion, deleting the public access block would open the bucket to a
  // public policy, deleting the lock configuration would end default retention.
  const bucketOpts = { ...opts, dependsOn: [bucket], retainOnDelete: true };

  const publicBlock = new aws.s3.BucketPublicAccessBlock(
    `${name}-public-access`,
    { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
    bucketOpts,
  );
  // ACLs off: the bucket policy and IAM are the only access paths.
  new aws.s3.BucketOwnershipControls(
    `${name}-ownership`,
    { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
    bucketOpts,
  );
  const versioning = new aws.s3.BucketVersioning(
    `${name}-versioning`,
    { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } },
    bucketOpts,
  );
  new aws.s3.BucketServerSideEncryptionConfiguration(
    `${name}-encryption`,
    {
      bucket: bucket.id,
      rules: [
        { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: ctx.encryptionKeyRef }, bucketKeyEnabled: true },
      ],
    },
    bucketOpts,
  );
  new aws.s3.BucketObjectLockConfiguration(
    `${name}-object-lock`,
    {
      bucket: bucket.id,
      objectLockEnabled: "Enabled",
      rule: { defaultRetention: { mode: objectLockMode(spec.archive.lockMode), days: spec.archive.retentionDays } },
    },
    { ...opts, dependsOn: [versioning], retainOnDelete: true },
  );

  // Built from the name (known at plan time) rather than read back from the bucket.
  const partition = aws.getPartitionOutput({}, opts).partition;
  const bucketArn = pulumi.interpolate`arn:${partition}:s3:::${bucket.bucket}`;
  const objects = pulumi.interpolate`${bucketArn}/*`;
  const poolObjects = pulumi.interpolate`${bucketArn}/${spec.name}/*`;
  new aws.s3.BucketPolicy(
    `${name}-policy`,
    {
      bucket: bucket.id,
      policy: pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "DenyInsecureTransport",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: [bucketArn, objects],
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          },
          {
            // Object Lock already refuses deletes within retention; this also
            // covers versions whose retention has run out.
            Sid: "DenyObjectDeletion",
            Effect: "Deny",
            Principal: "*",
            Action: ["s3:DeleteObject", "s3:DeleteObjectVersion"],
            Resource: objects,
          },
          {
            Sid: "DenyOtherEncryption",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:PutObject",
            Resource: objects,
            Condition: {
              Null: { "s3:x-amz-server-side-encryption": "false" },
              StringNotEquals: { "s3:x-amz-server-side-encryption": "aws:kms" },
            },
          },
          {
            Sid: "DenyOtherKmsKey",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:PutObject",
            Resource: objects,
            Condition: {
              Null: { "s3:x-amz-server-side-encryption-aws-kms-key-id": "false" },
              StringNotEquals: { "s3:x-amz-server-side-encryption-aws-kms-key-id": keyArn },
            },
          },
          {
            // Holds even if someone later attaches a broad S3 policy to the node role.
            Sid: "NodesOnlyAddObjects",
            Effect: "Deny",
            Principal: { AWS: ctx.nodeIdentity.principal },
            NotAction: [...NODE_S3_ACTIONS],
            Resource: [bucketArn, objects],
          },
          {
            Sid: "NodesOnlyUnderPoolPrefix",
            Effect: "Deny",
            Principal: { AWS: ctx.nodeIdentity.principal },
            Action: [...NODE_S3_ACTIONS],
            NotResource: poolObjects,
          },
        ],
      }),
    },
    // S3 rejects a policy while the public access block is being set.
    { ...opts, dependsOn: [publicBlock], retainOnDelete: true },
  );

  new aws.iam.RolePolicy(
    `${name}-node-write`,
    {
      role: ctx.nodeIdentity.id,
      policy: pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [
          { Sid: "AddAuditLogs", Effect: "Allow", Action: [...NODE_S3_ACTIONS], Resource: poolObjects },
          {
            Sid: "EncryptAuditLogsThroughS3",
            Effect: "Allow",
            Action: [...NODE_KMS_ACTIONS],
            Resource: keyArn,
            Condition: { StringEquals: { "kms:ViaService": `s3.${spec.region}.amazonaws.com` } },
          },
        ],
      }),
    },
    opts,
  );

  return {
    url: pulumi.interpolate`s3://${bucket.bucket}/${spec.name}/`,
    store: bucket,
  };
}
