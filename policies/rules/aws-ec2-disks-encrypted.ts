import * as ec2 from "@pulumi/aws/ec2";
import { check, defineRule, type CheckContext } from "../lib/rule";

interface EbsSettings {
  readonly encrypted?: boolean | string;
  readonly kmsKeyId?: string;
}

function assess(ctx: CheckContext, where: string, disk: EbsSettings): void {
  if (disk.encrypted !== true && disk.encrypted !== "true") {
    ctx.report(`${ctx.label}: ${where}.encrypted is ${String(disk.encrypted)}; set it to true with kmsKeyId.`);
  } else if (ctx.settings.requireCmek && !disk.kmsKeyId) {
    ctx.report(`${ctx.label}: ${where} has no kmsKeyId; set it to a customer-managed KMS key.`);
  }
}

export const awsEc2DisksEncrypted = defineRule({
  name: "aws-ec2-disks-encrypted",
  cloud: "aws",
  severity: "high",
  enforcementLevel: "mandatory",
  description:
    "Instance root and EBS block devices, and every launch template EBS mapping, are encrypted with a " +
    "customer-managed KMS key (when requireCmek is on).",
  remediation: "Declare rootBlockDevice / blockDeviceMappings (including the root device) with encrypted: true and kmsKeyId.",
  configKeys: ["requireCmek"],
  validateResource: [
    check(ec2.Instance, (instance, ctx) => {
      if (instance.rootBlockDevice === undefined || instance.rootBlockDevice === null) {
        ctx.report(
          `${ctx.label}: no rootBlockDevice, so the root volume follows the AMI and is not proven encrypted; declare it with encrypted: true and kmsKeyId.`,
        );
      } else {
        assess(ctx, "rootBlockDevice", instance.rootBlockDevice);
      }
      for (const [i, disk] of (instance.ebsBlockDevices ?? []).entries()) assess(ctx, `ebsBlockDevices[${i}]`, disk);
    }),
    check(ec2.LaunchTemplate, (template, ctx) => {
      let ebsMappings = 0;
      for (const [i, mapping] of (template.blockDeviceMappings ?? []).entries()) {
        if (mapping.ebs === undefined || mapping.ebs === null) continue;
        ebsMappings += 1;
        assess(ctx, `blockDeviceMappings[${i}].ebs`, mapping.ebs);
      }
      if (ebsMappings === 0) {
        ctx.report(
          `${ctx.label}: no EBS blockDeviceMappings, so the root volume follows the AMI and is not proven encrypted; map the root device with ebs.encrypted "true" and kmsKeyId.`,
        );
      }
    }),
  ],
});
