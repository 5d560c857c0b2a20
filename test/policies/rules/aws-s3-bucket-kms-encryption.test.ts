import { describe, expect, it } from "vitest";
import { awsS3BucketKmsEncryption as rule } from "../../../policies/rules/aws-s3-bucket-kms-encryption";
import { messages, UNKNOWN, variant, type FailingCase, type Inputs } from "../harness";

const SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration";
const SSE_V2 = "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2";
const BUCKET = "aws:s3/bucket:Bucket";
const BUCKET_V2 = "aws:s3/bucketV2:BucketV2";
const KEY = "arn:aws:kms:us-east-1:123456789012:key/1";
const kmsRule = { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: KEY } };

const passing: Record<string, Inputs> = {
  [SSE]: { bucket: "logs", rules: [kmsRule] },
  [SSE_V2]: { bucket: "logs", rules: [kmsRule] },
  [BUCKET]: { serverSideEncryptionConfiguration: { rule: kmsRule } },
  [BUCKET_V2]: {
    serverSideEncryptionConfigurations: [
      { rules: [{ applyServerSideEncryptionByDefaults: [{ sseAlgorithm: "aws:kms", kmsMasterKeyId: KEY }] }] },
    ],
  },
};

describe(rule.name, () => {
  it.each(Object.keys(passing))("passes a compliant %s", (type) => {
    expect(messages(rule, type, passing[type]!)).toEqual([]);
  });

  it("leaves a bucket without inline settings to its configuration resource", () => {
    expect(messages(rule, BUCKET, { tags: {} })).toEqual([]);
  });

  const failing: FailingCase[] = [
    {
      name: "SSE-S3 instead of KMS",
      type: SSE,
      change: (r) => (r.rules[0].applyServerSideEncryptionByDefault.sseAlgorithm = "AES256"),
      expect: 'rules[0] uses sseAlgorithm "AES256"; use "aws:kms" with kmsMasterKeyId.',
    },
    {
      name: "KMS without a customer key",
      type: SSE,
      change: (r) => delete r.rules[0].applyServerSideEncryptionByDefault.kmsMasterKeyId,
      expect: "rules[0] has no kmsMasterKeyId",
    },
    {
      name: "a rule with no default encryption",
      type: SSE,
      change: (r) => (r.rules[0] = { bucketKeyEnabled: true }),
      expect: "rules[0] has no applyServerSideEncryptionByDefault",
    },
    { name: "no rules at all", type: SSE, change: (r) => (r.rules = []), expect: "no encryption rules" },
    {
      name: "unknown algorithm",
      type: SSE,
      change: (r) => (r.rules[0].applyServerSideEncryptionByDefault.sseAlgorithm = UNKNOWN),
      expect: "rules[0].applyServerSideEncryptionByDefault.sseAlgorithm is unknown",
    },
    {
      name: "V2 configuration with SSE-S3",
      type: SSE_V2,
      change: (r) => (r.rules[0].applyServerSideEncryptionByDefault.sseAlgorithm = "AES256"),
      expect: 'uses sseAlgorithm "AES256"',
    },
    {
      name: "inline bucket SSE-S3",
      type: BUCKET,
      change: (r) => (r.serverSideEncryptionConfiguration.rule.applyServerSideEncryptionByDefault.sseAlgorithm = "AES256"),
      expect: 'serverSideEncryptionConfiguration.rule uses sseAlgorithm "AES256"',
    },
    {
      name: "inline bucket key unknown",
      type: BUCKET,
      change: (r) => (r.serverSideEncryptionConfiguration.rule.applyServerSideEncryptionByDefault.kmsMasterKeyId = UNKNOWN),
      expect: "kmsMasterKeyId is unknown",
    },
    {
      name: "inline BucketV2 without a key",
      type: BUCKET_V2,
      change: (r) => delete r.serverSideEncryptionConfigurations[0].rules[0].applyServerSideEncryptionByDefaults[0].kmsMasterKeyId,
      expect: "applyServerSideEncryptionByDefaults[0] has no kmsMasterKeyId",
    },
  ];
  it.each(failing)("rejects $name", ({ type, change, expect: fragment }) => {
    expect(messages(rule, type, variant(passing[type]!, change)).join("\n")).toContain(fragment);
  });
});
