import * as storage from "@pulumi/gcp/storage";
import { check, defineRule } from "../lib/rule";

export const gcpStorageBucketCmek = defineRule({
  name: "gcp-storage-bucket-cmek",
  cloud: "gcp",
  severity: "high",
  enforcementLevel: "mandatory",
  description: "When requireCmek is on, Cloud Storage buckets have a default Cloud KMS key.",
  remediation: "Set encryption.defaultKmsKeyName to the pool's Cloud KMS key (and grant the GCS service agent use of it).",
  configKeys: ["requireCmek"],
  validateResource: [
    check(storage.Bucket, (bucket, ctx) => {
      if (ctx.settings.requireCmek && !bucket.encryption?.defaultKmsKeyName) {
        ctx.report(`${ctx.label}: encryption.defaultKmsKeyName is not set, so Google's default key is used; set it to a Cloud KMS key.`);
      }
    }),
  ],
});
