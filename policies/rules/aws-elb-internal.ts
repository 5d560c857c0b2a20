import * as alb from "@pulumi/aws/alb";
import * as elb from "@pulumi/aws/elb";
import * as lb from "@pulumi/aws/lb";
import { check, defineRule, type CheckContext } from "../lib/rule";

// `internal` defaults to false: a load balancer nobody marked internal gets a
// public DNS name and public addresses in every subnet it spans, and each of
// its listeners opens a port to the internet. A listener (aws.lb.Listener)
// only adds ports to its load balancer, so the guarantee is held here.
function assess(ctx: CheckContext, internal: boolean | undefined): void {
  if (internal !== true) {
    ctx.report(
      `${ctx.label}: internal is ${String(internal)}, so the load balancer is internet-facing and every listener is a public port; ` +
        "set internal: true and reach it from the pool network (operators through the bastion).",
    );
  }
}

export const awsElbInternal = defineRule({
  name: "aws-elb-internal",
  cloud: "aws",
  severity: "critical",
  enforcementLevel: "mandatory",
  description:
    "Every load balancer (application, network and gateway load balancers, and classic ELBs) is internal; an " +
    "internet-facing one would open each listener's port to the world.",
  remediation: "Set internal: true on aws.lb.LoadBalancer / aws.alb.LoadBalancer / aws.elb.LoadBalancer.",
  configKeys: [],
  validateResource: [
    check(lb.LoadBalancer, (balancer, ctx) => assess(ctx, balancer.internal)),
    check(alb.LoadBalancer, (balancer, ctx) => assess(ctx, balancer.internal)),
    check(elb.LoadBalancer, (balancer, ctx) => assess(ctx, balancer.internal)),
  ],
});
