import { describe, expect, it } from "vitest";
import { gcpStorageBucketCmek as rule } from "../../../policies/rules/gcp-storage-bucket-cmek";
import { messages, UNKNOWN, variant, type FailingCase } from "../harness";

const BUCKET = "gcp:storage/bucket:Bucket";
const passing = { location: "US-CENTRAL1", encryption: { defaultKmsKeyName: "projects/p/locations/us-central1/keyRings/r/cryptoKeys/k" } };

describe(rule.name, () => {
  it("passes a bucket with a default KMS key", () => {
    expect(messages(rule, BUCKET, passing)).toEqual([]);
  });

  it("accepts Google-managed keys when requireCmek is off", () => {
    expect(messages(rule, BUCKET, { location: "US" }, { requireCmek: false })).toEqual([]);
  });

  const failing: FailingCase[] = [
    {
      name: "no encryption block",
      type: BUCKET,
      change: (r) => delete r.encryption,
      expect: "Bucket 'subject': encryption.defaultKmsKeyName is not set, so Google's default key is used; set it to a Cloud KMS key.",
    },
    {
      name: "empty key name",
      type: BUCKET,
      change: (r) => (r.encryption.defaultKmsKeyName = ""),
      expect: "encryption.defaultKmsKeyName is not set",
    },
    {
      name: "unknown key",
      type: BUCKET,
      change: (r) => (r.encryption.defaultKmsKeyName = UNKNOWN),
      expect: "encryption.defaultKmsKeyName is unknown",
    },
  ];
  it.each(failing)("rejects $name", ({ type, change, expect: fragment }) => {
    expect(messages(rule, type, variant(passing, change)).join("\n")).toContain(fragment);
  });
});
