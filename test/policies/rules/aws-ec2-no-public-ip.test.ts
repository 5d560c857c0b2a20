import { describe, expect, it } from "vitest";
import { awsEc2NoPublicIp as rule } from "../../../policies/rules/aws-ec2-no-public-ip";
import { messages, UNKNOWN, variant, type FailingCase, type Inputs } from "../harness";

const INSTANCE = "aws:ec2/instance:Instance";
const TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";
const SUBNET = "aws:ec2/subnet:Subnet";
const EIP = "aws:ec2/eip:Eip";

const passing: Record<string, Inputs> = {
  [INSTANCE]: { ami: "ami-1", instanceType: "c7i.2xlarge", associatePublicIpAddress: false, tags: { "logos-role": "core" } },
  [TEMPLATE]: { imageId: "ami-1", networkInterfaces: [{ associatePublicIpAddress: "false", deviceIndex: 0 }], tags: {} },
  [SUBNET]: { vpcId: "vpc-1", cidrBlock: "10.0.0.0/20", mapPublicIpOnLaunch: false, tags: {} },
  [EIP]: { domain: "vpc", tags: { "logos-role": "nat" } },
};

describe(rule.name, () => {
  it.each(Object.keys(passing))("passes a compliant %s", (type) => {
    expect(messages(rule, type, passing[type]!)).toEqual([]);
  });

  it.each([INSTANCE, TEMPLATE, SUBNET, EIP])("exempts a %s tagged as the bastion", (type) => {
    const publicBastion = variant(passing[type]!, (r) => {
      r.tags = { "logos-role": "bastion" };
      r.associatePublicIpAddress = true;
      r.mapPublicIpOnLaunch = true;
      r.instance = "i-bastion";
      if (r.networkInterfaces) r.networkInterfaces[0].associatePublicIpAddress = "true";
    });
    expect(messages(rule, type, publicBastion)).toEqual([]);
  });

  const failing: FailingCase[] = [
    {
      name: "instance with a public IP",
      type: INSTANCE,
      change: (r) => (r.associatePublicIpAddress = true),
      expect: "Instance 'subject': associatePublicIpAddress is true; set it to false (only logos-role=bastion may be public).",
    },
    {
      name: "instance with an unknown public IP flag",
      type: INSTANCE,
      change: (r) => (r.associatePublicIpAddress = UNKNOWN),
      expect: "associatePublicIpAddress is unknown",
    },
    {
      name: "instance with an unknown bastion tag",
      type: INSTANCE,
      change: (r) => ((r.associatePublicIpAddress = true), (r.tags["logos-role"] = UNKNOWN)),
      expect: "tags.logos-role is unknown",
    },
    {
      name: "template interface with a public IP",
      type: TEMPLATE,
      change: (r) => (r.networkInterfaces[0].associatePublicIpAddress = "true"),
      expect: 'networkInterfaces[0].associatePublicIpAddress is "true"',
    },
    {
      name: "template interface with an unknown flag",
      type: TEMPLATE,
      change: (r) => (r.networkInterfaces[0].associatePublicIpAddress = UNKNOWN),
      expect: "networkInterfaces[0].associatePublicIpAddress is unknown",
    },
    {
      name: "subnet mapping public IPs",
      type: SUBNET,
      change: (r) => (r.mapPublicIpOnLaunch = true),
      expect: "mapPublicIpOnLaunch is true",
    },
    {
      name: "subnet with an unknown mapping",
      type: SUBNET,
      change: (r) => (r.mapPublicIpOnLaunch = UNKNOWN),
      expect: "mapPublicIpOnLaunch is unknown",
    },
    {
      name: "elastic IP on a node",
      type: EIP,
      change: (r) => (r.instance = "i-core-0"),
      expect: "Eip 'subject': instance attaches this public address to a node; remove it (only logos-role=bastion may be public).",
    },
    {
      name: "elastic IP on a node's interface",
      type: EIP,
      change: (r) => (r.networkInterface = "eni-1"),
      expect: "networkInterface attaches this public address to a node",
    },
    {
      name: "elastic IP on a node not created yet",
      type: EIP,
      change: (r) => (r.instance = UNKNOWN),
      expect: "instance attaches this public address to a node",
    },
    {
      name: "elastic IP with an unknown bastion tag",
      type: EIP,
      change: (r) => ((r.instance = "i-1"), (r.tags["logos-role"] = UNKNOWN)),
      expect: "tags.logos-role is unknown",
    },
  ];
  it.each(failing)("rejects $name", ({ type, change, expect: fragment }) => {
    expect(messages(rule, type, variant(passing[type]!, change)).join("\n")).toContain(fragment);
  });

  it("does not read the bastion's own attachment, which is often unknown at preview", () => {
    expect(messages(rule, EIP, { domain: "vpc", instance: UNKNOWN, tags: { "logos-role": "bastion" } })).toEqual([]);
    expect(messages(rule, INSTANCE, { associatePublicIpAddress: UNKNOWN, tags: { "logos-role": "bastion" } })).toEqual([]);
  });

  it("uses the configured bastion tag", () => {
    const publicJump = variant(passing[INSTANCE]!, (r) => ((r.associatePublicIpAddress = true), (r.tags = { tier: "jump" })));
    expect(messages(rule, INSTANCE, publicJump)).toHaveLength(1);
    expect(messages(rule, INSTANCE, publicJump, { bastionTag: { key: "tier", value: "jump" } })).toEqual([]);
  });
});

describe(`${rule.name}: Elastic IP associations`, () => {
  const ASSOCIATION = "aws:ec2/eipAssociation:EipAssociation";

  it("refuses any association, which carries no tag to exempt the bastion by", () => {
    expect(messages(rule, ASSOCIATION, { allocationId: "eipalloc-1", instanceId: "i-1" })).toEqual([
      "EipAssociation 'subject': associates a public address through instanceId; an association cannot carry logos-role=bastion, " +
        "so attach the bastion's address with the Eip's instance argument and give nodes none.",
    ]);
    expect(messages(rule, ASSOCIATION, { allocationId: "eipalloc-1", networkInterfaceId: UNKNOWN })).toEqual([
      expect.stringContaining("associates a public address through networkInterfaceId"),
    ]);
  });

  it("passes when no association exists: the pool's own plan has none", () => {
    expect(messages(rule, EIP, { domain: "vpc", instance: "i-bastion", tags: { "logos-role": "bastion" } })).toEqual([]);
  });
});
