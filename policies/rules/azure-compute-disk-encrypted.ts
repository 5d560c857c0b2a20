import * as compute from "@pulumi/azure-native/compute";
import { check, defineRule } from "../lib/rule";

export const azureComputeDiskEncrypted = defineRule({
  name: "azure-compute-disk-encrypted",
  cloud: "azure",
  severity: "high",
  enforcementLevel: "mandatory",
  description:
    "When requireCmek is on, managed disks are encrypted through a disk encryption set (customer-managed key); " +
    "platform-key-only encryption is rejected.",
  remediation: 'Set encryption.diskEncryptionSetId and encryption.type "EncryptionAtRestWithCustomerKey" (or PlatformAndCustomerKeys).',
  configKeys: ["requireCmek"],
  validateResource: [
    check(compute.Disk, (disk, ctx) => {
      if (!ctx.settings.requireCmek) return;
      const encryption = disk.encryption;
      if (!encryption?.diskEncryptionSetId) {
        ctx.report(
          `${ctx.label}: encryption.diskEncryptionSetId is not set, so only the platform key is used; set it to the pool's disk encryption set.`,
        );
      } else if (encryption.type === "EncryptionAtRestWithPlatformKey") {
        ctx.report(`${ctx.label}: encryption.type is "${encryption.type}"; use "EncryptionAtRestWithCustomerKey".`);
      }
    }),
  ],
});
