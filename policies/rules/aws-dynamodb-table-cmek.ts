import * as dynamodb from "@pulumi/aws/dynamodb";
import { check, defineRule } from "../lib/rule";

export const awsDynamodbTableCmek = defineRule({
  name: "aws-dynamodb-table-cmek",
  cloud: "aws",
  severity: "high",
  enforcementLevel: "mandatory",
  description:
    "When requireCmek is on, DynamoDB tables are encrypted with a customer-managed KMS key rather than an " +
    "AWS-owned or AWS-managed one.",
  remediation: "Set serverSideEncryption: { enabled: true, kmsKeyArn: <the pool's KMS key ARN> }.",
  configKeys: ["requireCmek"],
  validateResource: [
    check(dynamodb.Table, (table, ctx) => {
      if (!ctx.settings.requireCmek) return;
      const sse = table.serverSideEncryption;
      if (sse?.enabled !== true) {
        ctx.report(
          `${ctx.label}: serverSideEncryption.enabled is ${String(sse?.enabled)}, so an AWS-owned key is used; enable it with kmsKeyArn.`,
        );
      } else if (!sse.kmsKeyArn) {
        ctx.report(`${ctx.label}: serverSideEncryption has no kmsKeyArn, so the AWS-managed key is used; set a customer-managed key.`);
      }
    }),
  ],
});
