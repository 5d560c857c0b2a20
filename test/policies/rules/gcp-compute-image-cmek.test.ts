import type * as gcp from "@pulumi/gcp";
import { describe } from "vitest";
import { gcpComputeImageCmek as rule } from "../../../policies/rules/gcp-compute-image-cmek";
import { ruleTable, UNKNOWN } from "../harness";

const KEY = "projects/p/locations/us-central1/keyRings/r/cryptoKeys/k";
const SNAPSHOT = "gcp:compute/snapshot:Snapshot";
const IMAGE = "gcp:compute/image:Image";
const MACHINE_IMAGE = "gcp:compute/machineImage:MachineImage";
const passing = {
  [SNAPSHOT]: { sourceDisk: "d", snapshotEncryptionKey: { kmsKeySelfLink: KEY } } satisfies gcp.compute.SnapshotArgs,
  [IMAGE]: { sourceDisk: "d", imageEncryptionKey: { kmsKeySelfLink: KEY } } satisfies gcp.compute.ImageArgs,
  [MACHINE_IMAGE]: { sourceInstance: "i", machineImageEncryptionKey: { kmsKeyName: KEY } } satisfies gcp.compute.MachineImageArgs,
};

describe(rule.name, () => {
  ruleTable(rule, passing, [
    {
      name: "a snapshot on Google's key",
      type: SNAPSHOT,
      change: (r) => delete r.snapshotEncryptionKey,
      expect:
        "Snapshot 'subject': no snapshotEncryptionKey.kmsKeySelfLink, so Google's default key is used; set it to the pool's Cloud KMS key.",
    },
    {
      name: "an image on Google's key",
      type: IMAGE,
      change: (r) => delete r.imageEncryptionKey,
      expect: "no imageEncryptionKey.kmsKeySelfLink",
    },
    {
      name: "a machine image on Google's key",
      type: MACHINE_IMAGE,
      change: (r) => delete r.machineImageEncryptionKey,
      expect: "no machineImageEncryptionKey.kmsKeyName",
    },
    {
      name: "an unknown key",
      type: SNAPSHOT,
      change: (r) => (r.snapshotEncryptionKey.kmsKeySelfLink = UNKNOWN),
      expect: "kmsKeySelfLink is unknown",
    },
  ]);
});
