import { describe, expect, it } from "vitest";
import { gcpComputeDiskCmek as rule } from "../../../policies/rules/gcp-compute-disk-cmek";
import { messages, UNKNOWN, variant, type FailingCase, type Inputs } from "../harness";

const DISK = "gcp:compute/disk:Disk";
const REGION_DISK = "gcp:compute/regionDisk:RegionDisk";
const INSTANCE = "gcp:compute/instance:Instance";
const TEMPLATE = "gcp:compute/instanceTemplate:InstanceTemplate";
const REGION_TEMPLATE = "gcp:compute/regionInstanceTemplate:RegionInstanceTemplate";
const KEY = "projects/p/locations/us-central1/keyRings/r/cryptoKeys/k";
const templateDisks = {
  disks: [
    { boot: true, sourceImage: "ubuntu", diskEncryptionKey: { kmsKeySelfLink: KEY } },
    { type: "SCRATCH", interface: "NVME" },
  ],
};

const passing: Record<string, Inputs> = {
  [DISK]: { size: 50, diskEncryptionKey: { kmsKeySelfLink: KEY } },
  [REGION_DISK]: { size: 50, replicaZones: ["a", "b"], diskEncryptionKey: { kmsKeyName: KEY } },
  [INSTANCE]: {
    bootDisk: { initializeParams: { image: "ubuntu" }, kmsKeySelfLink: KEY },
    attachedDisks: [{ source: "projects/p/zones/a/disks/state" }],
  },
  [TEMPLATE]: templateDisks,
  [REGION_TEMPLATE]: templateDisks,
};

describe(rule.name, () => {
  it.each(Object.keys(passing))("passes a compliant %s", (type) => {
    expect(messages(rule, type, passing[type]!)).toEqual([]);
  });

  it("accepts a boot disk made from an existing (separately checked) disk", () => {
    expect(messages(rule, INSTANCE, { bootDisk: { source: "projects/p/zones/a/disks/boot" } })).toEqual([]);
  });

  it.each(Object.keys(passing))("accepts Google-managed keys on %s when requireCmek is off", (type) => {
    expect(messages(rule, type, { bootDisk: {}, disks: [{}] }, { requireCmek: false })).toEqual([]);
  });

  const failing: FailingCase[] = [
    {
      name: "disk without a key",
      type: DISK,
      change: (r) => delete r.diskEncryptionKey,
      expect:
        "Disk 'subject': the disk has no diskEncryptionKey.kmsKeySelfLink, so Google's default key is used; set it to the pool's Cloud KMS key.",
    },
    {
      name: "disk with a raw (customer-supplied) key",
      type: DISK,
      change: (r) => (r.diskEncryptionKey = { rawKey: "[secret]" }),
      expect: "no diskEncryptionKey.kmsKeySelfLink",
    },
    {
      name: "disk with an unknown key",
      type: DISK,
      change: (r) => (r.diskEncryptionKey.kmsKeySelfLink = UNKNOWN),
      expect: "diskEncryptionKey.kmsKeySelfLink is unknown",
    },
    {
      name: "regional disk without a key",
      type: REGION_DISK,
      change: (r) => delete r.diskEncryptionKey,
      expect: "no diskEncryptionKey.kmsKeyName",
    },
    {
      name: "instance boot disk without a key",
      type: INSTANCE,
      change: (r) => delete r.bootDisk.kmsKeySelfLink,
      expect: "bootDisk has no kmsKeySelfLink",
    },
    {
      name: "instance boot disk key unknown",
      type: INSTANCE,
      change: (r) => (r.bootDisk.kmsKeySelfLink = UNKNOWN),
      expect: "bootDisk.kmsKeySelfLink is unknown",
    },
    {
      name: "template disk without a key",
      type: TEMPLATE,
      change: (r) => delete r.disks[0].diskEncryptionKey,
      expect: "disks[0] has no diskEncryptionKey.kmsKeySelfLink",
    },
    {
      name: "template disk key unknown",
      type: TEMPLATE,
      change: (r) => (r.disks[0].diskEncryptionKey = UNKNOWN),
      expect: "disks[0].diskEncryptionKey is unknown",
    },
    {
      name: "regional template disk without a key",
      type: REGION_TEMPLATE,
      change: (r) => delete r.disks[0].diskEncryptionKey,
      expect: "disks[0] has no diskEncryptionKey.kmsKeySelfLink",
    },
  ];
  it.each(failing)("rejects $name", ({ type, change, expect: fragment }) => {
    expect(messages(rule, type, variant(passing[type]!, change)).join("\n")).toContain(fragment);
  });
});
