/**
 * The pool's boot bucket: private, versioned, under the pool key, holding
 * copies of bootstrap files too large for EC2 user-data (see
 * `aws-boot-files.ts`). Nodes may only read `boot/*`; what they fetch is
 * trusted because user-data pins each file's SHA-256, not because of the
 * bucket.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as path from "node:path";
import { tagsFor } from "../../infra/spec";
import { BOOT_OBJECT_PREFIX, type BootObject } from "./aws-boot-files";
import type { AwsAccount } from "./aws-security";
import type { AdapterContext } from "./types";
import { dependsOnWithLater } from "./common";

export interface AwsBootArtifactsInputs {
  /** `bootBucketName` with the deployment's random suffix; fetching nodes read it from `BOOT_BUCKET_PATH`. */
  readonly bucketName: pulumi.Input<string>;
  readonly objects: readonly BootObject[];
  readonly account: AwsAccount;
  /** The pool key by its preview-known alias ARN (`AwsKey.diskKeyId`), for the default encryption. */
  readonly keyRef: pulumi.Input<string>;
  readonly keyAlias: pulumi.Resource;
  /** The node role (`AwsNodeIdentity.role`). */
  readonly role: aws.iam.Role;
  /** Objects are uploaded only after these (the pool's grant propagation wait). */
  readonly uploadAfter: readonly pulumi.Resource[];
  /** What the files name and the nodes write into, built later (`AdapterContext.reportsTo`). @default nothing */
  readonly reportsTo?: Promise<readonly pulumi.Resource[]>;
}

export interface AwsBootArtifacts {
  readonly bucket: aws.s3.Bucket;
  /** Uploaded objects by key, for the nodes that fetch them to depend on. */
  readonly objects: ReadonlyMap<string, aws.s3.BucketObjectv2>;
}

/** Resource name for an object: the file's name and a short digest, so two versions never share one. */
export function bootObjectResourceName(poolName: string, object: BootObject): string {
  const file = path.posix
    .basename(object.key)
    .replace(/[^A-Za-z0-9-]+/g, "-")
    .toLowerCase();
  return `${poolName}-boot-${file}-${object.sha256.slice(0, 8)}`;
}

export function buildAwsBootArtifacts(ctx: AdapterContext, inputs: AwsBootArtifactsInputs): AwsBootArtifacts {
  const { spec, name } = ctx;
  const opts = { parent: ctx.parent };
  const tags = tagsFor(spec, "artifacts");

  // Holds only copies of files from this repository, so destroy may empty it.
  const bucket = new aws.s3.Bucket(`${name}-boot`, { bucket: inputs.bucketName, forceDestroy: true, tags }, opts);
  const bucketOpts = { ...opts, dependsOn: [bucket] };

  const publicBlock = new aws.s3.BucketPublicAccessBlock(
    `${name}-boot-public-access`,
    { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
    bucketOpts,
  );
  // ACLs off: the bucket policy and IAM are the only access paths.
  const ownership = new aws.s3.BucketOwnershipControls(
    `${name}-boot-ownership`,
    { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
    bucketOpts,
  );
  const versioning = new aws.s3.BucketVersioning(
    `${name}-boot-versioning`,
    { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } },
    bucketOpts,
  );
  const encryption = new aws.s3.BucketServerSideEncryptionConfiguration(
    `${name}-boot-encryption`,
    {
      bucket: bucket.id,
      rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: inputs.keyRef }, bucketKeyEnabled: true }],
    },
    { ...opts, dependsOn: [bucket, inputs.keyAlias] },
  );

  // Built from the name (known at plan time) rather than read back from the bucket.
  const bucketArn = pulumi.interpolate`arn:${inputs.account.partition}:s3:::${inputs.bucketName}`;
  const policy = new aws.s3.BucketPolicy(
    `${name}-boot-policy`,
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
            Resource: [bucketArn, pulumi.interpolate`${bucketArn}/*`],
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          },
          {
            // Holds even if someone later attaches a broad S3 policy to the node role.
            Sid: "NodesOnlyReadBootFiles",
            Effect: "Deny",
            Principal: { AWS: inputs.role.arn },
            NotAction: "s3:GetObject",
            Resource: [bucketArn, pulumi.interpolate`${bucketArn}/*`],
          },
        ],
      }),
    },
    // S3 rejects a policy while the public access block is being set.
    { ...opts, dependsOn: [publicBlock] },
  );

  // Uploaded only once the bucket is private and encrypts under the pool key
  // by default, and once the key can be seen (S3 asks KMS for a data key per object).
  // The files name what the nodes report to (the agent's log group): it exists first.
  const objectOpts = {
    ...opts,
    dependsOn: dependsOnWithLater([publicBlock, ownership, versioning, encryption, policy, ...inputs.uploadAfter], inputs.reportsTo),
  };
  const objects = new Map(
    inputs.objects.map((o) => [
      o.key,
      new aws.s3.BucketObjectv2(
        bootObjectResourceName(name, o),
        {
          bucket: bucket.id,
          key: o.key,
          content: o.content,
          contentType: "text/plain; charset=utf-8",
          // S3 checks the upload against this, so a corrupted put fails at deploy, not at boot.
          checksumAlgorithm: "SHA256",
          tags,
        },
        objectOpts,
      ),
    ]),
  );

  return { bucket, objects };
}

/** What the node role's read grant on the boot bucket needs. */
export interface BootReadGrantInputs {
  readonly bucketName: pulumi.Input<string>;
  readonly account: AwsAccount;
  /** The pool key's own ARN: IAM grants on a key match the key ARN, not an alias. */
  readonly keyArn: pulumi.Input<string>;
  readonly role: aws.iam.Role;
}

/**
 * The node role may read `boot/*` and decrypt them through S3. Its own
 * resource, built before the bucket, so the pool's propagation wait can
 * cover it like every other grant nodes boot with.
 */
export function buildBootReadGrant(ctx: AdapterContext, inputs: BootReadGrantInputs): aws.iam.RolePolicy {
  const { spec, name } = ctx;
  const opts = { parent: ctx.parent };
  const bucketArn = pulumi.interpolate`arn:${inputs.account.partition}:s3:::${inputs.bucketName}`;
  const bootObjects = pulumi.interpolate`${bucketArn}/${BOOT_OBJECT_PREFIX}*`;
  return new aws.iam.RolePolicy(
    `${name}-boot-read`,
    {
      role: inputs.role.name,
      policy: pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [
          { Sid: "ReadBootFiles", Effect: "Allow", Action: "s3:GetObject", Resource: bootObjects },
          {
            Sid: "DecryptBootFilesThroughS3",
            Effect: "Allow",
            Action: "kms:Decrypt",
            Resource: inputs.keyArn,
            Condition: { StringEquals: { "kms:ViaService": `s3.${spec.region}.amazonaws.com` } },
          },
        ],
      }),
    },
    opts,
  );
}
