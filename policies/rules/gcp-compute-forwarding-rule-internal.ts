import * as compute from "@pulumi/gcp/compute";
import { check, defineRule, type CheckContext } from "../lib/rule";

/** Schemes whose frontend address is private to a VPC network. */
const INTERNAL = new Set(["INTERNAL", "INTERNAL_MANAGED", "INTERNAL_SELF_MANAGED"]);

// The API's default scheme is EXTERNAL, so an absent scheme is public. An empty
// string is a Private Service Connect endpoint (an internal address in the
// named network), per the provider's documentation of loadBalancingScheme.
function assess(ctx: CheckContext, scheme: string | undefined, network: string | undefined): void {
  if (scheme !== undefined && INTERNAL.has(scheme)) return;
  if (scheme === "" && network) return;
  ctx.report(
    `${ctx.label}: loadBalancingScheme is ${scheme === undefined ? "not set (EXTERNAL)" : `"${scheme}"`}, so its ports face the internet; ` +
      'use an internal scheme ("INTERNAL" or "INTERNAL_MANAGED") and reach it from the pool network.',
  );
}

export const gcpComputeForwardingRuleInternal = defineRule({
  name: "gcp-compute-forwarding-rule-internal",
  cloud: "gcp",
  severity: "critical",
  enforcementLevel: "mandatory",
  description:
    "Every forwarding rule (the frontend of a load balancer or protocol forwarding) is internal; an external one " +
    "opens its ports to the world. The API's default scheme is EXTERNAL, so the scheme must be set.",
  remediation:
    'Set loadBalancingScheme to "INTERNAL", "INTERNAL_MANAGED" or (global) "INTERNAL_SELF_MANAGED"; a Private Service ' +
    'Connect endpoint uses "" with its network.',
  configKeys: [],
  validateResource: [
    check(compute.ForwardingRule, (rule, ctx) => assess(ctx, rule.loadBalancingScheme, rule.network)),
    check(compute.GlobalForwardingRule, (rule, ctx) => assess(ctx, rule.loadBalancingScheme, rule.network)),
  ],
});
