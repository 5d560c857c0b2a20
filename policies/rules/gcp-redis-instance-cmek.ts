import * as redis from "@pulumi/gcp/redis";
import { check, defineRule } from "../lib/rule";

export const gcpRedisInstanceCmek = defineRule({
  name: "gcp-redis-instance-cmek",
  cloud: "gcp",
  severity: "high",
  enforcementLevel: "mandatory",
  description:
    "When requireCmek is on, Memorystore for Redis instances and clusters, which persist data (RDB/AOF snapshots), " +
    "are encrypted with a Cloud KMS key.",
  remediation: "Set customerManagedKey (instances) or kmsKey (clusters) to the pool's Cloud KMS key.",
  configKeys: ["requireCmek"],
  validateResource: [
    check(redis.Instance, (instance, ctx) => {
      if (ctx.settings.requireCmek && !instance.customerManagedKey) {
        ctx.report(`${ctx.label}: no customerManagedKey, so Google's default key is used; set it to the pool's Cloud KMS key.`);
      }
    }),
    check(redis.Cluster, (cluster, ctx) => {
      if (ctx.settings.requireCmek && !cluster.kmsKey) {
        ctx.report(`${ctx.label}: no kmsKey, so Google's default key is used; set it to the pool's Cloud KMS key.`);
      }
    }),
  ],
});
