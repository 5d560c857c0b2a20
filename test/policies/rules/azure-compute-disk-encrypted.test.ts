import { describe, expect, it } from "vitest";
import { azureComputeDiskEncrypted as rule } from "../../../policies/rules/azure-compute-disk-encrypted";
import { messages, UNKNOWN, variant, type FailingCase } from "../harness";

const DISK = "azure-native:compute:Disk";
const passing = {
  resourceGroupName: "rg",
  creationData: { createOption: "Empty" },
  encryption: {
    diskEncryptionSetId: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/diskEncryptionSets/des",
    type: "EncryptionAtRestWithCustomerKey",
  },
};

describe(rule.name, () => {
  it("passes a disk encrypted through a disk encryption set", () => {
    expect(messages(rule, DISK, passing)).toEqual([]);
  });

  it("accepts platform keys when requireCmek is off", () => {
    expect(
      messages(
        rule,
        DISK,
        variant(passing, (r) => delete r.encryption),
        { requireCmek: false },
      ),
    ).toEqual([]);
  });

  const failing: FailingCase[] = [
    {
      name: "no encryption block",
      type: DISK,
      change: (r) => delete r.encryption,
      expect:
        "Disk 'subject': encryption.diskEncryptionSetId is not set, so only the platform key is used; set it to the pool's disk encryption set.",
    },
    {
      name: "platform key type",
      type: DISK,
      change: (r) => (r.encryption = { type: "EncryptionAtRestWithPlatformKey" }),
      expect: "encryption.diskEncryptionSetId is not set",
    },
    {
      name: "a set with the platform key type",
      type: DISK,
      change: (r) => (r.encryption.type = "EncryptionAtRestWithPlatformKey"),
      expect: 'encryption.type is "EncryptionAtRestWithPlatformKey"',
    },
    {
      name: "unknown set",
      type: DISK,
      change: (r) => (r.encryption.diskEncryptionSetId = UNKNOWN),
      expect: "encryption.diskEncryptionSetId is unknown",
    },
  ];
  it.each(failing)("rejects $name", ({ type, change, expect: fragment }) => {
    expect(messages(rule, type, variant(passing, change)).join("\n")).toContain(fragment);
  });
});
