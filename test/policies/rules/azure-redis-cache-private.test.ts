import type * as redis from "@pulumi/azure-native/redis";
import { describe, expect, it } from "vitest";
import { azureRedisCachePrivate as rule } from "../../../policies/rules/azure-redis-cache-private";
import { messages, ruleTable, UNKNOWN } from "../harness";

const REDIS = "azure-native:redis:Redis";
const passing = {
  resourceGroupName: "g",
  sku: { name: "Premium", family: "P", capacity: 1 },
  publicNetworkAccess: "Disabled",
  enableNonSslPort: false,
  minimumTlsVersion: "1.2",
} satisfies redis.RedisArgs;

describe(rule.name, () => {
  ruleTable(rule, { [REDIS]: passing }, [
    {
      name: "public network access left on",
      type: REDIS,
      change: (r) => delete r.publicNetworkAccess,
      expect:
        "Redis 'subject': publicNetworkAccess is undefined (the default is Enabled), so the cache's port faces the internet; set it " +
        'to "Disabled" and use a private endpoint.',
    },
    {
      name: "the plain-text port",
      type: REDIS,
      change: (r) => (r.enableNonSslPort = true),
      expect: "enableNonSslPort is true, opening plain-text port 6379",
    },
    {
      name: "an unknown access flag",
      type: REDIS,
      change: (r) => (r.publicNetworkAccess = UNKNOWN),
      expect: "publicNetworkAccess is unknown",
    },
  ]);

  it("passes a cache injected into a subnet", () => {
    expect(messages(rule, REDIS, { ...passing, publicNetworkAccess: undefined, subnetId: "/subscriptions/s/subnets/cache" })).toEqual([]);
  });
});
