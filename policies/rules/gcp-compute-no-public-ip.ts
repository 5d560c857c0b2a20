import * as compute from "@pulumi/gcp/compute";
import { check, defineRule, type CheckContext } from "../lib/rule";
import { bastionMarker, isBastion } from "../lib/tags";

interface NicShape {
  readonly accessConfigs?: readonly unknown[];
  readonly ipv6AccessConfigs?: readonly unknown[];
}

function assess(ctx: CheckContext, labels: Readonly<Record<string, string>> | undefined, nics: readonly NicShape[] | undefined): void {
  if (isBastion(labels, ctx.settings)) return;
  for (const [i, nic] of (nics ?? []).entries()) {
    for (const field of ["accessConfigs", "ipv6AccessConfigs"] as const) {
      const configs = nic[field];
      if (configs !== undefined && configs !== null && configs.length > 0) {
        ctx.report(
          `${ctx.label}: networkInterfaces[${i}].${field} gives it an external IP; remove ${field} ` +
            `(only the bastion, labelled ${bastionMarker(ctx.settings)}, may be public).`,
        );
      }
    }
  }
}

export const gcpComputeNoPublicIp = defineRule({
  name: "gcp-compute-no-public-ip",
  cloud: "gcp",
  severity: "critical",
  enforcementLevel: "mandatory",
  description: "No instance or instance template has an access config (external IPv4/IPv6); only the bastion-labelled one is exempt.",
  remediation: "Drop accessConfigs / ipv6AccessConfigs from networkInterfaces; reach nodes through the bastion (Cloud NAT for egress).",
  configKeys: ["bastionTag"],
  validateResource: [
    check(compute.Instance, (instance, ctx) => assess(ctx, instance.labels, instance.networkInterfaces)),
    check(compute.InstanceTemplate, (template, ctx) => assess(ctx, template.labels, template.networkInterfaces)),
    check(compute.RegionInstanceTemplate, (template, ctx) => assess(ctx, template.labels, template.networkInterfaces)),
  ],
});
