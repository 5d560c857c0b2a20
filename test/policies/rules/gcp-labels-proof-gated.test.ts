import { describe, expect, it } from "vitest";
import { gcpLabelsProofGated as rule } from "../../../policies/rules/gcp-labels-proof-gated";
import { messages, UNKNOWN, variant, type FailingCase, type Inputs } from "../harness";

const INSTANCE = "gcp:compute/instance:Instance";
const TEMPLATE = "gcp:compute/instanceTemplate:InstanceTemplate";
const REGION_TEMPLATE = "gcp:compute/regionInstanceTemplate:RegionInstanceTemplate";
const DISK = "gcp:compute/disk:Disk";
const REGION_DISK = "gcp:compute/regionDisk:RegionDisk";
const BUCKET = "gcp:storage/bucket:Bucket";
const labels = { env: "pool", "logos-proof-gated": "true" };
const machine = { labels, tags: ["logos-proof-gated", "logos-node"] };

const passing: Record<string, Inputs> = {
  [INSTANCE]: machine,
  [TEMPLATE]: machine,
  [REGION_TEMPLATE]: machine,
  [DISK]: { labels },
  [REGION_DISK]: { labels },
  [BUCKET]: { location: "US", labels },
};

describe(rule.name, () => {
  it.each(Object.keys(passing))("passes a compliant %s", (type) => {
    expect(messages(rule, type, passing[type]!)).toEqual([]);
  });

  const failing: FailingCase[] = [];
  for (const type of Object.keys(passing)) {
    failing.push(
      {
        name: `${type} without the label`,
        type,
        change: (r) => (r.labels = { env: "pool" }),
        expect: "labels lack logos-proof-gated; add logos-proof-gated=true.",
      },
      { name: `${type} with no labels`, type, change: (r) => delete r.labels, expect: "has no labels; add logos-proof-gated=true" },
      {
        name: `${type} with the wrong value`,
        type,
        change: (r) => (r.labels = { "logos-proof-gated": "no" }),
        expect: 'labels.logos-proof-gated is "no"',
      },
      {
        name: `${type} with an unknown label`,
        type,
        change: (r) => (r.labels = { "logos-proof-gated": UNKNOWN }),
        expect: "labels.logos-proof-gated is unknown",
      },
    );
  }
  for (const type of [INSTANCE, TEMPLATE, REGION_TEMPLATE]) {
    failing.push({
      name: `${type} without the network tag`,
      type,
      change: (r) => (r.tags = ["logos-node"]),
      expect: 'network tags lack "logos-proof-gated"; add it to tags.',
    });
  }
  it.each(failing)("rejects $name", ({ type, change, expect: fragment }) => {
    expect(messages(rule, type, variant(passing[type]!, change)).join("\n")).toContain(fragment);
  });
});
