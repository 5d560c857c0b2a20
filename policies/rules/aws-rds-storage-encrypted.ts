import * as docdb from "@pulumi/aws/docdb";
import * as neptune from "@pulumi/aws/neptune";
import * as rds from "@pulumi/aws/rds";
import * as redshift from "@pulumi/aws/redshift";
import { check, defineRule, type CheckContext } from "../lib/rule";

function assess(ctx: CheckContext, encrypted: unknown, keyField: string, key: string | undefined, flag = "storageEncrypted"): void {
  if (encrypted !== true && encrypted !== "true") {
    ctx.report(`${ctx.label}: ${flag} is ${String(encrypted)}; set ${flag}: true with ${keyField}.`);
  } else if (ctx.settings.requireCmek && !key) {
    ctx.report(`${ctx.label}: no ${keyField}, so AWS's default key is used; set ${keyField} to a customer-managed KMS key.`);
  }
}

export const awsRdsStorageEncrypted = defineRule({
  name: "aws-rds-storage-encrypted",
  cloud: "aws",
  severity: "high",
  enforcementLevel: "mandatory",
  description:
    "Managed databases encrypt their storage, with a customer-managed KMS key when requireCmek is on: RDS " +
    "instances, Aurora and global clusters, DocumentDB, Neptune and Redshift clusters.",
  remediation:
    "Set storageEncrypted: true (Redshift: encrypted) and kmsKeyId (Neptune: kmsKeyArn) to the pool's KMS key; a " +
    "global cluster made from an existing cluster inherits that cluster's encryption.",
  configKeys: ["requireCmek"],
  validateResource: [
    check(rds.Instance, (db, ctx) => assess(ctx, db.storageEncrypted, "kmsKeyId", db.kmsKeyId)),
    check(rds.Cluster, (db, ctx) => assess(ctx, db.storageEncrypted, "kmsKeyId", db.kmsKeyId)),
    check(rds.GlobalCluster, (db, ctx) => {
      // Built from an existing cluster, it takes that cluster's storage (checked as its own resource).
      if (db.sourceDbClusterIdentifier) return;
      if (db.storageEncrypted !== true) ctx.report(`${ctx.label}: storageEncrypted is ${String(db.storageEncrypted)}; set it to true.`);
    }),
    check(docdb.Cluster, (db, ctx) => assess(ctx, db.storageEncrypted, "kmsKeyId", db.kmsKeyId)),
    check(neptune.Cluster, (db, ctx) => assess(ctx, db.storageEncrypted, "kmsKeyArn", db.kmsKeyArn)),
    check(redshift.Cluster, (db, ctx) => assess(ctx, db.encrypted, "kmsKeyId", db.kmsKeyId, "encrypted")),
  ],
});
