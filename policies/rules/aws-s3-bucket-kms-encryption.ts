import * as s3 from "@pulumi/aws/s3";
import { check, defineRule, type CheckContext } from "../lib/rule";

interface SseRule {
  readonly applyServerSideEncryptionByDefault?: { readonly sseAlgorithm: string; readonly kmsMasterKeyId?: string };
}

const KMS_ALGORITHMS = new Set(["aws:kms", "aws:kms:dsse"]);

function assess(ctx: CheckContext, where: string, rule: SseRule): void {
  const defaults = rule.applyServerSideEncryptionByDefault;
  if (defaults === undefined || defaults === null) {
    ctx.report(`${ctx.label}: ${where} has no applyServerSideEncryptionByDefault; set sseAlgorithm "aws:kms" with kmsMasterKeyId.`);
  } else if (!KMS_ALGORITHMS.has(defaults.sseAlgorithm)) {
    ctx.report(`${ctx.label}: ${where} uses sseAlgorithm "${defaults.sseAlgorithm}"; use "aws:kms" with kmsMasterKeyId.`);
  } else if (ctx.settings.requireCmek && !defaults.kmsMasterKeyId) {
    ctx.report(`${ctx.label}: ${where} has no kmsMasterKeyId, so the AWS-managed key is used; set a customer-managed key.`);
  }
}

function assessAll(ctx: CheckContext, rules: readonly SseRule[] | undefined): void {
  if (rules === undefined || rules === null || rules.length === 0) {
    ctx.report(`${ctx.label}: no encryption rules; add one with sseAlgorithm "aws:kms" and kmsMasterKeyId.`);
    return;
  }
  for (const [i, rule] of rules.entries()) assess(ctx, `rules[${i}]`, rule);
}

export const awsS3BucketKmsEncryption = defineRule({
  name: "aws-s3-bucket-kms-encryption",
  cloud: "aws",
  severity: "high",
  enforcementLevel: "mandatory",
  description:
    "S3 server-side encryption (the configuration resource, or a bucket's inline setting) uses KMS with a " +
    "customer-managed key when requireCmek is on.",
  remediation: 'Give each bucket an s3.BucketServerSideEncryptionConfiguration with sseAlgorithm "aws:kms" and kmsMasterKeyId.',
  configKeys: ["requireCmek"],
  validateResource: [
    check(s3.BucketServerSideEncryptionConfiguration, (config, ctx) => assessAll(ctx, config.rules)),
    check(s3.BucketServerSideEncryptionConfigurationV2, (config, ctx) => assessAll(ctx, config.rules)),
    check(s3.Bucket, (bucket, ctx) => {
      const inline = bucket.serverSideEncryptionConfiguration;
      if (inline !== undefined && inline !== null) assess(ctx, "serverSideEncryptionConfiguration.rule", inline.rule);
    }),
    check(s3.BucketV2, (bucket, ctx) => {
      for (const [i, inline] of (bucket.serverSideEncryptionConfigurations ?? []).entries()) {
        for (const [j, rule] of (inline.rules ?? []).entries()) {
          for (const [k, defaults] of (rule.applyServerSideEncryptionByDefaults ?? []).entries()) {
            const where = `serverSideEncryptionConfigurations[${i}].rules[${j}].applyServerSideEncryptionByDefaults[${k}]`;
            assess(ctx, where, { applyServerSideEncryptionByDefault: defaults });
          }
        }
      }
    }),
  ],
});
