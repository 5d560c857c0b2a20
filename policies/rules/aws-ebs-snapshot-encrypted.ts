import * as ebs from "@pulumi/aws/ebs";
import * as ec2 from "@pulumi/aws/ec2";
import { check, defineRule, type CheckContext } from "../lib/rule";

function assess(ctx: CheckContext, encrypted: boolean | undefined, kmsKeyId: string | undefined): void {
  if (encrypted !== true) {
    ctx.report(`${ctx.label}: encrypted is ${String(encrypted)}; set encrypted: true with kmsKeyId.`);
  } else if (ctx.settings.requireCmek && !kmsKeyId) {
    ctx.report(`${ctx.label}: no kmsKeyId, so AWS's default key is used; set kmsKeyId to a customer-managed key.`);
  }
}

export const awsEbsSnapshotEncrypted = defineRule({
  name: "aws-ebs-snapshot-encrypted",
  cloud: "aws",
  severity: "high",
  enforcementLevel: "mandatory",
  description:
    "Snapshot and image copies and imports are encrypted (with a customer-managed KMS key when requireCmek is on), " +
    "and an AMI registered from snapshots names only encrypted ones. A snapshot of a volume inherits the volume's " +
    "encryption, checked on the volume.",
  remediation:
    "Set encrypted: true and kmsKeyId on aws.ebs.SnapshotCopy / SnapshotImport and aws.ec2.AmiCopy; set " +
    "encrypted: true on every ebsBlockDevices entry of an aws.ec2.Ami.",
  configKeys: ["requireCmek"],
  validateResource: [
    check(ebs.SnapshotCopy, (copy, ctx) => assess(ctx, copy.encrypted, copy.kmsKeyId)),
    check(ebs.SnapshotImport, (imported, ctx) => assess(ctx, imported.encrypted, imported.kmsKeyId)),
    check(ec2.AmiCopy, (copy, ctx) => assess(ctx, copy.encrypted, copy.kmsKeyId)),
    check(ec2.Ami, (ami, ctx) => {
      for (const [i, device] of (ami.ebsBlockDevices ?? []).entries()) {
        if (device.encrypted !== true) {
          ctx.report(`${ctx.label}: ebsBlockDevices[${i}] (${device.deviceName}) is not encrypted; register encrypted snapshots only.`);
        }
      }
    }),
  ],
});
