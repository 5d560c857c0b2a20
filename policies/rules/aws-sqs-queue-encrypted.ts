import * as sqs from "@pulumi/aws/sqs";
import { check, defineRule } from "../lib/rule";

/** The AWS-managed SQS key: encryption, but not under a key the pool controls. */
const AWS_MANAGED_KEY = "alias/aws/sqs";

export const awsSqsQueueEncrypted = defineRule({
  name: "aws-sqs-queue-encrypted",
  cloud: "aws",
  severity: "high",
  enforcementLevel: "mandatory",
  description:
    "SQS queues, which hold messages for up to 14 days, encrypt them at rest: with a customer-managed KMS key when " +
    "requireCmek is on, otherwise at least with SQS-managed keys.",
  remediation: "Set kmsMasterKeyId to the pool's KMS key (or, with requireCmek off, sqsManagedSseEnabled: true).",
  configKeys: ["requireCmek"],
  validateResource: [
    check(sqs.Queue, (queue, ctx) => {
      const key = queue.kmsMasterKeyId;
      if (ctx.settings.requireCmek) {
        if (!key || key === AWS_MANAGED_KEY) {
          ctx.report(`${ctx.label}: kmsMasterKeyId is ${key ? `"${key}"` : "not set"}; set it to a customer-managed KMS key.`);
        }
      } else if (!key && queue.sqsManagedSseEnabled !== true) {
        ctx.report(`${ctx.label}: neither kmsMasterKeyId nor sqsManagedSseEnabled is set; encrypt the queue at rest.`);
      }
    }),
  ],
});
