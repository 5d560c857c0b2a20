import * as redis from "@pulumi/azure-native/redis";
import { check, defineRule } from "../lib/rule";

export const azureRedisCachePrivate = defineRule({
  name: "azure-redis-cache-private",
  cloud: "azure",
  severity: "critical",
  enforcementLevel: "mandatory",
  description:
    "Azure Cache for Redis is not reachable from the internet (public network access disabled, or injected into a " +
    "subnet) and never opens its non-TLS port.",
  remediation: 'Set publicNetworkAccess: "Disabled" with a private endpoint (or subnetId), and leave enableNonSslPort false.',
  configKeys: [],
  validateResource: [
    check(redis.Redis, (cache, ctx) => {
      if (!cache.subnetId && cache.publicNetworkAccess !== "Disabled") {
        ctx.report(
          `${ctx.label}: publicNetworkAccess is ${String(cache.publicNetworkAccess)} (the default is Enabled), so the cache's ` +
            'port faces the internet; set it to "Disabled" and use a private endpoint.',
        );
      }
      if (cache.enableNonSslPort === true)
        ctx.report(`${ctx.label}: enableNonSslPort is true, opening plain-text port 6379; set it to false.`);
    }),
  ],
});
