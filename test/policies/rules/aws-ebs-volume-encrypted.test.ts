import { describe, expect, it } from "vitest";
import { awsEbsVolumeEncrypted as rule } from "../../../policies/rules/aws-ebs-volume-encrypted";
import { messages, UNKNOWN, variant, type FailingCase } from "../harness";

const VOLUME = "aws:ebs/volume:Volume";
const KEY = "arn:aws:kms:us-east-1:123456789012:key/1";
const passing = { availabilityZone: "us-east-1a", size: 50, encrypted: true, kmsKeyId: KEY };

describe(rule.name, () => {
  it("passes an encrypted volume with a customer key", () => {
    expect(messages(rule, VOLUME, passing)).toEqual([]);
  });

  it("accepts the default key when requireCmek is off", () => {
    expect(
      messages(
        rule,
        VOLUME,
        variant(passing, (r) => delete r.kmsKeyId),
        { requireCmek: false },
      ),
    ).toEqual([]);
  });

  const failing: FailingCase[] = [
    {
      name: "an unencrypted volume",
      type: VOLUME,
      change: (r) => (r.encrypted = false),
      expect: "Volume 'subject': encrypted is false; set encrypted: true with kmsKeyId.",
    },
    { name: "encryption left to the account default", type: VOLUME, change: (r) => delete r.encrypted, expect: "encrypted is undefined" },
    { name: "no customer key", type: VOLUME, change: (r) => delete r.kmsKeyId, expect: "no kmsKeyId, so AWS's default key is used" },
    { name: "unknown encryption flag", type: VOLUME, change: (r) => (r.encrypted = UNKNOWN), expect: "encrypted is unknown" },
    { name: "unknown key", type: VOLUME, change: (r) => (r.kmsKeyId = UNKNOWN), expect: "kmsKeyId is unknown" },
  ];
  it.each(failing)("rejects $name", ({ type, change, expect: fragment }) => {
    expect(messages(rule, type, variant(passing, change)).join("\n")).toContain(fragment);
  });
});
