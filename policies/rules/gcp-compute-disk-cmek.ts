import * as compute from "@pulumi/gcp/compute";
import { check, defineRule, type CheckContext } from "../lib/rule";

interface TemplateDisk {
  readonly type?: string;
  readonly diskEncryptionKey?: { readonly kmsKeySelfLink?: string };
}

function missingKey(ctx: CheckContext, where: string, field: string): void {
  ctx.report(`${ctx.label}: ${where} has no ${field}, so Google's default key is used; set it to the pool's Cloud KMS key.`);
}

function assessTemplateDisks(ctx: CheckContext, disks: readonly TemplateDisk[]): void {
  for (const [i, disk] of disks.entries()) {
    // Local SSDs cannot take a customer key.
    if (disk.type === "SCRATCH") continue;
    if (!disk.diskEncryptionKey?.kmsKeySelfLink) missingKey(ctx, `disks[${i}]`, "diskEncryptionKey.kmsKeySelfLink");
  }
}

export const gcpComputeDiskCmek = defineRule({
  name: "gcp-compute-disk-cmek",
  cloud: "gcp",
  severity: "high",
  enforcementLevel: "mandatory",
  description:
    "When requireCmek is on, every persistent disk (standalone disks, an instance's boot disk, an instance " +
    "template's disks) is encrypted with a Cloud KMS key; attached disks are checked as their own Disk resources.",
  remediation: "Set diskEncryptionKey.kmsKeySelfLink (instances: bootDisk.kmsKeySelfLink; regional disks: diskEncryptionKey.kmsKeyName).",
  configKeys: ["requireCmek"],
  validateResource: [
    check(compute.Disk, (disk, ctx) => {
      if (ctx.settings.requireCmek && !disk.diskEncryptionKey?.kmsKeySelfLink) {
        missingKey(ctx, "the disk", "diskEncryptionKey.kmsKeySelfLink");
      }
    }),
    check(compute.RegionDisk, (disk, ctx) => {
      if (ctx.settings.requireCmek && !disk.diskEncryptionKey?.kmsKeyName) {
        missingKey(ctx, "the disk", "diskEncryptionKey.kmsKeyName");
      }
    }),
    check(compute.Instance, (instance, ctx) => {
      if (!ctx.settings.requireCmek) return;
      // A boot disk made from an existing disk, and every attached disk, is a compute.Disk checked on its own.
      const boot = instance.bootDisk;
      if (!boot.source && !boot.kmsKeySelfLink) missingKey(ctx, "bootDisk", "kmsKeySelfLink");
    }),
    check(compute.InstanceTemplate, (template, ctx) => {
      if (ctx.settings.requireCmek) assessTemplateDisks(ctx, template.disks);
    }),
    check(compute.RegionInstanceTemplate, (template, ctx) => {
      if (ctx.settings.requireCmek) assessTemplateDisks(ctx, template.disks);
    }),
  ],
});
