import type * as aws from "@pulumi/aws";
import { describe, expect, it } from "vitest";
import { awsEfsFileSystemEncrypted as rule } from "../../../policies/rules/aws-efs-file-system-encrypted";
import { messages, ruleTable, UNKNOWN, variant } from "../harness";

const FS = "aws:efs/fileSystem:FileSystem";
const passing = { encrypted: true, kmsKeyId: "arn:aws:kms:us-east-1:123456789012:alias/logos" } satisfies aws.efs.FileSystemArgs;

describe(rule.name, () => {
  ruleTable(rule, { [FS]: passing }, [
    {
      name: "an unencrypted file system",
      type: FS,
      change: (r) => delete r.encrypted,
      expect: "FileSystem 'subject': encrypted is undefined; set encrypted: true with kmsKeyId.",
    },
    { name: "AWS's default key", type: FS, change: (r) => delete r.kmsKeyId, expect: "no kmsKeyId, so AWS's default key is used" },
    { name: "an unknown key", type: FS, change: (r) => (r.kmsKeyId = UNKNOWN), expect: "kmsKeyId is unknown" },
  ]);

  it("accepts AWS's default key when requireCmek is off", () => {
    expect(
      messages(
        rule,
        FS,
        variant(passing, (r) => delete r.kmsKeyId),
        { requireCmek: false },
      ),
    ).toEqual([]);
  });
});
