import { describe, expect, it } from "vitest";
import { awsEc2SgNoPublicIngress as rule } from "../../../policies/rules/aws-ec2-sg-no-public-ingress";
import { messages, OPERATOR_CIDRS, UNKNOWN, variant, type FailingCase, type Inputs } from "../harness";

const SG = "aws:ec2/securityGroup:SecurityGroup";
const SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule";
const INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const settings = { operatorCidrs: OPERATOR_CIDRS };

const passing: Record<string, Inputs> = {
  [SG]: {
    vpcId: "vpc-1",
    ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["10.20.0.0/16"] }],
    tags: { Name: "nodes" },
  },
  [SG_RULE]: { type: "ingress", protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["10.20.1.0/24"], securityGroupId: "sg-1" },
  [INGRESS_RULE]: { ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "10.20.0.0/16", securityGroupId: "sg-1" },
};
const bastionSg: Inputs = {
  vpcId: "vpc-1",
  ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["203.0.113.0/24"] }],
  tags: { "logos-role": "bastion" },
};

describe(rule.name, () => {
  it.each(Object.keys(passing))("passes a compliant %s", (type) => {
    expect(messages(rule, type, passing[type]!, settings)).toEqual([]);
  });

  it("passes a node group reached from an operator network", () => {
    const fromOperators = variant(passing[SG]!, (r) => (r.ingress[0].cidrBlocks = ["203.0.113.9/32"]));
    expect(messages(rule, SG, fromOperators, settings)).toEqual([]);
  });

  it("passes a bastion group open to operatorCidrs only", () => {
    expect(messages(rule, SG, bastionSg, settings)).toEqual([]);
  });

  it("ignores egress-type SecurityGroupRules", () => {
    expect(
      messages(
        rule,
        SG_RULE,
        variant(passing[SG_RULE]!, (r) => ((r.type = "egress"), (r.cidrBlocks = ["0.0.0.0/0"]))),
        settings,
      ),
    ).toEqual([]);
  });

  const failing: FailingCase[] = [
    {
      name: "inline ingress 22 from 0.0.0.0/0",
      type: SG,
      change: (r) => (r.ingress[0].cidrBlocks = ["0.0.0.0/0"]),
      expect: "source 0.0.0.0/0 (tcp 22) admits the whole internet",
    },
    {
      name: "inline ingress all ports from ::/0",
      type: SG,
      change: (r) => (r.ingress[0] = { protocol: "-1", fromPort: 0, toPort: 0, ipv6CidrBlocks: ["::/0"] }),
      expect: "source ::/0 (all protocols and ports) admits the whole internet",
    },
    {
      name: "inline ingress from a public /8",
      type: SG,
      change: (r) => (r.ingress[0].cidrBlocks = ["52.0.0.0/8"]),
      expect: "52.0.0.0/8 (tcp 22) is wider than the allowed /16",
    },
    {
      name: "inline ingress from a public network outside operatorCidrs",
      type: SG,
      change: (r) => (r.ingress[0].cidrBlocks = ["52.1.2.0/24"]),
      expect: "52.1.2.0/24 (tcp 22) is public and outside operatorCidrs (203.0.113.0/24)",
    },
    {
      name: "inline ingress from two /1 halves",
      type: SG,
      change: (r) => (r.ingress[0].cidrBlocks = ["0.0.0.0/1", "128.0.0.0/1"]),
      expect: "128.0.0.0/1 (tcp 22) is wider",
    },
    {
      name: "unknown inline cidr",
      type: SG,
      change: (r) => (r.ingress[0].cidrBlocks = [UNKNOWN]),
      expect: "ingress[0].cidrBlocks[0] is unknown",
    },
    { name: "unknown ingress list", type: SG, change: (r) => (r.ingress = UNKNOWN), expect: "ingress is unknown" },
    {
      name: "rule ingress from 0.0.0.0/0",
      type: SG_RULE,
      change: (r) => (r.cidrBlocks = ["0.0.0.0/0"]),
      expect: "source 0.0.0.0/0 (tcp 22) admits the whole internet",
    },
    { name: "rule ingress from ::/0", type: SG_RULE, change: (r) => (r.ipv6CidrBlocks = ["::/0"]), expect: "source ::/0" },
    { name: "rule with unknown type", type: SG_RULE, change: (r) => (r.type = UNKNOWN), expect: "type is unknown" },
    {
      name: "vpc rule from 0.0.0.0/0, all ports",
      type: INGRESS_RULE,
      change: (r) => ((r.cidrIpv4 = "0.0.0.0/0"), (r.ipProtocol = "-1")),
      expect: "source 0.0.0.0/0 (all protocols and ports)",
    },
    { name: "vpc rule from ::/0", type: INGRESS_RULE, change: (r) => (r.cidrIpv6 = "::/0"), expect: "source ::/0" },
    { name: "vpc rule unknown cidr", type: INGRESS_RULE, change: (r) => (r.cidrIpv4 = UNKNOWN), expect: "cidrIpv4 is unknown" },
  ];
  it.each(failing)("rejects $name", ({ type, change, expect: fragment }) => {
    const found = messages(rule, type, variant(passing[type]!, change), settings);
    expect(found.join("\n")).toContain(fragment);
  });

  const bastionCases: FailingCase[] = [
    {
      name: "bastion open outside operatorCidrs",
      type: SG,
      change: (r) => (r.ingress[0].cidrBlocks = ["198.51.100.7/32"]),
      expect: "198.51.100.7/32 (tcp 22) is outside operatorCidrs (203.0.113.0/24)",
    },
    {
      name: "bastion open to a private range",
      type: SG,
      change: (r) => (r.ingress[0].cidrBlocks = ["10.0.0.0/8"]),
      expect: "10.0.0.0/8 (tcp 22) is wider than the allowed /16",
    },
    {
      name: "bastion with no operatorCidrs configured",
      type: SG,
      change: () => undefined,
      expect: "no operatorCidrs are configured",
      settings: { operatorCidrs: [] },
    },
    {
      name: "bastion wider than the configured prefix",
      type: SG,
      change: () => undefined,
      expect: "is wider than the allowed /28",
      settings: { operatorCidrs: OPERATOR_CIDRS, minSourcePrefixLength: 28 },
    },
    { name: "bastion tag unknown", type: SG, change: (r) => (r.tags["logos-role"] = UNKNOWN), expect: "tags.logos-role is unknown" },
  ];
  it.each(bastionCases)("rejects $name", ({ type, change, expect: fragment, settings: own }) => {
    const found = messages(rule, type, variant(bastionSg, change), own ?? settings);
    expect(found.join("\n")).toContain(fragment);
  });

  it("honours a configured bastion tag", () => {
    const custom = variant(bastionSg, (r) => (r.tags = { tier: "jump" }));
    expect(messages(rule, SG, custom, settings)).toEqual([]);
    const withTag = { ...settings, bastionTag: { key: "tier", value: "jump" } };
    expect(
      messages(
        rule,
        SG,
        variant(custom, (r) => (r.ingress[0].cidrBlocks = ["198.51.100.0/24"])),
        withTag,
      ),
    ).toHaveLength(1);
  });

  it("names the resource, the value and the fix", () => {
    const [message] = messages(
      rule,
      SG,
      variant(passing[SG]!, (r) => (r.ingress[0].cidrBlocks = ["0.0.0.0/0"])),
      settings,
    );
    expect(message).toBe(
      "SecurityGroup 'subject': ingress[0] source 0.0.0.0/0 (tcp 22) admits the whole internet; admit only private " +
        "ranges or security groups, and reach nodes through the bastion (logos-role=bastion).",
    );
  });
});
