import * as s3 from "@pulumi/aws/s3";
import { check, defineRule } from "../lib/rule";

export const awsS3BucketVersioning = defineRule({
  name: "aws-s3-bucket-versioning",
  cloud: "aws",
  severity: "medium",
  enforcementLevel: "mandatory",
  description: "S3 versioning (the versioning resource, or a bucket's inline setting) is enabled, never suspended.",
  remediation: 'Give each bucket an s3.BucketVersioning with versioningConfiguration.status "Enabled".',
  configKeys: [],
  validateResource: [
    check(s3.BucketVersioning, (versioning, ctx) => {
      const status = versioning.versioningConfiguration.status;
      if (status !== "Enabled") {
        ctx.report(`${ctx.label}: versioningConfiguration.status is "${status}"; set it to "Enabled".`);
      }
    }),
    check(s3.BucketVersioningV2, (versioning, ctx) => {
      const status = versioning.versioningConfiguration.status;
      if (status !== "Enabled") {
        ctx.report(`${ctx.label}: versioningConfiguration.status is "${status}"; set it to "Enabled".`);
      }
    }),
    check(s3.Bucket, (bucket, ctx) => {
      const inline = bucket.versioning;
      if (inline !== undefined && inline !== null && inline.enabled !== true) {
        ctx.report(`${ctx.label}: versioning.enabled is ${String(inline.enabled)}; enable versioning.`);
      }
    }),
    check(s3.BucketV2, (bucket, ctx) => {
      for (const [i, inline] of (bucket.versionings ?? []).entries()) {
        if (inline.enabled !== true) {
          ctx.report(`${ctx.label}: versionings[${i}].enabled is ${String(inline.enabled)}; enable versioning.`);
        }
      }
    }),
  ],
});
