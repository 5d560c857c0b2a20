import * as network from "@pulumi/azure-native/network";
import { bastionFix, describePorts, sourceProblem } from "../lib/ingress";
import { check, defineRule, type CheckContext } from "../lib/rule";
import { bastionMarker, isBastion } from "../lib/tags";

interface SecurityRuleShape {
  readonly name?: string;
  readonly direction: string;
  readonly access: string;
  readonly protocol: string;
  readonly sourceAddressPrefix?: string;
  readonly sourceAddressPrefixes?: readonly string[];
  readonly destinationPortRange?: string;
  readonly destinationPortRanges?: readonly string[];
}

function assess(ctx: CheckContext, where: string, rule: SecurityRuleShape, bastion: boolean): void {
  if (rule.direction.toLowerCase() !== "inbound" || rule.access.toLowerCase() !== "allow") return;
  const portList =
    rule.destinationPortRanges && rule.destinationPortRanges.length > 0
      ? rule.destinationPortRanges.join(",")
      : (rule.destinationPortRange ?? "*");
  const ports = portList === "*" ? describePorts(rule.protocol) : `${rule.protocol.toLowerCase()} ${portList}`;
  const sources: [string, string][] = [];
  if (rule.sourceAddressPrefix !== undefined && rule.sourceAddressPrefix !== null) {
    sources.push(["sourceAddressPrefix", rule.sourceAddressPrefix]);
  }
  for (const prefix of rule.sourceAddressPrefixes ?? []) sources.push(["sourceAddressPrefixes", prefix]);
  for (const [field, source] of sources) {
    const problem = sourceProblem(source, { settings: ctx.settings, bastion });
    if (problem === undefined) continue;
    const fix = bastion
      ? bastionFix(ctx.settings)
      : `admit only VirtualNetwork or private ranges, and reach nodes through the bastion (${bastionMarker(ctx.settings)})`;
    ctx.report(`${ctx.label}: ${where}.${field} "${source}" (${ports}) ${problem}; ${fix}.`);
  }
}

export const azureNetworkNsgNoInternetIngress = defineRule({
  name: "azure-network-nsg-no-internet-ingress",
  cloud: "azure",
  severity: "critical",
  enforcementLevel: "mandatory",
  description:
    "No inbound Allow security rule (inline in an NSG or a standalone SecurityRule) has source *, Any, Internet, " +
    "0.0.0.0/0 or any /0; any other public source, and every source in the bastion's NSG, lies inside " +
    "operatorCidrs and is no wider than the configured prefix.",
  remediation:
    "Use VirtualNetwork or private CIDRs as sources for node rules; tag the bastion's NSG with the bastion tag and " +
    "list operator networks in operatorCidrs.",
  configKeys: ["operatorCidrs", "minSourcePrefixLength", "minSourcePrefixLengthIpv6", "bastionTag"],
  validateResource: [
    check(network.NetworkSecurityGroup, (nsg, ctx) => {
      const bastion = isBastion(nsg.tags, ctx.settings);
      for (const [i, rule] of (nsg.securityRules ?? []).entries()) {
        assess(ctx, `securityRules[${i}]${rule.name ? ` (${rule.name})` : ""}`, rule, bastion);
      }
    }),
    check(network.SecurityRule, (rule, ctx) => assess(ctx, "rule", rule, false)),
  ],
});
