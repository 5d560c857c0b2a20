/**
 * AWS nodes write their validation results into a CloudWatch log group the
 * monitoring creates, encrypted and with its retention. The node role may
 * not create log groups (components/pool/aws-security.ts), so an agent that
 * ran first would only wait: every node, the burst template and group, and
 * the boot files naming the group wait for it, although the monitoring is
 * built after the pool.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { planStacks } from "../../infra/plan/engine";
import { PlanGraph } from "../../infra/plan/graph";
import type { Plan } from "../../infra/plan/types";

const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
const WAITERS = [
  "aws:ec2/instance:Instance",
  "aws:ec2/launchTemplate:LaunchTemplate",
  "aws:autoscaling/group:Group",
  "aws:s3/bucketObjectv2:BucketObjectv2",
];

describe("aws: nodes boot after the log group their agent writes into", () => {
  const plans = new Map<string, Plan>();
  beforeAll(async () => {
    const stacks = ["aws-pilot", "aws-pool"];
    const [plain, long] = await Promise.all([planStacks(stacks), planStacks(stacks, { overrides: { poolName: "logos-compute-pool-x" } })]);
    for (const [i, s] of stacks.entries()) {
      for (const [id, r] of [
        [s, plain[i]],
        [`${s} long`, long[i]],
      ] as const) {
        if (!r || !("plan" in r)) throw new Error(`${id}: no plan`);
        plans.set(id, r.plan);
      }
    }
  }, 600_000);

  it.each(["aws-pilot", "aws-pool", "aws-pilot long", "aws-pool long"])("%s", (id) => {
    const plan = plans.get(id)!;
    const g = new PlanGraph(plan);
    const groups = plan.resources.filter((r) => r.type === LOG_GROUP);
    expect(groups).toHaveLength(1);
    const waiters = plan.resources.filter((r) => WAITERS.includes(r.type) && !r.name.endsWith("-bastion"));
    expect(waiters.filter((r) => r.type === "aws:ec2/instance:Instance").length).toBeGreaterThan(0);
    const late = waiters.filter((r) => !g.waitsFor(r.urn, groups[0]!.urn)).map((r) => `${r.type} ${r.name}`);
    expect(late).toEqual([]);
  });
});
