import { describe, expect, it } from "vitest";
import { awsTaggingProofGated as rule } from "../../../policies/rules/aws-tagging-proof-gated";
import { messages, UNKNOWN, variant, type FailingCase, type Inputs } from "../harness";

const INSTANCE = "aws:ec2/instance:Instance";
const VOLUME = "aws:ebs/volume:Volume";
const BUCKET = "aws:s3/bucket:Bucket";
const BUCKET_V2 = "aws:s3/bucketV2:BucketV2";
const TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";
const GROUP = "aws:autoscaling/group:Group";
const tags = { Name: "x", "logos-proof-gated": "true" };

const passing: Record<string, Inputs> = {
  [INSTANCE]: { ami: "ami-1", tags },
  [VOLUME]: { availabilityZone: "us-east-1a", tags },
  [BUCKET]: { tags },
  [BUCKET_V2]: { tags },
  [TEMPLATE]: {
    tags,
    tagSpecifications: [
      { resourceType: "instance", tags },
      { resourceType: "volume", tags },
    ],
  },
  [GROUP]: { maxSize: 6, minSize: 0, tags: [{ key: "logos-proof-gated", value: "true", propagateAtLaunch: true }] },
};

describe(rule.name, () => {
  it.each(Object.keys(passing))("passes a compliant %s", (type) => {
    expect(messages(rule, type, passing[type]!)).toEqual([]);
  });

  const dropTag = (r: Inputs): void => void delete r.tags["logos-proof-gated"];
  const failing: FailingCase[] = [
    {
      name: "instance without the tag",
      type: INSTANCE,
      change: dropTag,
      expect: "Instance 'subject': tags lack logos-proof-gated; add logos-proof-gated=true.",
    },
    { name: "instance with no tags", type: INSTANCE, change: (r) => delete r.tags, expect: "has no tags; add logos-proof-gated=true" },
    {
      name: "instance with the wrong value",
      type: INSTANCE,
      change: (r) => (r.tags = { "logos-proof-gated": "false" }),
      expect: 'tags.logos-proof-gated is "false"',
    },
    {
      name: "instance with an unknown tag value",
      type: INSTANCE,
      change: (r) => (r.tags = { "logos-proof-gated": UNKNOWN }),
      expect: "tags.logos-proof-gated is unknown",
    },
    { name: "volume without the tag", type: VOLUME, change: dropTag, expect: "Volume 'subject': tags lack logos-proof-gated" },
    { name: "bucket without the tag", type: BUCKET, change: dropTag, expect: "Bucket 'subject': tags lack" },
    { name: "BucketV2 without the tag", type: BUCKET_V2, change: dropTag, expect: "BucketV2 'subject': tags lack" },
    {
      name: "template without the tag",
      type: TEMPLATE,
      change: (r) => (r.tags = { Name: "x" }),
      expect: "LaunchTemplate 'subject': tags lack",
    },
    {
      name: "template launching untagged instances",
      type: TEMPLATE,
      change: (r) => r.tagSpecifications.splice(0, 1),
      expect: 'no tagSpecifications entry for resourceType "instance"',
    },
    {
      name: "template launching volumes without the tag",
      type: TEMPLATE,
      change: (r) => (r.tagSpecifications[1].tags = { Name: "x" }),
      expect: "tagSpecifications[1].tags lack logos-proof-gated",
    },
    { name: "group without the tag", type: GROUP, change: (r) => (r.tags = []), expect: "Group 'subject': tags lack logos-proof-gated" },
    {
      name: "group not propagating the tag",
      type: GROUP,
      change: (r) => (r.tags[0].propagateAtLaunch = false),
      expect: "propagateAtLaunch false",
    },
  ];
  it.each(failing)("rejects $name", ({ type, change, expect: fragment }) => {
    expect(messages(rule, type, variant(passing[type]!, change)).join("\n")).toContain(fragment);
  });

  it("uses the configured tag", () => {
    const settings = { requiredTag: "cost-centre", requiredTagValue: "proofs" };
    expect(messages(rule, INSTANCE, passing[INSTANCE]!, settings).join("\n")).toContain("add cost-centre=proofs");
    expect(messages(rule, INSTANCE, { tags: { "cost-centre": "proofs" } }, settings)).toEqual([]);
  });
});
