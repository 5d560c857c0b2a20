import type * as aws from "@pulumi/aws";
import { describe, expect, it } from "vitest";
import { awsRdsStorageEncrypted as rule } from "../../../policies/rules/aws-rds-storage-encrypted";
import { messages, ruleTable, UNKNOWN, variant } from "../harness";

const KEY = "arn:aws:kms:us-east-1:123456789012:alias/logos";
const INSTANCE = "aws:rds/instance:Instance";
const CLUSTER = "aws:rds/cluster:Cluster";
const GLOBAL = "aws:rds/globalCluster:GlobalCluster";
const DOCDB = "aws:docdb/cluster:Cluster";
const NEPTUNE = "aws:neptune/cluster:Cluster";
const REDSHIFT = "aws:redshift/cluster:Cluster";
const passing = {
  [INSTANCE]: { instanceClass: "db.t4g.micro", engine: "postgres", storageEncrypted: true, kmsKeyId: KEY } satisfies aws.rds.InstanceArgs,
  [CLUSTER]: { engine: "aurora-postgresql", storageEncrypted: true, kmsKeyId: KEY } satisfies aws.rds.ClusterArgs,
  [GLOBAL]: { globalClusterIdentifier: "g", engine: "aurora-postgresql", storageEncrypted: true } satisfies aws.rds.GlobalClusterArgs,
  [DOCDB]: { storageEncrypted: true, kmsKeyId: KEY } satisfies aws.docdb.ClusterArgs,
  [NEPTUNE]: { storageEncrypted: true, kmsKeyArn: KEY } satisfies aws.neptune.ClusterArgs,
  [REDSHIFT]: { clusterIdentifier: "w", nodeType: "ra3.xlplus", encrypted: "true", kmsKeyId: KEY } satisfies aws.redshift.ClusterArgs,
};

describe(rule.name, () => {
  ruleTable(rule, passing, [
    {
      name: "an unencrypted RDS instance",
      type: INSTANCE,
      change: (r) => (r.storageEncrypted = false),
      expect: "Instance 'subject': storageEncrypted is false; set storageEncrypted: true with kmsKeyId.",
    },
    {
      name: "an RDS instance on AWS's default key",
      type: INSTANCE,
      change: (r) => delete r.kmsKeyId,
      expect: "Instance 'subject': no kmsKeyId, so AWS's default key is used; set kmsKeyId to a customer-managed KMS key.",
    },
    {
      name: "an Aurora cluster left unencrypted",
      type: CLUSTER,
      change: (r) => delete r.storageEncrypted,
      expect: "storageEncrypted is undefined",
    },
    { name: "an Aurora cluster with an unknown key", type: CLUSTER, change: (r) => (r.kmsKeyId = UNKNOWN), expect: "kmsKeyId is unknown" },
    {
      name: "a new global cluster unencrypted",
      type: GLOBAL,
      change: (r) => (r.storageEncrypted = false),
      expect: "storageEncrypted is false",
    },
    {
      name: "a DocumentDB cluster unencrypted",
      type: DOCDB,
      change: (r) => delete r.storageEncrypted,
      expect: "storageEncrypted is undefined",
    },
    { name: "a Neptune cluster without its key", type: NEPTUNE, change: (r) => delete r.kmsKeyArn, expect: "no kmsKeyArn" },
    {
      name: "an unencrypted Redshift cluster",
      type: REDSHIFT,
      change: (r) => (r.encrypted = "false"),
      expect: "encrypted is false; set encrypted: true",
    },
  ]);

  it("lets a global cluster made from an existing cluster inherit its encryption", () => {
    expect(
      messages(rule, GLOBAL, { globalClusterIdentifier: "g", sourceDbClusterIdentifier: "arn:aws:rds:us-east-1:1:cluster:c" }),
    ).toEqual([]);
  });

  it("accepts AWS's default key when requireCmek is off", () => {
    expect(
      messages(
        rule,
        INSTANCE,
        variant(passing[INSTANCE], (r) => delete r.kmsKeyId),
        { requireCmek: false },
      ),
    ).toEqual([]);
  });
});
