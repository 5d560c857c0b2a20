import { describe, expect, it } from "vitest";
import { awsEc2DisksEncrypted as rule } from "../../../policies/rules/aws-ec2-disks-encrypted";
import { messages, UNKNOWN, variant, type FailingCase, type Inputs } from "../harness";

const INSTANCE = "aws:ec2/instance:Instance";
const TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";
const KEY = "arn:aws:kms:us-east-1:123456789012:key/1";

const passing: Record<string, Inputs> = {
  [INSTANCE]: {
    ami: "ami-1",
    rootBlockDevice: { encrypted: true, kmsKeyId: KEY, volumeSize: 30 },
    ebsBlockDevices: [{ deviceName: "/dev/sdf", encrypted: true, kmsKeyId: KEY }],
  },
  [TEMPLATE]: {
    imageId: "ami-1",
    blockDeviceMappings: [
      { deviceName: "/dev/sda1", ebs: { encrypted: "true", kmsKeyId: KEY, volumeSize: 30 } },
      { deviceName: "/dev/sdb", virtualName: "ephemeral0" },
    ],
  },
};

describe(rule.name, () => {
  it.each(Object.keys(passing))("passes a compliant %s", (type) => {
    expect(messages(rule, type, passing[type]!)).toEqual([]);
  });

  const failing: FailingCase[] = [
    {
      name: "instance root device unencrypted",
      type: INSTANCE,
      change: (r) => (r.rootBlockDevice.encrypted = false),
      expect: "Instance 'subject': rootBlockDevice.encrypted is false; set it to true with kmsKeyId.",
    },
    {
      name: "instance root device without a customer key",
      type: INSTANCE,
      change: (r) => delete r.rootBlockDevice.kmsKeyId,
      expect: "rootBlockDevice has no kmsKeyId",
    },
    {
      name: "instance with no root device declared",
      type: INSTANCE,
      change: (r) => delete r.rootBlockDevice,
      expect: "no rootBlockDevice, so the root volume follows the AMI",
    },
    {
      name: "instance EBS device unencrypted",
      type: INSTANCE,
      change: (r) => (r.ebsBlockDevices[0].encrypted = false),
      expect: "ebsBlockDevices[0].encrypted is false",
    },
    {
      name: "instance EBS device without a customer key",
      type: INSTANCE,
      change: (r) => delete r.ebsBlockDevices[0].kmsKeyId,
      expect: "ebsBlockDevices[0] has no kmsKeyId",
    },
    {
      name: "instance root encryption unknown",
      type: INSTANCE,
      change: (r) => (r.rootBlockDevice.encrypted = UNKNOWN),
      expect: "rootBlockDevice.encrypted is unknown",
    },
    {
      name: "template mapping unencrypted",
      type: TEMPLATE,
      change: (r) => (r.blockDeviceMappings[0].ebs.encrypted = "false"),
      expect: "blockDeviceMappings[0].ebs.encrypted is false",
    },
    {
      name: "template mapping without a customer key",
      type: TEMPLATE,
      change: (r) => delete r.blockDeviceMappings[0].ebs.kmsKeyId,
      expect: "blockDeviceMappings[0].ebs has no kmsKeyId",
    },
    {
      name: "template with no EBS mapping",
      type: TEMPLATE,
      change: (r) => r.blockDeviceMappings.splice(0, 1),
      expect: "no EBS blockDeviceMappings",
    },
    {
      name: "template key unknown",
      type: TEMPLATE,
      change: (r) => (r.blockDeviceMappings[0].ebs.kmsKeyId = UNKNOWN),
      expect: "blockDeviceMappings[0].ebs.kmsKeyId is unknown",
    },
  ];
  it.each(failing)("rejects $name", ({ type, change, expect: fragment }) => {
    expect(messages(rule, type, variant(passing[type]!, change)).join("\n")).toContain(fragment);
  });

  it("accepts AWS-managed keys when requireCmek is off", () => {
    const noKey = variant(passing[INSTANCE]!, (r) => (delete r.rootBlockDevice.kmsKeyId, delete r.ebsBlockDevices[0].kmsKeyId));
    expect(messages(rule, INSTANCE, noKey, { requireCmek: false })).toEqual([]);
  });
});
