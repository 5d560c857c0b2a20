import * as elasticache from "@pulumi/aws/elasticache";
import * as memorydb from "@pulumi/aws/memorydb";
import { check, defineRule, type CheckContext } from "../lib/rule";

function customerKey(ctx: CheckContext, field: string, key: string | undefined): void {
  if (ctx.settings.requireCmek && !key) {
    ctx.report(`${ctx.label}: no ${field}, so AWS's default key is used; set ${field} to a customer-managed KMS key.`);
  }
}

export const awsElasticacheEncrypted = defineRule({
  name: "aws-elasticache-encrypted",
  cloud: "aws",
  severity: "high",
  enforcementLevel: "mandatory",
  description:
    "Caches that keep data on disk (Redis/Valkey replication groups and their snapshots, serverless caches, " +
    "MemoryDB) encrypt it at rest, with a customer-managed KMS key when requireCmek is on; a standalone Redis/Valkey " +
    "cluster, which cannot encrypt at rest, is refused. Memcached keeps data in memory only.",
  remediation:
    "Use an aws.elasticache.ReplicationGroup with atRestEncryptionEnabled: true and kmsKeyId; set kmsKeyId on " +
    "serverless caches and kmsKeyArn on MemoryDB clusters.",
  configKeys: ["requireCmek"],
  validateResource: [
    check(elasticache.ReplicationGroup, (group, ctx) => {
      if (group.atRestEncryptionEnabled !== true) {
        ctx.report(`${ctx.label}: atRestEncryptionEnabled is ${String(group.atRestEncryptionEnabled)}; set it to true with kmsKeyId.`);
      } else {
        customerKey(ctx, "kmsKeyId", group.kmsKeyId);
      }
    }),
    check(elasticache.Cluster, (cluster, ctx) => {
      // A member of a replication group takes the group's encryption (checked there).
      if (cluster.replicationGroupId) return;
      if (cluster.engine === "memcached") return;
      ctx.report(
        `${ctx.label}: a standalone ${String(cluster.engine ?? "redis")} cluster cannot encrypt its data or snapshots at rest; ` +
          "use an aws.elasticache.ReplicationGroup with atRestEncryptionEnabled: true.",
      );
    }),
    check(elasticache.ServerlessCache, (cache, ctx) => customerKey(ctx, "kmsKeyId", cache.kmsKeyId)),
    check(memorydb.Cluster, (cluster, ctx) => customerKey(ctx, "kmsKeyArn", cluster.kmsKeyArn)),
  ],
});
