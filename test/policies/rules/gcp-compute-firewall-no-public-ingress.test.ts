import { describe, expect, it } from "vitest";
import { gcpComputeFirewallNoPublicIngress as rule } from "../../../policies/rules/gcp-compute-firewall-no-public-ingress";
import { messages, OPERATOR_CIDRS, UNKNOWN, variant, type FailingCase, type Inputs } from "../harness";

const FIREWALL = "gcp:compute/firewall:Firewall";
const POLICY_RULE = "gcp:compute/firewallPolicyRule:FirewallPolicyRule";
const NETWORK_POLICY_RULE = "gcp:compute/networkFirewallPolicyRule:NetworkFirewallPolicyRule";
const REGION_POLICY_RULE = "gcp:compute/regionNetworkFirewallPolicyRule:RegionNetworkFirewallPolicyRule";
const POLICY_WITH_RULES = "gcp:compute/firewallPolicyWithRules:FirewallPolicyWithRules";
const NETWORK_POLICY_WITH_RULES = "gcp:compute/networkFirewallPolicyWithRules:NetworkFirewallPolicyWithRules";
const REGION_POLICY_WITH_RULES = "gcp:compute/regionNetworkFirewallPolicyWithRules:RegionNetworkFirewallPolicyWithRules";
const settings = { operatorCidrs: OPERATOR_CIDRS };

const policyRule = {
  action: "allow",
  direction: "INGRESS",
  priority: 1000,
  firewallPolicy: "policy",
  match: { srcIpRanges: ["10.40.0.0/16"], layer4Configs: [{ ipProtocol: "tcp", ports: ["22"] }] },
};
const passing: Record<string, Inputs> = {
  [FIREWALL]: { network: "net", direction: "INGRESS", allows: [{ protocol: "tcp", ports: ["22"] }], sourceRanges: ["10.40.192.0/20"] },
  [POLICY_RULE]: policyRule,
  [NETWORK_POLICY_RULE]: policyRule,
  [REGION_POLICY_RULE]: policyRule,
  [POLICY_WITH_RULES]: { parent: "organizations/1", shortName: "p", rules: [policyRule] },
  [NETWORK_POLICY_WITH_RULES]: { rules: [policyRule] },
  [REGION_POLICY_WITH_RULES]: { region: "us-central1", rules: [policyRule] },
};
const bastionFirewall: Inputs = {
  network: "net",
  allows: [{ protocol: "tcp", ports: ["22"] }],
  sourceRanges: ["203.0.113.0/24"],
  targetTags: ["logos-role-bastion"],
};

describe(rule.name, () => {
  it.each(Object.keys(passing))("passes a compliant %s", (type) => {
    expect(messages(rule, type, passing[type]!, settings)).toEqual([]);
  });

  it("passes the bastion firewall open to operatorCidrs", () => {
    expect(messages(rule, FIREWALL, bastionFirewall, settings)).toEqual([]);
  });

  it.each([
    ["a deny rule from anywhere", (r: Inputs) => ((r.allows = []), (r.denies = [{ protocol: "all" }]), (r.sourceRanges = ["0.0.0.0/0"]))],
    ["an egress rule", (r: Inputs) => ((r.direction = "EGRESS"), (r.sourceRanges = undefined), (r.destinationRanges = ["0.0.0.0/0"]))],
    ["a disabled rule", (r: Inputs) => ((r.disabled = true), (r.sourceRanges = ["0.0.0.0/0"]))],
    ["a rule sourced from tags only", (r: Inputs) => ((r.sourceRanges = undefined), (r.sourceTags = ["logos-bastion"]))],
  ])("ignores %s", (_name, change) => {
    expect(messages(rule, FIREWALL, variant(passing[FIREWALL]!, change), settings)).toEqual([]);
  });

  const failing: FailingCase[] = [
    {
      name: "firewall 22 from 0.0.0.0/0",
      type: FIREWALL,
      change: (r) => (r.sourceRanges = ["0.0.0.0/0"]),
      expect:
        "Firewall 'subject': sourceRanges source 0.0.0.0/0 (tcp 22) admits the whole internet; admit only private ranges or source tags, and reach nodes through the bastion.",
    },
    {
      name: "firewall all protocols from ::/0",
      type: FIREWALL,
      change: (r) => ((r.allows = [{ protocol: "all" }]), (r.sourceRanges = ["::/0"])),
      expect: "source ::/0 (all protocols and ports) admits the whole internet",
    },
    {
      name: "firewall with no source at all",
      type: FIREWALL,
      change: (r) => delete r.sourceRanges,
      expect: "source (none, so 0.0.0.0/0) (tcp 22) admits the whole internet",
    },
    {
      name: "firewall with direction defaulted to INGRESS",
      type: FIREWALL,
      change: (r) => ((r.direction = undefined), (r.sourceRanges = ["0.0.0.0/0"])),
      expect: "admits the whole internet",
    },
    {
      name: "firewall from a public network outside operatorCidrs",
      type: FIREWALL,
      change: (r) => (r.sourceRanges = ["35.1.0.0/24"]),
      expect: "35.1.0.0/24 (tcp 22) is public and outside operatorCidrs",
    },
    { name: "firewall unknown source", type: FIREWALL, change: (r) => (r.sourceRanges = [UNKNOWN]), expect: "sourceRanges[0] is unknown" },
    { name: "firewall unknown direction", type: FIREWALL, change: (r) => (r.direction = UNKNOWN), expect: "direction is unknown" },
    {
      name: "policy rule from 0.0.0.0/0",
      type: POLICY_RULE,
      change: (r) => (r.match.srcIpRanges = ["0.0.0.0/0"]),
      expect: "rule.match.srcIpRanges source 0.0.0.0/0 (tcp 22) admits the whole internet",
    },
    {
      name: "policy rule from a region",
      type: POLICY_RULE,
      change: (r) => (r.match.srcRegionCodes = ["US"]),
      expect: "rule.match.srcRegionCodes source US (tcp 22) selects internet hosts",
    },
    {
      name: "policy rule from FQDNs",
      type: POLICY_RULE,
      change: (r) => (r.match.srcFqdns = ["example.com"]),
      expect: "srcFqdns source example.com",
    },
    {
      name: "policy rule from the internet scope",
      type: POLICY_RULE,
      change: (r) => (r.match.srcNetworkScope = "INTERNET"),
      expect: "srcNetworkScope source INTERNET",
    },
    { name: "policy rule with unknown action", type: POLICY_RULE, change: (r) => (r.action = UNKNOWN), expect: "action is unknown" },
    {
      name: "network policy rule from ::/0",
      type: NETWORK_POLICY_RULE,
      change: (r) => (r.match.srcIpRanges = ["::/0"]),
      expect: "source ::/0",
    },
    {
      name: "regional policy rule from 0.0.0.0/0",
      type: REGION_POLICY_RULE,
      change: (r) => (r.match.srcIpRanges = ["0.0.0.0/0"]),
      expect: "source 0.0.0.0/0",
    },
    {
      name: "policy-with-rules from 0.0.0.0/0",
      type: POLICY_WITH_RULES,
      change: (r) => (r.rules[0].match.srcIpRanges = ["0.0.0.0/0"]),
      expect: "rules[0].match.srcIpRanges source 0.0.0.0/0",
    },
    {
      name: "network policy-with-rules from threat lists",
      type: NETWORK_POLICY_WITH_RULES,
      change: (r) => (r.rules[0].match.srcThreatIntelligences = ["iplist-tor-exit-nodes"]),
      expect: "srcThreatIntelligences",
    },
    {
      name: "regional policy-with-rules unknown source",
      type: REGION_POLICY_WITH_RULES,
      change: (r) => (r.rules[0].match.srcIpRanges = [UNKNOWN]),
      expect: "rules[0].match.srcIpRanges[0] is unknown",
    },
  ];
  it.each(failing)("rejects $name", ({ type, change, expect: fragment }) => {
    expect(messages(rule, type, variant(passing[type]!, change), settings).join("\n")).toContain(fragment);
  });

  const bastionCases: FailingCase[] = [
    {
      name: "bastion firewall outside operatorCidrs",
      type: FIREWALL,
      change: (r) => (r.sourceRanges = ["198.51.100.0/24"]),
      expect:
        "198.51.100.0/24 (tcp 22) is outside operatorCidrs (203.0.113.0/24); admit only ranges from the stack's logos-compute:operatorCidrs, each /16 or narrower.",
    },
    {
      name: "bastion firewall from a private range",
      type: FIREWALL,
      change: (r) => (r.sourceRanges = ["10.40.0.0/16"]),
      expect: "10.40.0.0/16 (tcp 22) is outside operatorCidrs",
    },
    {
      name: "bastion firewall wider than the limit",
      type: FIREWALL,
      change: (r) => (r.sourceRanges = ["203.0.0.0/8"]),
      expect: "is wider than the allowed /16",
    },
  ];
  it.each(bastionCases)("rejects $name", ({ type, change, expect: fragment }) => {
    expect(messages(rule, type, variant(bastionFirewall, change), settings).join("\n")).toContain(fragment);
  });
});
