import type * as aws from "@pulumi/aws";
import { describe } from "vitest";
import { awsElbInternal as rule } from "../../../policies/rules/aws-elb-internal";
import { ruleTable, UNKNOWN } from "../harness";

const LB = "aws:lb/loadBalancer:LoadBalancer";
const ALB = "aws:alb/loadBalancer:LoadBalancer";
const ELB = "aws:elb/loadBalancer:LoadBalancer";
const lb = { internal: true, loadBalancerType: "network", subnets: ["subnet-1"] } satisfies aws.lb.LoadBalancerArgs;
const alb = { internal: true, subnets: ["subnet-1", "subnet-2"] } satisfies aws.alb.LoadBalancerArgs;
const elb = {
  internal: true,
  subnets: ["subnet-1"],
  listeners: [{ instancePort: 8080, instanceProtocol: "http", lbPort: 80, lbProtocol: "http" }],
} satisfies aws.elb.LoadBalancerArgs;

describe(rule.name, () => {
  ruleTable(rule, { [LB]: lb, [ALB]: alb, [ELB]: elb }, [
    {
      name: "an internet-facing network load balancer",
      type: LB,
      change: (r) => (r.internal = false),
      expect:
        "LoadBalancer 'subject': internal is false, so the load balancer is internet-facing and every listener is a public port; " +
        "set internal: true and reach it from the pool network (operators through the bastion).",
    },
    { name: "the scheme left to its internet-facing default", type: LB, change: (r) => delete r.internal, expect: "internal is undefined" },
    { name: "an internet-facing application load balancer", type: ALB, change: (r) => (r.internal = false), expect: "internet-facing" },
    { name: "an internet-facing classic ELB", type: ELB, change: (r) => delete r.internal, expect: "internet-facing" },
    { name: "an unknown scheme", type: LB, change: (r) => (r.internal = UNKNOWN), expect: "internal is unknown" },
  ]);
});
