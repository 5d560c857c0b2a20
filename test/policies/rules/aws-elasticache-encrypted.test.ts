import type * as aws from "@pulumi/aws";
import { describe, expect, it } from "vitest";
import { awsElasticacheEncrypted as rule } from "../../../policies/rules/aws-elasticache-encrypted";
import { messages, ruleTable, UNKNOWN } from "../harness";

const KEY = "arn:aws:kms:us-east-1:123456789012:alias/logos";
const GROUP = "aws:elasticache/replicationGroup:ReplicationGroup";
const CLUSTER = "aws:elasticache/cluster:Cluster";
const SERVERLESS = "aws:elasticache/serverlessCache:ServerlessCache";
const MEMORYDB = "aws:memorydb/cluster:Cluster";
const passing = {
  [GROUP]: {
    description: "cache",
    engine: "valkey",
    atRestEncryptionEnabled: true,
    kmsKeyId: KEY,
  } satisfies aws.elasticache.ReplicationGroupArgs,
  [CLUSTER]: { replicationGroupId: "cache" } satisfies aws.elasticache.ClusterArgs,
  [SERVERLESS]: { engine: "valkey", kmsKeyId: KEY } satisfies aws.elasticache.ServerlessCacheArgs,
  [MEMORYDB]: { aclName: "logos-acl", nodeType: "db.t4g.small", kmsKeyArn: KEY } satisfies aws.memorydb.ClusterArgs,
};

describe(rule.name, () => {
  ruleTable(rule, passing, [
    {
      name: "a replication group without encryption at rest",
      type: GROUP,
      change: (r) => delete r.atRestEncryptionEnabled,
      expect: "ReplicationGroup 'subject': atRestEncryptionEnabled is undefined; set it to true with kmsKeyId.",
    },
    { name: "a replication group on AWS's default key", type: GROUP, change: (r) => delete r.kmsKeyId, expect: "no kmsKeyId" },
    {
      name: "a standalone Redis cluster",
      type: CLUSTER,
      change: (r) => ((r.engine = "redis"), delete r.replicationGroupId),
      expect:
        "Cluster 'subject': a standalone redis cluster cannot encrypt its data or snapshots at rest; use an " +
        "aws.elasticache.ReplicationGroup with atRestEncryptionEnabled: true.",
    },
    {
      name: "a cluster of unknown engine",
      type: CLUSTER,
      change: (r) => ((r.engine = UNKNOWN), delete r.replicationGroupId),
      expect: "engine is unknown",
    },
    { name: "a serverless cache on AWS's default key", type: SERVERLESS, change: (r) => delete r.kmsKeyId, expect: "no kmsKeyId" },
    { name: "a MemoryDB cluster on AWS's default key", type: MEMORYDB, change: (r) => delete r.kmsKeyArn, expect: "no kmsKeyArn" },
    { name: "an unknown key", type: GROUP, change: (r) => (r.kmsKeyId = UNKNOWN), expect: "kmsKeyId is unknown" },
  ]);

  it("accepts memcached, which keeps data in memory only", () => {
    expect(messages(rule, CLUSTER, { engine: "memcached", nodeType: "cache.t4g.micro", numCacheNodes: 1 })).toEqual([]);
  });
});
