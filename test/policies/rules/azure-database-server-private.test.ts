import type * as dbformysql from "@pulumi/azure-native/dbformysql";
import type * as dbforpostgresql from "@pulumi/azure-native/dbforpostgresql";
import type * as sql from "@pulumi/azure-native/sql";
import { describe, expect, it } from "vitest";
import { azureDatabaseServerPrivate as rule } from "../../../policies/rules/azure-database-server-private";
import { messages, OPERATOR_CIDRS, ruleTable, UNKNOWN } from "../harness";

const SQL = "azure-native:sql:Server";
const SQL_FW = "azure-native:sql:FirewallRule";
const PG = "azure-native:dbforpostgresql:Server";
const PG_FW = "azure-native:dbforpostgresql:FirewallRule";
const MY = "azure-native:dbformysql:Server";
const MY_FW = "azure-native:dbformysql:FirewallRule";
const SUBNET = "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/virtualNetworks/v/subnets/db";
const privateRange = { resourceGroupName: "g", serverName: "s", startIpAddress: "10.40.0.0", endIpAddress: "10.40.0.255" };
const passing = {
  [SQL]: { resourceGroupName: "g", publicNetworkAccess: "Disabled" } satisfies sql.ServerArgs,
  [SQL_FW]: privateRange satisfies sql.FirewallRuleArgs,
  [PG]: { resourceGroupName: "g", network: { publicNetworkAccess: "Disabled" } } satisfies dbforpostgresql.ServerArgs,
  [PG_FW]: privateRange satisfies dbforpostgresql.FirewallRuleArgs,
  [MY]: { resourceGroupName: "g", network: { delegatedSubnetResourceId: SUBNET } } satisfies dbformysql.ServerArgs,
  [MY_FW]: privateRange satisfies dbformysql.FirewallRuleArgs,
};

describe(rule.name, () => {
  ruleTable(rule, passing, [
    {
      name: "a SQL server left on public access",
      type: SQL,
      change: (r) => delete r.publicNetworkAccess,
      expect:
        "Server 'subject': publicNetworkAccess is undefined, so the server listens on the internet; set it to \"Disabled\" and " +
        "connect through a private endpoint.",
    },
    {
      name: "a rule admitting every Azure service",
      type: SQL_FW,
      change: (r) => ((r.startIpAddress = "0.0.0.0"), (r.endIpAddress = "0.0.0.0")),
      expect:
        "FirewallRule 'subject': the range 0.0.0.0-0.0.0.0 admits every Azure service of any tenant; reach the database through a " +
        "private endpoint instead.",
    },
    {
      name: "a rule admitting the world",
      type: SQL_FW,
      change: (r) => ((r.startIpAddress = "0.0.0.0"), (r.endIpAddress = "255.255.255.255")),
      expect: "is wider than the allowed /16",
    },
    {
      name: "a public range outside operatorCidrs",
      type: PG_FW,
      change: (r) => ((r.startIpAddress = "198.51.100.1"), (r.endIpAddress = "198.51.100.9")),
      expect: "is public and no operatorCidrs are configured",
    },
    {
      name: "a range straddling private and public",
      type: MY_FW,
      change: (r) => (r.endIpAddress = "11.0.0.0"),
      expect: "is wider than the allowed /16",
    },
    { name: "a range with an unknown end", type: MY_FW, change: (r) => (r.endIpAddress = UNKNOWN), expect: "endIpAddress is unknown" },
    {
      name: "a PostgreSQL flexible server with public access",
      type: PG,
      change: (r) => (r.network.publicNetworkAccess = "Enabled"),
      expect:
        'network.publicNetworkAccess is Enabled and no delegated subnet is set, so the server listens on the internet; set network.publicNetworkAccess: "Disabled"',
    },
    {
      name: "a MySQL flexible server outside any subnet",
      type: MY,
      change: (r) => delete r.network,
      expect: "network.publicNetworkAccess is undefined",
    },
    {
      name: "an unknown public access flag",
      type: SQL,
      change: (r) => (r.publicNetworkAccess = UNKNOWN),
      expect: "publicNetworkAccess is unknown",
    },
  ]);

  it("admits a firewall rule for an operator range, and only a narrow one", () => {
    const rule_ = { resourceGroupName: "g", serverName: "s", startIpAddress: "203.0.113.10", endIpAddress: "203.0.113.20" };
    expect(messages(rule, SQL_FW, rule_, { operatorCidrs: OPERATOR_CIDRS })).toEqual([]);
    expect(messages(rule, SQL_FW, { ...rule_, endIpAddress: "203.0.114.1" }, { operatorCidrs: OPERATOR_CIDRS }).join()).toContain(
      "is public and outside operatorCidrs (203.0.113.0/24)",
    );
  });
});
