import type * as compute from "@pulumi/azure-native/compute";
import { describe, expect, it } from "vitest";
import { azureComputeImageEncrypted as rule } from "../../../policies/rules/azure-compute-image-encrypted";
import { messages, ruleTable, UNKNOWN } from "../harness";

const DES = "/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/diskEncryptionSets/logos-des";
const SNAPSHOT = "azure-native:compute:Snapshot";
const IMAGE = "azure-native:compute:Image";
const VERSION = "azure-native:compute:GalleryImageVersion";
const passing = {
  [SNAPSHOT]: {
    resourceGroupName: "g",
    creationData: { createOption: "Copy", sourceResourceId: "/subscriptions/s/disks/d" },
    encryption: { diskEncryptionSetId: DES, type: "EncryptionAtRestWithCustomerKey" },
  } satisfies compute.SnapshotArgs,
  [IMAGE]: {
    resourceGroupName: "g",
    storageProfile: {
      osDisk: { osType: "Linux", osState: "Generalized", snapshot: { id: "snap" }, diskEncryptionSet: { id: DES } },
      dataDisks: [{ lun: 0, snapshot: { id: "data" }, diskEncryptionSet: { id: DES } }],
    },
  } satisfies compute.ImageArgs,
  [VERSION]: {
    resourceGroupName: "g",
    galleryName: "gal",
    galleryImageName: "logos",
    storageProfile: { source: { id: "/subscriptions/s/images/i" } },
    publishingProfile: { targetRegions: [{ name: "westeurope", encryption: { osDiskImage: { diskEncryptionSetId: DES } } }] },
  } satisfies compute.GalleryImageVersionArgs,
};

describe(rule.name, () => {
  ruleTable(rule, passing, [
    {
      name: "a snapshot on the platform key",
      type: SNAPSHOT,
      change: (r) => delete r.encryption,
      expect:
        "Snapshot 'subject': encryption.diskEncryptionSetId is not set, so only the platform key is used; set it to the pool's disk encryption set.",
    },
    {
      name: "a snapshot typed for the platform key",
      type: SNAPSHOT,
      change: (r) => (r.encryption.type = "EncryptionAtRestWithPlatformKey"),
      expect: 'encryption.type is "EncryptionAtRestWithPlatformKey"',
    },
    {
      name: "an image OS disk on the platform key",
      type: IMAGE,
      change: (r) => delete r.storageProfile.osDisk.diskEncryptionSet,
      expect: "storageProfile.osDisk.diskEncryptionSet.id is not set",
    },
    {
      name: "an image data disk on the platform key",
      type: IMAGE,
      change: (r) => delete r.storageProfile.dataDisks[0].diskEncryptionSet,
      expect: "storageProfile.dataDisks[0].diskEncryptionSet.id is not set",
    },
    {
      name: "a gallery region without encryption",
      type: VERSION,
      change: (r) => delete r.publishingProfile.targetRegions[0].encryption,
      expect: "publishingProfile.targetRegions[0].encryption.osDiskImage.diskEncryptionSetId is not set",
    },
    {
      name: "a gallery version with no target region",
      type: VERSION,
      change: (r) => delete r.publishingProfile,
      expect: "publishingProfile.targetRegions[].encryption is not set",
    },
    {
      name: "an unknown encryption set",
      type: SNAPSHOT,
      change: (r) => (r.encryption.diskEncryptionSetId = UNKNOWN),
      expect: "diskEncryptionSetId is unknown",
    },
  ]);

  it("accepts the platform key when requireCmek is off", () => {
    expect(messages(rule, SNAPSHOT, { creationData: { createOption: "Copy" } }, { requireCmek: false })).toEqual([]);
  });
});
