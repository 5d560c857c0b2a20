import type * as dbformysql from "@pulumi/azure-native/dbformysql";
import type * as dbforpostgresql from "@pulumi/azure-native/dbforpostgresql";
import type * as sql from "@pulumi/azure-native/sql";
import { describe, expect, it } from "vitest";
import { azureDatabaseServerCmek as rule } from "../../../policies/rules/azure-database-server-cmek";
import { messages, ruleTable, UNKNOWN } from "../harness";

const KEY = "https://logos-kv.vault.azure.net/keys/logos/0123456789abcdef0123456789abcdef";
const IDENTITY = "/subscriptions/s/resourceGroups/g/providers/Microsoft.ManagedIdentity/userAssignedIdentities/db";
const SQL = "azure-native:sql:Server";
const TDE = "azure-native:sql:TransparentDataEncryption";
const PG = "azure-native:dbforpostgresql:Server";
const MY = "azure-native:dbformysql:Server";
const passing = {
  [SQL]: { resourceGroupName: "g", keyId: KEY } satisfies sql.ServerArgs,
  [TDE]: { resourceGroupName: "g", serverName: "s", databaseName: "d", state: "Enabled" } satisfies sql.TransparentDataEncryptionArgs,
  [PG]: {
    resourceGroupName: "g",
    dataEncryption: { type: "AzureKeyVault", primaryKeyURI: KEY, primaryUserAssignedIdentityId: IDENTITY },
  } satisfies dbforpostgresql.ServerArgs,
  [MY]: {
    resourceGroupName: "g",
    dataEncryption: { type: "AzureKeyVault", primaryKeyURI: KEY, primaryUserAssignedIdentityId: IDENTITY },
  } satisfies dbformysql.ServerArgs,
};

describe(rule.name, () => {
  ruleTable(rule, passing, [
    {
      name: "a SQL server on a service-managed key",
      type: SQL,
      change: (r) => delete r.keyId,
      expect: "Server 'subject': no keyId, so transparent data encryption uses a service-managed key; set keyId to a Key Vault key.",
    },
    {
      name: "TDE switched off",
      type: TDE,
      change: (r) => (r.state = "Disabled"),
      expect: 'state is Disabled; transparent data encryption must stay "Enabled".',
    },
    {
      name: "a PostgreSQL server on a system-managed key",
      type: PG,
      change: (r) => (r.dataEncryption = { type: "SystemManaged" }),
      expect: 'dataEncryption.type is SystemManaged, so a service-managed key is used; set "AzureKeyVault".',
    },
    {
      name: "a MySQL key without its identity",
      type: MY,
      change: (r) => delete r.dataEncryption.primaryUserAssignedIdentityId,
      expect: "needs primaryKeyURI and primaryUserAssignedIdentityId",
    },
    { name: "an unknown key", type: PG, change: (r) => (r.dataEncryption.primaryKeyURI = UNKNOWN), expect: "primaryKeyURI is unknown" },
  ]);

  it("with requireCmek off still refuses TDE switched off", () => {
    expect(messages(rule, SQL, { resourceGroupName: "g" }, { requireCmek: false })).toEqual([]);
    expect(messages(rule, TDE, { state: "Disabled" }, { requireCmek: false })).toHaveLength(1);
  });
});
