import * as compute from "@pulumi/azure-native/compute";
import { check, defineRule, type CheckContext } from "../lib/rule";

function missing(ctx: CheckContext, where: string): void {
  ctx.report(`${ctx.label}: ${where} is not set, so only the platform key is used; set it to the pool's disk encryption set.`);
}

export const azureComputeImageEncrypted = defineRule({
  name: "azure-compute-image-encrypted",
  cloud: "azure",
  severity: "high",
  enforcementLevel: "mandatory",
  description:
    "When requireCmek is on, snapshots, managed images and gallery image versions are encrypted through a disk " +
    "encryption set (customer-managed key), like the disks they are made from.",
  remediation:
    "Set encryption.diskEncryptionSetId (snapshots), storageProfile.osDisk/dataDisks[].diskEncryptionSet.id (images) " +
    "and publishingProfile.targetRegions[].encryption.osDiskImage.diskEncryptionSetId (gallery image versions).",
  configKeys: ["requireCmek"],
  validateResource: [
    check(compute.Snapshot, (snapshot, ctx) => {
      if (!ctx.settings.requireCmek) return;
      const encryption = snapshot.encryption;
      if (!encryption?.diskEncryptionSetId) missing(ctx, "encryption.diskEncryptionSetId");
      else if (encryption.type === "EncryptionAtRestWithPlatformKey") {
        ctx.report(`${ctx.label}: encryption.type is "${encryption.type}"; use "EncryptionAtRestWithCustomerKey".`);
      }
    }),
    check(compute.Image, (image, ctx) => {
      if (!ctx.settings.requireCmek) return;
      const profile = image.storageProfile;
      if (profile?.osDisk && !profile.osDisk.diskEncryptionSet?.id) missing(ctx, "storageProfile.osDisk.diskEncryptionSet.id");
      for (const [i, disk] of (profile?.dataDisks ?? []).entries()) {
        if (!disk.diskEncryptionSet?.id) missing(ctx, `storageProfile.dataDisks[${i}].diskEncryptionSet.id`);
      }
    }),
    check(compute.GalleryImageVersion, (version, ctx) => {
      if (!ctx.settings.requireCmek) return;
      const regions = version.publishingProfile?.targetRegions ?? [];
      if (regions.length === 0) missing(ctx, "publishingProfile.targetRegions[].encryption");
      for (const [i, region] of regions.entries()) {
        if (!region.encryption?.osDiskImage?.diskEncryptionSetId) {
          missing(ctx, `publishingProfile.targetRegions[${i}].encryption.osDiskImage.diskEncryptionSetId`);
        }
      }
    }),
  ],
});
