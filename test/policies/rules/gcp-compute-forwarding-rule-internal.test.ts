import type * as gcp from "@pulumi/gcp";
import { describe, expect, it } from "vitest";
import { gcpComputeForwardingRuleInternal as rule } from "../../../policies/rules/gcp-compute-forwarding-rule-internal";
import { messages, ruleTable, UNKNOWN } from "../harness";

const RULE = "gcp:compute/forwardingRule:ForwardingRule";
const GLOBAL = "gcp:compute/globalForwardingRule:GlobalForwardingRule";
const passing = {
  [RULE]: {
    loadBalancingScheme: "INTERNAL",
    backendService: "bs",
    network: "net",
    subnetwork: "sub",
    ports: ["443"],
  } satisfies gcp.compute.ForwardingRuleArgs,
  [GLOBAL]: {
    loadBalancingScheme: "INTERNAL_SELF_MANAGED",
    target: "proxy",
    network: "net",
    portRange: "443",
  } satisfies gcp.compute.GlobalForwardingRuleArgs,
};

describe(rule.name, () => {
  ruleTable(rule, passing, [
    {
      name: "the EXTERNAL default",
      type: RULE,
      change: (r) => delete r.loadBalancingScheme,
      expect:
        "ForwardingRule 'subject': loadBalancingScheme is not set (EXTERNAL), so its ports face the internet; use an internal " +
        'scheme ("INTERNAL" or "INTERNAL_MANAGED") and reach it from the pool network.',
    },
    {
      name: "an external managed load balancer",
      type: RULE,
      change: (r) => (r.loadBalancingScheme = "EXTERNAL_MANAGED"),
      expect: 'loadBalancingScheme is "EXTERNAL_MANAGED"',
    },
    {
      name: "a global external load balancer",
      type: GLOBAL,
      change: (r) => (r.loadBalancingScheme = "EXTERNAL"),
      expect: 'loadBalancingScheme is "EXTERNAL"',
    },
    {
      name: "an empty scheme without a network",
      type: RULE,
      change: (r) => ((r.loadBalancingScheme = ""), delete r.network),
      expect: 'loadBalancingScheme is ""',
    },
    { name: "an unknown scheme", type: GLOBAL, change: (r) => (r.loadBalancingScheme = UNKNOWN), expect: "loadBalancingScheme is unknown" },
  ]);

  it("passes a Private Service Connect endpoint (empty scheme in a network)", () => {
    expect(messages(rule, RULE, { loadBalancingScheme: "", target: "all-apis", network: "net", ipAddress: "10.0.0.5" })).toEqual([]);
  });
});
