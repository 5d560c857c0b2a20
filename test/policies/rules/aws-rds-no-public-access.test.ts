import type * as aws from "@pulumi/aws";
import { describe } from "vitest";
import { awsRdsNoPublicAccess as rule } from "../../../policies/rules/aws-rds-no-public-access";
import { ruleTable, UNKNOWN } from "../harness";

const INSTANCE = "aws:rds/instance:Instance";
const CLUSTER_INSTANCE = "aws:rds/clusterInstance:ClusterInstance";
const REDSHIFT = "aws:redshift/cluster:Cluster";
const instance = { instanceClass: "db.t4g.micro", engine: "postgres", publiclyAccessible: false } satisfies aws.rds.InstanceArgs;
const clusterInstance = {
  clusterIdentifier: "c",
  instanceClass: "db.r7g.large",
  engine: "aurora-postgresql",
} satisfies aws.rds.ClusterInstanceArgs;
const redshift = { clusterIdentifier: "w", nodeType: "ra3.xlplus", publiclyAccessible: false } satisfies aws.redshift.ClusterArgs;

describe(rule.name, () => {
  ruleTable(rule, { [INSTANCE]: instance, [CLUSTER_INSTANCE]: clusterInstance, [REDSHIFT]: redshift }, [
    {
      name: "a publicly accessible RDS instance",
      type: INSTANCE,
      change: (r) => (r.publiclyAccessible = true),
      expect:
        "Instance 'subject': publiclyAccessible is true, so the database gets a public address and its port faces the internet; " +
        "set it to false and keep it in private subnets.",
    },
    {
      name: "a publicly accessible Aurora instance",
      type: CLUSTER_INSTANCE,
      change: (r) => (r.publiclyAccessible = true),
      expect: "publiclyAccessible is true",
    },
    {
      name: "a publicly accessible Redshift cluster",
      type: REDSHIFT,
      change: (r) => (r.publiclyAccessible = true),
      expect: "publiclyAccessible is true",
    },
    {
      name: "an unknown accessibility",
      type: INSTANCE,
      change: (r) => (r.publiclyAccessible = UNKNOWN),
      expect: "publiclyAccessible is unknown",
    },
  ]);
});
