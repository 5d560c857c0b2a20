import { describe, expect, it } from "vitest";
import { awsS3BucketVersioning as rule } from "../../../policies/rules/aws-s3-bucket-versioning";
import { messages, UNKNOWN, variant, type FailingCase, type Inputs } from "../harness";

const VERSIONING = "aws:s3/bucketVersioning:BucketVersioning";
const VERSIONING_V2 = "aws:s3/bucketVersioningV2:BucketVersioningV2";
const BUCKET = "aws:s3/bucket:Bucket";
const BUCKET_V2 = "aws:s3/bucketV2:BucketV2";

const passing: Record<string, Inputs> = {
  [VERSIONING]: { bucket: "logs", versioningConfiguration: { status: "Enabled" } },
  [VERSIONING_V2]: { bucket: "logs", versioningConfiguration: { status: "Enabled" } },
  [BUCKET]: { versioning: { enabled: true } },
  [BUCKET_V2]: { versionings: [{ enabled: true }] },
};

describe(rule.name, () => {
  it.each(Object.keys(passing))("passes a compliant %s", (type) => {
    expect(messages(rule, type, passing[type]!)).toEqual([]);
  });

  const failing: FailingCase[] = [
    {
      name: "suspended versioning",
      type: VERSIONING,
      change: (r) => (r.versioningConfiguration.status = "Suspended"),
      expect: `BucketVersioning 'subject': versioningConfiguration.status is "Suspended"; set it to "Enabled".`,
    },
    {
      name: "unknown status",
      type: VERSIONING,
      change: (r) => (r.versioningConfiguration.status = UNKNOWN),
      expect: "versioningConfiguration.status is unknown",
    },
    {
      name: "V2 versioning disabled",
      type: VERSIONING_V2,
      change: (r) => (r.versioningConfiguration.status = "Disabled"),
      expect: '"Disabled"',
    },
    {
      name: "inline bucket versioning off",
      type: BUCKET,
      change: (r) => (r.versioning.enabled = false),
      expect: "versioning.enabled is false",
    },
    {
      name: "inline BucketV2 versioning off",
      type: BUCKET_V2,
      change: (r) => (r.versionings[0].enabled = false),
      expect: "versionings[0].enabled is false",
    },
  ];
  it.each(failing)("rejects $name", ({ type, change, expect: fragment }) => {
    expect(messages(rule, type, variant(passing[type]!, change)).join("\n")).toContain(fragment);
  });
});
