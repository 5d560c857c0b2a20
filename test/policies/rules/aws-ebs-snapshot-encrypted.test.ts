import type * as aws from "@pulumi/aws";
import { describe } from "vitest";
import { awsEbsSnapshotEncrypted as rule } from "../../../policies/rules/aws-ebs-snapshot-encrypted";
import { ruleTable, UNKNOWN } from "../harness";

const KEY = "arn:aws:kms:us-east-1:123456789012:alias/logos";
const COPY = "aws:ebs/snapshotCopy:SnapshotCopy";
const IMPORT = "aws:ebs/snapshotImport:SnapshotImport";
const AMI_COPY = "aws:ec2/amiCopy:AmiCopy";
const AMI = "aws:ec2/ami:Ami";
const passing = {
  [COPY]: { sourceSnapshotId: "snap-1", sourceRegion: "us-east-1", encrypted: true, kmsKeyId: KEY } satisfies aws.ebs.SnapshotCopyArgs,
  [IMPORT]: {
    diskContainer: { format: "RAW", url: "s3://b/disk.raw" },
    encrypted: true,
    kmsKeyId: KEY,
  } satisfies aws.ebs.SnapshotImportArgs,
  [AMI_COPY]: { sourceAmiId: "ami-1", sourceAmiRegion: "us-east-1", encrypted: true, kmsKeyId: KEY } satisfies aws.ec2.AmiCopyArgs,
  [AMI]: { ebsBlockDevices: [{ deviceName: "/dev/sda1", snapshotId: "snap-1", encrypted: true }] } satisfies aws.ec2.AmiArgs,
};

describe(rule.name, () => {
  ruleTable(rule, passing, [
    {
      name: "an unencrypted snapshot copy",
      type: COPY,
      change: (r) => (r.encrypted = false),
      expect: "SnapshotCopy 'subject': encrypted is false; set encrypted: true with kmsKeyId.",
    },
    { name: "a snapshot copy on AWS's default key", type: COPY, change: (r) => delete r.kmsKeyId, expect: "no kmsKeyId" },
    { name: "an unencrypted import", type: IMPORT, change: (r) => delete r.encrypted, expect: "encrypted is undefined" },
    { name: "an AMI copy with an unknown key", type: AMI_COPY, change: (r) => (r.kmsKeyId = UNKNOWN), expect: "kmsKeyId is unknown" },
    { name: "an unencrypted AMI copy", type: AMI_COPY, change: (r) => (r.encrypted = false), expect: "encrypted is false" },
    {
      name: "an AMI from an unencrypted snapshot",
      type: AMI,
      change: (r) => (r.ebsBlockDevices[0].encrypted = false),
      expect: "Ami 'subject': ebsBlockDevices[0] (/dev/sda1) is not encrypted; register encrypted snapshots only.",
    },
  ]);
});
