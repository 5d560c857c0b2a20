import type * as gcp from "@pulumi/gcp";
import { describe } from "vitest";
import { gcpRedisInstanceCmek as rule } from "../../../policies/rules/gcp-redis-instance-cmek";
import { ruleTable, UNKNOWN } from "../harness";

const KEY = "projects/p/locations/us-central1/keyRings/r/cryptoKeys/k";
const INSTANCE = "gcp:redis/instance:Instance";
const CLUSTER = "gcp:redis/cluster:Cluster";
const passing = {
  [INSTANCE]: { memorySizeGb: 1, customerManagedKey: KEY } satisfies gcp.redis.InstanceArgs,
  [CLUSTER]: { shardCount: 3, kmsKey: KEY } satisfies gcp.redis.ClusterArgs,
};

describe(rule.name, () => {
  ruleTable(rule, passing, [
    {
      name: "an instance on Google's key",
      type: INSTANCE,
      change: (r) => delete r.customerManagedKey,
      expect: "Instance 'subject': no customerManagedKey, so Google's default key is used; set it to the pool's Cloud KMS key.",
    },
    { name: "a cluster on Google's key", type: CLUSTER, change: (r) => delete r.kmsKey, expect: "no kmsKey" },
    { name: "an unknown key", type: INSTANCE, change: (r) => (r.customerManagedKey = UNKNOWN), expect: "customerManagedKey is unknown" },
  ]);
});
