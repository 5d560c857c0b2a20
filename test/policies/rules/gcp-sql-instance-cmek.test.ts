import type * as gcp from "@pulumi/gcp";
import { describe, expect, it } from "vitest";
import { gcpSqlInstanceCmek as rule } from "../../../policies/rules/gcp-sql-instance-cmek";
import { messages, ruleTable, UNKNOWN } from "../harness";

const KEY = "projects/p/locations/us-central1/keyRings/r/cryptoKeys/k";
const SQL = "gcp:sql/databaseInstance:DatabaseInstance";
const ALLOY = "gcp:alloydb/cluster:Cluster";
const passing = {
  [SQL]: {
    databaseVersion: "POSTGRES_16",
    encryptionKeyName: KEY,
    settings: { tier: "db-custom-2-7680" },
  } satisfies gcp.sql.DatabaseInstanceArgs,
  [ALLOY]: { clusterId: "c", location: "us-central1", encryptionConfig: { kmsKeyName: KEY } } satisfies gcp.alloydb.ClusterArgs,
};

describe(rule.name, () => {
  ruleTable(rule, passing, [
    {
      name: "Cloud SQL on Google's key",
      type: SQL,
      change: (r) => delete r.encryptionKeyName,
      expect: "DatabaseInstance 'subject': no encryptionKeyName, so Google's default key is used; set it to the pool's Cloud KMS key.",
    },
    { name: "an unknown key", type: SQL, change: (r) => (r.encryptionKeyName = UNKNOWN), expect: "encryptionKeyName is unknown" },
    { name: "AlloyDB on Google's key", type: ALLOY, change: (r) => delete r.encryptionConfig, expect: "no encryptionConfig.kmsKeyName" },
  ]);

  it("accepts Google's keys when requireCmek is off", () => {
    expect(messages(rule, SQL, { databaseVersion: "POSTGRES_16" }, { requireCmek: false })).toEqual([]);
  });
});
