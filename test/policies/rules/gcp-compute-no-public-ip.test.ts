import { describe, expect, it } from "vitest";
import { gcpComputeNoPublicIp as rule } from "../../../policies/rules/gcp-compute-no-public-ip";
import { messages, UNKNOWN, variant, type FailingCase, type Inputs } from "../harness";

const INSTANCE = "gcp:compute/instance:Instance";
const TEMPLATE = "gcp:compute/instanceTemplate:InstanceTemplate";
const REGION_TEMPLATE = "gcp:compute/regionInstanceTemplate:RegionInstanceTemplate";
const machine = { labels: { "logos-role": "core" }, networkInterfaces: [{ subnetwork: "nodes", networkIp: "10.40.0.4" }] };
const passing: Record<string, Inputs> = { [INSTANCE]: machine, [TEMPLATE]: machine, [REGION_TEMPLATE]: machine };

describe(rule.name, () => {
  it.each(Object.keys(passing))("passes a compliant %s", (type) => {
    expect(messages(rule, type, passing[type]!)).toEqual([]);
  });

  it.each(Object.keys(passing))("exempts a %s labelled as the bastion", (type) => {
    const bastion = variant(
      passing[type]!,
      (r) => ((r.labels = { "logos-role": "bastion" }), (r.networkInterfaces[0].accessConfigs = [{ natIp: UNKNOWN }])),
    );
    expect(messages(rule, type, bastion)).toEqual([]);
  });

  const failing: FailingCase[] = [];
  for (const type of Object.keys(passing)) {
    failing.push(
      {
        name: `${type} with an external IPv4`,
        type,
        change: (r) => (r.networkInterfaces[0].accessConfigs = [{}]),
        expect:
          "networkInterfaces[0].accessConfigs gives it an external IP; remove accessConfigs (only the bastion, labelled logos-role=bastion, may be public).",
      },
      {
        name: `${type} with an external IPv6`,
        type,
        change: (r) => (r.networkInterfaces[0].ipv6AccessConfigs = [{ networkTier: "PREMIUM" }]),
        expect: "networkInterfaces[0].ipv6AccessConfigs gives it an external IP",
      },
      {
        name: `${type} with unknown access configs`,
        type,
        change: (r) => (r.networkInterfaces[0].accessConfigs = UNKNOWN),
        expect: "networkInterfaces[0].accessConfigs is unknown",
      },
      {
        name: `${type} with an unknown role label`,
        type,
        change: (r) => (r.labels["logos-role"] = UNKNOWN),
        expect: "labels.logos-role is unknown",
      },
    );
  }
  it.each(failing)("rejects $name", ({ type, change, expect: fragment }) => {
    expect(messages(rule, type, variant(passing[type]!, change)).join("\n")).toContain(fragment);
  });
});
