import type * as gcp from "@pulumi/gcp";
import { describe } from "vitest";
import { gcpSqlInstancePrivate as rule } from "../../../policies/rules/gcp-sql-instance-private";
import { ruleTable, UNKNOWN } from "../harness";

const SQL = "gcp:sql/databaseInstance:DatabaseInstance";
const ALLOY = "gcp:alloydb/instance:Instance";
const passing = {
  [SQL]: {
    databaseVersion: "POSTGRES_16",
    settings: { tier: "db-custom-2-7680", ipConfiguration: { ipv4Enabled: false, privateNetwork: "projects/p/global/networks/n" } },
  } satisfies gcp.sql.DatabaseInstanceArgs,
  [ALLOY]: {
    cluster: "c",
    instanceId: "i",
    instanceType: "PRIMARY",
    networkConfig: { enablePublicIp: false },
  } satisfies gcp.alloydb.InstanceArgs,
};

describe(rule.name, () => {
  ruleTable(rule, passing, [
    {
      name: "a Cloud SQL instance left on its public-IP default",
      type: SQL,
      change: (r) => delete r.settings.ipConfiguration,
      expect:
        "DatabaseInstance 'subject': settings.ipConfiguration.ipv4Enabled is undefined (the default is true), so the instance has a " +
        "public IP; set it to false and connect by privateNetwork.",
    },
    {
      name: "a Cloud SQL public IP",
      type: SQL,
      change: (r) => (r.settings.ipConfiguration.ipv4Enabled = true),
      expect: "ipv4Enabled is true",
    },
    {
      name: "an unknown public-IP flag",
      type: SQL,
      change: (r) => (r.settings.ipConfiguration.ipv4Enabled = UNKNOWN),
      expect: "ipv4Enabled is unknown",
    },
    {
      name: "an AlloyDB public IP",
      type: ALLOY,
      change: (r) => (r.networkConfig.enablePublicIp = true),
      expect: "Instance 'subject': networkConfig.enablePublicIp is true; set it to false and connect from the VPC.",
    },
  ]);
});
