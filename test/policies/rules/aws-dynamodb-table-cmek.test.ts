import type * as aws from "@pulumi/aws";
import { describe, expect, it } from "vitest";
import { awsDynamodbTableCmek as rule } from "../../../policies/rules/aws-dynamodb-table-cmek";
import { messages, ruleTable, UNKNOWN } from "../harness";

const TABLE = "aws:dynamodb/table:Table";
const passing = {
  hashKey: "id",
  attributes: [{ name: "id", type: "S" }],
  serverSideEncryption: { enabled: true, kmsKeyArn: "arn:aws:kms:us-east-1:123456789012:alias/logos" },
} satisfies aws.dynamodb.TableArgs;

describe(rule.name, () => {
  ruleTable(rule, { [TABLE]: passing }, [
    {
      name: "the AWS-owned key",
      type: TABLE,
      change: (r) => delete r.serverSideEncryption,
      expect: "Table 'subject': serverSideEncryption.enabled is undefined, so an AWS-owned key is used; enable it with kmsKeyArn.",
    },
    { name: "the AWS-managed key", type: TABLE, change: (r) => delete r.serverSideEncryption.kmsKeyArn, expect: "no kmsKeyArn" },
    { name: "an unknown key", type: TABLE, change: (r) => (r.serverSideEncryption.kmsKeyArn = UNKNOWN), expect: "kmsKeyArn is unknown" },
  ]);

  it("accepts AWS's keys when requireCmek is off", () => {
    expect(messages(rule, TABLE, { hashKey: "id" }, { requireCmek: false })).toEqual([]);
  });
});
