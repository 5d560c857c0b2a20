import * as alloydb from "@pulumi/gcp/alloydb";
import * as sql from "@pulumi/gcp/sql";
import { check, defineRule } from "../lib/rule";

export const gcpSqlInstanceCmek = defineRule({
  name: "gcp-sql-instance-cmek",
  cloud: "gcp",
  severity: "high",
  enforcementLevel: "mandatory",
  description:
    "When requireCmek is on, managed databases are encrypted with a Cloud KMS key: Cloud SQL instances " +
    "(encryptionKeyName) and AlloyDB clusters (encryptionConfig.kmsKeyName).",
  remediation: "Set encryptionKeyName (Cloud SQL) or encryptionConfig.kmsKeyName (AlloyDB) to the pool's Cloud KMS key.",
  configKeys: ["requireCmek"],
  validateResource: [
    check(sql.DatabaseInstance, (instance, ctx) => {
      if (ctx.settings.requireCmek && !instance.encryptionKeyName) {
        ctx.report(`${ctx.label}: no encryptionKeyName, so Google's default key is used; set it to the pool's Cloud KMS key.`);
      }
    }),
    check(alloydb.Cluster, (cluster, ctx) => {
      if (ctx.settings.requireCmek && !cluster.encryptionConfig?.kmsKeyName) {
        ctx.report(`${ctx.label}: no encryptionConfig.kmsKeyName, so Google's default key is used; set it to the pool's Cloud KMS key.`);
      }
    }),
  ],
});
