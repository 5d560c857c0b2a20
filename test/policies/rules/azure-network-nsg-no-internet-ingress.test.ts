import { describe, expect, it } from "vitest";
import { azureNetworkNsgNoInternetIngress as rule } from "../../../policies/rules/azure-network-nsg-no-internet-ingress";
import { messages, OPERATOR_CIDRS, UNKNOWN, variant, type FailingCase, type Inputs } from "../harness";

const NSG = "azure-native:network:NetworkSecurityGroup";
const RULE = "azure-native:network:SecurityRule";
const settings = { operatorCidrs: OPERATOR_CIDRS };
const sshFromBastion = {
  name: "allow-ssh-from-bastion",
  access: "Allow",
  direction: "Inbound",
  protocol: "Tcp",
  priority: 100,
  sourceAddressPrefix: "10.40.192.4/32",
  sourcePortRange: "*",
  destinationAddressPrefix: "*",
  destinationPortRange: "22",
};
const denyAll = {
  ...sshFromBastion,
  name: "deny-all",
  access: "Deny",
  protocol: "*",
  priority: 4096,
  sourceAddressPrefix: "*",
  destinationPortRange: "*",
};

const passing: Record<string, Inputs> = {
  [NSG]: { resourceGroupName: "rg", securityRules: [sshFromBastion, denyAll], tags: { "logos-role": "network" } },
  [RULE]: { ...sshFromBastion, resourceGroupName: "rg", networkSecurityGroupName: "nsg" },
};
const bastionNsg: Inputs = {
  resourceGroupName: "rg",
  securityRules: [{ ...sshFromBastion, sourceAddressPrefix: undefined, sourceAddressPrefixes: ["203.0.113.0/24"] }, denyAll],
  tags: { "logos-role": "bastion" },
};

describe(rule.name, () => {
  it.each(Object.keys(passing))("passes a compliant %s", (type) => {
    expect(messages(rule, type, passing[type]!, settings)).toEqual([]);
  });

  it("passes the bastion NSG open to operatorCidrs", () => {
    expect(messages(rule, NSG, bastionNsg, settings)).toEqual([]);
  });

  it.each([["VirtualNetwork"], ["AzureLoadBalancer"], ["10.0.0.0/8"]])("passes a node rule from %s", (source) => {
    expect(
      messages(
        rule,
        RULE,
        variant(passing[RULE]!, (r) => (r.sourceAddressPrefix = source)),
        settings,
      ),
    ).toEqual([]);
  });

  it("ignores outbound rules", () => {
    const outbound = variant(passing[RULE]!, (r) => ((r.direction = "Outbound"), (r.sourceAddressPrefix = "*")));
    expect(messages(rule, RULE, outbound, settings)).toEqual([]);
  });

  const failing: FailingCase[] = [];
  for (const source of ["*", "0.0.0.0/0", "0.0.0.0", "Internet", "internet", "Any", "::/0", "10.0.0.0/0"]) {
    failing.push({
      name: `inline rule from "${source}"`,
      type: NSG,
      change: (r) => (r.securityRules[0].sourceAddressPrefix = source),
      expect: `securityRules[0] (allow-ssh-from-bastion).sourceAddressPrefix "${source}" (tcp 22) admits the whole internet`,
    });
    failing.push({
      name: `standalone rule from "${source}" in sourceAddressPrefixes`,
      type: RULE,
      change: (r) => ((r.sourceAddressPrefix = undefined), (r.sourceAddressPrefixes = ["10.1.0.0/16", source])),
      expect: `rule.sourceAddressPrefixes "${source}" (tcp 22) admits the whole internet`,
    });
  }
  failing.push(
    {
      name: "all ports from the internet",
      type: RULE,
      change: (r) => ((r.sourceAddressPrefix = "Internet"), (r.protocol = "*"), (r.destinationPortRange = "*")),
      expect: `"Internet" (all protocols and ports) admits the whole internet`,
    },
    {
      name: "a public service tag",
      type: RULE,
      change: (r) => (r.sourceAddressPrefix = "AzureCloud"),
      expect: '"AzureCloud" (tcp 22) is a service tag that admits public addresses',
    },
    {
      name: "a public network outside operatorCidrs",
      type: RULE,
      change: (r) => (r.sourceAddressPrefix = "40.1.2.0/24"),
      expect: '"40.1.2.0/24" (tcp 22) is public and outside operatorCidrs',
    },
    {
      name: "lower-case inbound allow",
      type: RULE,
      change: (r) => ((r.access = "allow"), (r.direction = "inbound"), (r.sourceAddressPrefix = "*")),
      expect: "admits the whole internet",
    },
    {
      name: "unknown source",
      type: RULE,
      change: (r) => (r.sourceAddressPrefix = UNKNOWN),
      expect: "RULE 'subject': sourceAddressPrefix is unknown".replace("RULE", "SecurityRule"),
    },
    {
      name: "unknown access",
      type: NSG,
      change: (r) => (r.securityRules[0].access = UNKNOWN),
      expect: "securityRules[0].access is unknown",
    },
    { name: "unknown rule list", type: NSG, change: (r) => (r.securityRules = UNKNOWN), expect: "securityRules is unknown" },
  );
  it.each(failing)("rejects $name", ({ type, change, expect: fragment }) => {
    expect(messages(rule, type, variant(passing[type]!, change), settings).join("\n")).toContain(fragment);
  });

  const bastionCases: FailingCase[] = [
    {
      name: "bastion open outside operatorCidrs",
      type: NSG,
      change: (r) => (r.securityRules[0].sourceAddressPrefixes = ["198.51.100.0/24"]),
      expect: `"198.51.100.0/24" (tcp 22) is outside operatorCidrs (203.0.113.0/24); admit only ranges from the stack's logos-compute:operatorCidrs, each /16 or narrower.`,
    },
    {
      name: "bastion open to VirtualNetwork",
      type: NSG,
      change: (r) => (r.securityRules[0].sourceAddressPrefixes = ["VirtualNetwork"]),
      expect: "is not a CIDR inside operatorCidrs",
    },
    {
      name: "bastion open to the internet",
      type: NSG,
      change: (r) => (r.securityRules[0].sourceAddressPrefixes = ["Internet"]),
      expect: "admits the whole internet",
    },
  ];
  it.each(bastionCases)("rejects $name", ({ type, change, expect: fragment }) => {
    expect(messages(rule, type, variant(bastionNsg, change), settings).join("\n")).toContain(fragment);
  });
});
