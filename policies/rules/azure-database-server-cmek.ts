import * as dbformysql from "@pulumi/azure-native/dbformysql";
import * as dbforpostgresql from "@pulumi/azure-native/dbforpostgresql";
import * as sql from "@pulumi/azure-native/sql";
import { check, defineRule, type CheckContext } from "../lib/rule";

interface DataEncryption {
  readonly type?: string;
  readonly primaryKeyURI?: string;
  readonly primaryUserAssignedIdentityId?: string;
}

function flexible(ctx: CheckContext, encryption: DataEncryption | undefined): void {
  if (!ctx.settings.requireCmek) return;
  if (encryption?.type !== "AzureKeyVault") {
    ctx.report(`${ctx.label}: dataEncryption.type is ${String(encryption?.type)}, so a service-managed key is used; set "AzureKeyVault".`);
  } else if (!encryption.primaryKeyURI || !encryption.primaryUserAssignedIdentityId) {
    ctx.report(`${ctx.label}: dataEncryption needs primaryKeyURI and primaryUserAssignedIdentityId for the customer-managed key.`);
  }
}

export const azureDatabaseServerCmek = defineRule({
  name: "azure-database-server-cmek",
  cloud: "azure",
  severity: "high",
  enforcementLevel: "mandatory",
  description:
    "Managed databases encrypt data at rest: transparent data encryption is never switched off on an Azure SQL " +
    "database, and when requireCmek is on, SQL servers (keyId) and PostgreSQL/MySQL flexible servers " +
    "(dataEncryption) use a Key Vault key.",
  remediation:
    'Set keyId on the SQL server to a Key Vault key, dataEncryption { type: "AzureKeyVault", primaryKeyURI, ' +
    'primaryUserAssignedIdentityId } on flexible servers, and never state: "Disabled" on TransparentDataEncryption.',
  configKeys: ["requireCmek"],
  validateResource: [
    check(sql.Server, (server, ctx) => {
      if (ctx.settings.requireCmek && !server.keyId) {
        ctx.report(`${ctx.label}: no keyId, so transparent data encryption uses a service-managed key; set keyId to a Key Vault key.`);
      }
    }),
    check(sql.TransparentDataEncryption, (tde, ctx) => {
      if (tde.state !== "Enabled")
        ctx.report(`${ctx.label}: state is ${String(tde.state)}; transparent data encryption must stay "Enabled".`);
    }),
    check(dbforpostgresql.Server, (server, ctx) => flexible(ctx, server.dataEncryption)),
    check(dbformysql.Server, (server, ctx) => flexible(ctx, server.dataEncryption)),
  ],
});
