import * as compute from "@pulumi/gcp/compute";
import { bastionFix, sourceProblem } from "../lib/ingress";
import { check, defineRule, type CheckContext } from "../lib/rule";

interface PolicyRuleShape {
  readonly action: string;
  readonly direction?: string;
  readonly disabled?: boolean;
  readonly match: {
    readonly srcIpRanges?: readonly string[];
    readonly srcFqdns?: readonly string[];
    readonly srcRegionCodes?: readonly string[];
    readonly srcThreatIntelligences?: readonly string[];
    readonly srcNetworkScope?: string;
    readonly srcNetworkContext?: string;
    readonly layer4Configs: readonly { readonly ipProtocol: string; readonly ports?: readonly string[] }[];
  };
}

const ALLOWING_ACTIONS = new Set(["allow", "apply_security_profile_group"]);

function report(ctx: CheckContext, where: string, source: string, ports: string, problem: string, bastion: boolean): void {
  const fix = bastion ? bastionFix(ctx.settings) : "admit only private ranges or source tags, and reach nodes through the bastion";
  ctx.report(`${ctx.label}: ${where} source ${source} (${ports}) ${problem}; ${fix}.`);
}

function portsOf(entries: readonly { readonly protocol: string; readonly ports?: readonly string[] }[]): string {
  return entries
    .map((e) =>
      e.protocol.toLowerCase() === "all"
        ? "all protocols and ports"
        : `${e.protocol} ${e.ports && e.ports.length > 0 ? e.ports.join(",") : "all ports"}`,
    )
    .join("; ");
}

function assessPolicyRule(ctx: CheckContext, where: string, rule: PolicyRuleShape): void {
  if ((rule.direction ?? "INGRESS") !== "INGRESS" || !ALLOWING_ACTIONS.has(rule.action) || rule.disabled === true) return;
  const match = rule.match;
  const ports = portsOf(match.layer4Configs.map((c) => ({ protocol: c.ipProtocol, ports: c.ports })));
  for (const source of match.srcIpRanges ?? []) {
    const problem = sourceProblem(source, { settings: ctx.settings, bastion: false });
    if (problem !== undefined) report(ctx, `${where}.match.srcIpRanges`, source, ports, problem, false);
  }
  const publicSelectors = {
    srcFqdns: match.srcFqdns,
    srcRegionCodes: match.srcRegionCodes,
    srcThreatIntelligences: match.srcThreatIntelligences,
  };
  for (const [field, values] of Object.entries(publicSelectors)) {
    if (values !== undefined && values !== null && values.length > 0) {
      report(ctx, `${where}.match.${field}`, values.join(","), ports, "selects internet hosts", false);
    }
  }
  for (const field of ["srcNetworkScope", "srcNetworkContext"] as const) {
    if (match[field] === "INTERNET") report(ctx, `${where}.match.${field}`, "INTERNET", ports, "admits the whole internet", false);
  }
}

export const gcpComputeFirewallNoPublicIngress = defineRule({
  name: "gcp-compute-firewall-no-public-ingress",
  cloud: "gcp",
  severity: "critical",
  enforcementLevel: "mandatory",
  description:
    "VPC firewalls and firewall policy rules never allow ingress from 0.0.0.0/0, ::/0 or other internet selectors " +
    "(an INGRESS allow with no source at all means 0.0.0.0/0); any other public source, and every source of a " +
    "firewall targeting the bastion's network tag, lies inside operatorCidrs and is no wider than the configured prefix.",
  remediation:
    "Give every INGRESS allow explicit private sourceRanges or sourceTags; target the bastion with the network tag " +
    "<bastionTag.key>-<bastionTag.value> and list operator networks in operatorCidrs.",
  configKeys: ["operatorCidrs", "minSourcePrefixLength", "minSourcePrefixLengthIpv6", "bastionTag"],
  validateResource: [
    check(compute.Firewall, (firewall, ctx) => {
      const allows = firewall.allows ?? [];
      if ((firewall.direction ?? "INGRESS") !== "INGRESS" || firewall.disabled === true || allows.length === 0) return;
      const { key, value } = ctx.settings.bastionTag;
      const bastion = (firewall.targetTags ?? []).includes(`${key}-${value}`);
      const ports = portsOf(allows);
      const ranges = firewall.sourceRanges ?? [];
      const otherSources = (firewall.sourceTags ?? []).length + (firewall.sourceServiceAccounts ?? []).length;
      if (ranges.length === 0 && otherSources === 0) {
        report(ctx, "sourceRanges", "(none, so 0.0.0.0/0)", ports, "admits the whole internet", bastion);
      }
      for (const source of ranges) {
        const problem = sourceProblem(source, { settings: ctx.settings, bastion });
        if (problem !== undefined) report(ctx, "sourceRanges", source, ports, problem, bastion);
      }
    }),
    check(compute.FirewallPolicyRule, (rule, ctx) => assessPolicyRule(ctx, "rule", rule)),
    check(compute.NetworkFirewallPolicyRule, (rule, ctx) => assessPolicyRule(ctx, "rule", rule)),
    check(compute.RegionNetworkFirewallPolicyRule, (rule, ctx) => assessPolicyRule(ctx, "rule", rule)),
    check(compute.FirewallPolicyWithRules, (policy, ctx) => {
      for (const [i, rule] of policy.rules.entries()) assessPolicyRule(ctx, `rules[${i}]`, rule);
    }),
    check(compute.NetworkFirewallPolicyWithRules, (policy, ctx) => {
      for (const [i, rule] of policy.rules.entries()) assessPolicyRule(ctx, `rules[${i}]`, rule);
    }),
    check(compute.RegionNetworkFirewallPolicyWithRules, (policy, ctx) => {
      for (const [i, rule] of policy.rules.entries()) assessPolicyRule(ctx, `rules[${i}]`, rule);
    }),
  ],
});
