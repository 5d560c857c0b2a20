import * as alloydb from "@pulumi/gcp/alloydb";
import * as sql from "@pulumi/gcp/sql";
import { check, defineRule } from "../lib/rule";

export const gcpSqlInstancePrivate = defineRule({
  name: "gcp-sql-instance-private",
  cloud: "gcp",
  severity: "critical",
  enforcementLevel: "mandatory",
  description:
    "Managed databases have no public IP: Cloud SQL instances turn ipv4Enabled off (it defaults to on) and use " +
    "private IP; AlloyDB instances keep enablePublicIp off.",
  remediation:
    "Set settings.ipConfiguration.ipv4Enabled: false with privateNetwork (Cloud SQL) and leave networkConfig.enablePublicIp " +
    "false (AlloyDB).",
  configKeys: [],
  validateResource: [
    check(sql.DatabaseInstance, (instance, ctx) => {
      const ip = instance.settings?.ipConfiguration;
      if (ip?.ipv4Enabled !== false) {
        ctx.report(
          `${ctx.label}: settings.ipConfiguration.ipv4Enabled is ${String(ip?.ipv4Enabled)} (the default is true), so the instance ` +
            "has a public IP; set it to false and connect by privateNetwork.",
        );
      }
    }),
    check(alloydb.Instance, (instance, ctx) => {
      if (instance.networkConfig?.enablePublicIp === true) {
        ctx.report(`${ctx.label}: networkConfig.enablePublicIp is true; set it to false and connect from the VPC.`);
      }
    }),
  ],
});
