import * as ec2 from "@pulumi/aws/ec2";
import * as vpc from "@pulumi/aws/vpc";
import { bastionFix, describePorts, sourceProblem } from "../lib/ingress";
import { check, defineRule, type CheckContext } from "../lib/rule";
import { bastionMarker, isBastion } from "../lib/tags";

function assess(ctx: CheckContext, bastion: boolean, where: string, ports: string, sources: readonly string[]): void {
  for (const source of sources) {
    const problem = sourceProblem(source, { settings: ctx.settings, bastion });
    if (problem === undefined) continue;
    const fix = bastion
      ? bastionFix(ctx.settings)
      : `admit only private ranges or security groups, and reach nodes through the bastion (${bastionMarker(ctx.settings)})`;
    ctx.report(`${ctx.label}: ${where} source ${source} (${ports}) ${problem}; ${fix}.`);
  }
}

export const awsEc2SgNoPublicIngress = defineRule({
  name: "aws-ec2-sg-no-public-ingress",
  cloud: "aws",
  severity: "critical",
  enforcementLevel: "mandatory",
  description:
    "Security group ingress (inline, SecurityGroupRule, vpc.SecurityGroupIngressRule) never admits 0.0.0.0/0 or ::/0; " +
    "any other public source, and every bastion source, lies inside operatorCidrs and is no wider than the configured prefix.",
  remediation:
    "Use private CIDRs or source security groups for node traffic; tag the bastion's group with the bastion tag and " +
    "list operator networks in the stack's operatorCidrs.",
  configKeys: ["operatorCidrs", "minSourcePrefixLength", "minSourcePrefixLengthIpv6", "bastionTag"],
  validateResource: [
    check(ec2.SecurityGroup, (sg, ctx) => {
      const bastion = isBastion(sg.tags, ctx.settings);
      for (const [i, rule] of (sg.ingress ?? []).entries()) {
        const ports = describePorts(rule.protocol, rule.fromPort, rule.toPort);
        assess(ctx, bastion, `ingress[${i}]`, ports, [...(rule.cidrBlocks ?? []), ...(rule.ipv6CidrBlocks ?? [])]);
      }
    }),
    check(ec2.SecurityGroupRule, (rule, ctx) => {
      if (rule.type !== "ingress") return;
      const ports = describePorts(rule.protocol, rule.fromPort, rule.toPort);
      assess(ctx, false, "ingress", ports, [...(rule.cidrBlocks ?? []), ...(rule.ipv6CidrBlocks ?? [])]);
    }),
    check(vpc.SecurityGroupIngressRule, (rule, ctx) => {
      const bastion = isBastion(rule.tags, ctx.settings);
      const ports = describePorts(rule.ipProtocol, rule.fromPort, rule.toPort);
      const sources = [rule.cidrIpv4, rule.cidrIpv6].filter((s): s is string => s !== undefined && s !== null);
      assess(ctx, bastion, "ingress", ports, sources);
    }),
  ],
});
