import type * as aws from "@pulumi/aws";
import { describe, expect, it } from "vitest";
import { awsSqsQueueEncrypted as rule } from "../../../policies/rules/aws-sqs-queue-encrypted";
import { messages, ruleTable, UNKNOWN } from "../harness";

const QUEUE = "aws:sqs/queue:Queue";
const passing = { kmsMasterKeyId: "arn:aws:kms:us-east-1:123456789012:alias/logos" } satisfies aws.sqs.QueueArgs;

describe(rule.name, () => {
  ruleTable(rule, { [QUEUE]: passing }, [
    {
      name: "no key at all",
      type: QUEUE,
      change: (r) => delete r.kmsMasterKeyId,
      expect: "Queue 'subject': kmsMasterKeyId is not set; set it to a customer-managed KMS key.",
    },
    {
      name: "the AWS-managed SQS key",
      type: QUEUE,
      change: (r) => (r.kmsMasterKeyId = "alias/aws/sqs"),
      expect: 'kmsMasterKeyId is "alias/aws/sqs"',
    },
    {
      name: "SQS-managed keys only",
      type: QUEUE,
      change: (r) => ((r.sqsManagedSseEnabled = true), delete r.kmsMasterKeyId),
      expect: "kmsMasterKeyId is not set",
    },
    { name: "an unknown key", type: QUEUE, change: (r) => (r.kmsMasterKeyId = UNKNOWN), expect: "kmsMasterKeyId is unknown" },
  ]);

  it("with requireCmek off, accepts SQS-managed keys and still refuses a plain queue", () => {
    expect(messages(rule, QUEUE, { sqsManagedSseEnabled: true }, { requireCmek: false })).toEqual([]);
    expect(messages(rule, QUEUE, { sqsManagedSseEnabled: false }, { requireCmek: false })).toEqual([
      "Queue 'subject': neither kmsMasterKeyId nor sqsManagedSseEnabled is set; encrypt the queue at rest.",
    ]);
  });
});
