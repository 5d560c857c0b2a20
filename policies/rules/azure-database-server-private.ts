import * as dbformysql from "@pulumi/azure-native/dbformysql";
import * as dbforpostgresql from "@pulumi/azure-native/dbforpostgresql";
import * as sql from "@pulumi/azure-native/sql";
import { ipRangeProblem } from "../lib/ip-range";
import { check, defineRule, type CheckContext } from "../lib/rule";

function firewall(ctx: CheckContext, start: string | undefined, end: string | undefined): void {
  const problem = ipRangeProblem(start ?? "", end ?? "", ctx.settings);
  if (problem !== undefined) {
    ctx.report(
      `${ctx.label}: the range ${String(start)}-${String(end)} ${problem}; reach the database through a private endpoint instead.`,
    );
  }
}

// Azure SQL's public network access is on unless disabled; a flexible server
// integrated into a subnet (delegatedSubnetResourceId) has no public
// endpoint, otherwise it is public unless publicNetworkAccess says Disabled.
function flexible(ctx: CheckContext, net: { delegatedSubnetResourceId?: string; publicNetworkAccess?: string } | undefined): void {
  if (net?.delegatedSubnetResourceId) return;
  if (net?.publicNetworkAccess !== "Disabled") {
    ctx.report(
      `${ctx.label}: network.publicNetworkAccess is ${String(net?.publicNetworkAccess)} and no delegated subnet is set, so the ` +
        'server listens on the internet; set network.publicNetworkAccess: "Disabled" (private endpoint) or network.delegatedSubnetResourceId.',
    );
  }
}

export const azureDatabaseServerPrivate = defineRule({
  name: "azure-database-server-private",
  cloud: "azure",
  severity: "critical",
  enforcementLevel: "mandatory",
  description:
    "No managed database listens on the internet: Azure SQL servers and PostgreSQL/MySQL flexible servers disable " +
    "public network access (or, flexible servers, sit in a delegated subnet), and no server firewall rule admits " +
    "all Azure services or public ranges outside operatorCidrs.",
  remediation:
    'Set publicNetworkAccess: "Disabled" (SQL) or network.publicNetworkAccess: "Disabled" / network.delegatedSubnetResourceId ' +
    "(flexible servers), connect through private endpoints, and drop firewall rules that admit public ranges.",
  configKeys: ["operatorCidrs", "minSourcePrefixLength"],
  validateResource: [
    check(sql.Server, (server, ctx) => {
      if (server.publicNetworkAccess !== "Disabled") {
        ctx.report(
          `${ctx.label}: publicNetworkAccess is ${String(server.publicNetworkAccess)}, so the server listens on the internet; ` +
            'set it to "Disabled" and connect through a private endpoint.',
        );
      }
    }),
    check(sql.FirewallRule, (rule, ctx) => firewall(ctx, rule.startIpAddress, rule.endIpAddress)),
    check(dbforpostgresql.Server, (server, ctx) => flexible(ctx, server.network)),
    check(dbforpostgresql.FirewallRule, (rule, ctx) => firewall(ctx, rule.startIpAddress, rule.endIpAddress)),
    check(dbformysql.Server, (server, ctx) => flexible(ctx, server.network)),
    check(dbformysql.FirewallRule, (rule, ctx) => firewall(ctx, rule.startIpAddress, rule.endIpAddress)),
  ],
});
