import * as compute from "@pulumi/gcp/compute";
import { check, defineRule, type CheckContext } from "../lib/rule";

function missing(ctx: CheckContext, field: string): void {
  ctx.report(`${ctx.label}: no ${field}, so Google's default key is used; set it to the pool's Cloud KMS key.`);
}

export const gcpComputeImageCmek = defineRule({
  name: "gcp-compute-image-cmek",
  cloud: "gcp",
  severity: "high",
  enforcementLevel: "mandatory",
  description:
    "When requireCmek is on, disk snapshots, images and machine images are encrypted with a Cloud KMS key (a " +
    "snapshot does not take its disk's key by default).",
  remediation:
    "Set snapshotEncryptionKey.kmsKeySelfLink (snapshots), imageEncryptionKey.kmsKeySelfLink (images) or " +
    "machineImageEncryptionKey.kmsKeyName (machine images).",
  configKeys: ["requireCmek"],
  validateResource: [
    check(compute.Snapshot, (snapshot, ctx) => {
      if (ctx.settings.requireCmek && !snapshot.snapshotEncryptionKey?.kmsKeySelfLink) missing(ctx, "snapshotEncryptionKey.kmsKeySelfLink");
    }),
    check(compute.Image, (image, ctx) => {
      if (ctx.settings.requireCmek && !image.imageEncryptionKey?.kmsKeySelfLink) missing(ctx, "imageEncryptionKey.kmsKeySelfLink");
    }),
    check(compute.MachineImage, (image, ctx) => {
      if (ctx.settings.requireCmek && !image.machineImageEncryptionKey?.kmsKeyName) missing(ctx, "machineImageEncryptionKey.kmsKeyName");
    }),
  ],
});
