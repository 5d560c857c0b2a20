import * as efs from "@pulumi/aws/efs";
import { check, defineRule } from "../lib/rule";

export const awsEfsFileSystemEncrypted = defineRule({
  name: "aws-efs-file-system-encrypted",
  cloud: "aws",
  severity: "high",
  enforcementLevel: "mandatory",
  description: "EFS file systems are encrypted at rest, with a customer-managed KMS key when requireCmek is on.",
  remediation: "Set encrypted: true and kmsKeyId to the pool's KMS key (encryption cannot be added after creation).",
  configKeys: ["requireCmek"],
  validateResource: [
    check(efs.FileSystem, (fs, ctx) => {
      if (fs.encrypted !== true) {
        ctx.report(`${ctx.label}: encrypted is ${String(fs.encrypted)}; set encrypted: true with kmsKeyId.`);
      } else if (ctx.settings.requireCmek && !fs.kmsKeyId) {
        ctx.report(`${ctx.label}: no kmsKeyId, so AWS's default key is used; set kmsKeyId to a customer-managed key.`);
      }
    }),
  ],
});
