import * as rds from "@pulumi/aws/rds";
import * as redshift from "@pulumi/aws/redshift";
import { check, defineRule, type CheckContext } from "../lib/rule";

function assess(ctx: CheckContext, publiclyAccessible: boolean | undefined): void {
  if (publiclyAccessible === true) {
    ctx.report(
      `${ctx.label}: publiclyAccessible is true, so the database gets a public address and its port faces the internet; ` +
        "set it to false and keep it in private subnets.",
    );
  }
}

export const awsRdsNoPublicAccess = defineRule({
  name: "aws-rds-no-public-access",
  cloud: "aws",
  severity: "critical",
  enforcementLevel: "mandatory",
  description:
    "No managed database is publicly accessible: RDS instances, Aurora cluster instances and Redshift clusters keep " +
    "publiclyAccessible off.",
  remediation: "Set publiclyAccessible: false (its default) and place the database in private subnets.",
  configKeys: [],
  validateResource: [
    check(rds.Instance, (db, ctx) => assess(ctx, db.publiclyAccessible)),
    check(rds.ClusterInstance, (db, ctx) => assess(ctx, db.publiclyAccessible)),
    check(redshift.Cluster, (db, ctx) => assess(ctx, db.publiclyAccessible)),
  ],
});
