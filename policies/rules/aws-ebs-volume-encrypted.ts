import * as ebs from "@pulumi/aws/ebs";
import { check, defineRule } from "../lib/rule";

export const awsEbsVolumeEncrypted = defineRule({
  name: "aws-ebs-volume-encrypted",
  cloud: "aws",
  severity: "high",
  enforcementLevel: "mandatory",
  description: "EBS volumes are encrypted, with a customer-managed KMS key when requireCmek is on.",
  remediation: "Set encrypted: true and kmsKeyId to the pool's KMS key ARN.",
  configKeys: ["requireCmek"],
  validateResource: [
    check(ebs.Volume, (volume, ctx) => {
      if (volume.encrypted !== true) {
        ctx.report(`${ctx.label}: encrypted is ${String(volume.encrypted)}; set encrypted: true with kmsKeyId.`);
      } else if (ctx.settings.requireCmek && !volume.kmsKeyId) {
        ctx.report(`${ctx.label}: no kmsKeyId, so AWS's default key is used; set kmsKeyId to a customer-managed key.`);
      }
    }),
  ],
});
