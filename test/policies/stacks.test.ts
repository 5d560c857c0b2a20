/**
 * Every shipped stack, planned offline, through the whole pack: each must
 * be policy-clean, and every known-bad change to any of its resources must
 * be caught (the mutation test).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { planStacks } from "../../infra/plan/engine";
import { loadStackConfig } from "../../infra/plan/stack-config";
import type { Plan } from "../../infra/plan/types";
import { evaluatePlan, evaluateResource, packConfig, type PackConfig } from "../../policies/evaluate";
import { MUTATIONS, type MutationKind } from "./mutations";
import { SHIPPED_STACKS } from "../helpers/stacks";

const stacks = [...SHIPPED_STACKS];
const plans = new Map<string, Plan>();
const configs = new Map<string, PackConfig>();

beforeAll(async () => {
  const runs = await planStacks(stacks);
  for (const [i, run] of runs.entries()) {
    if (run instanceof Error) throw new Error(`cannot plan ${stacks[i]}: ${run.message}`);
    plans.set(run.plan.stack, run.plan);
    const operatorCidrs = loadStackConfig(run.plan.stack).values["logos-compute:operatorCidrs"] as string[];
    configs.set(run.plan.stack, packConfig({ operatorCidrs }));
  }
}, 180_000);

describe("stacks are policy-clean", () => {
  it.each(stacks)("%s has no violations", (stack) => {
    const violations = evaluatePlan(plans.get(stack)!, { config: configs.get(stack)! });
    expect(violations.map((v) => `${v.rule} ${v.resource}: ${v.message}`)).toEqual([]);
  });
});

describe("mutation test: the pack catches every known-bad change", () => {
  it.each(stacks)("%s", (stack) => {
    const plan = plans.get(stack)!;
    const config = configs.get(stack)!;
    const missed: string[] = [];
    const tally = new Map<MutationKind, { tried: number; caught: number }>();
    for (const resource of plan.resources) {
      // A change is caught when it brings a violation the unchanged resource did not have.
      const baseline = new Set(evaluateResource(resource, { config }).map((v) => `${v.rule}: ${v.message}`));
      for (const mutation of MUTATIONS[resource.type] ?? []) {
        const inputs = structuredClone(resource.inputs);
        // A change that leaves the inputs as they were (e.g. "make X unknown" when it already is) is not a mutation.
        if (!mutation.apply(inputs) || JSON.stringify(inputs) === JSON.stringify(resource.inputs)) continue;
        const count = tally.get(mutation.kind) ?? { tried: 0, caught: 0 };
        count.tried += 1;
        const found = evaluateResource({ ...resource, inputs }, { config }).map((v) => `${v.rule}: ${v.message}`);
        if (found.some((v) => !baseline.has(v))) count.caught += 1;
        else missed.push(`${resource.type} ${resource.name}: ${mutation.name}`);
        tally.set(mutation.kind, count);
      }
    }
    const tried = [...tally.values()].reduce((n, c) => n + c.tried, 0);
    const caught = [...tally.values()].reduce((n, c) => n + c.caught, 0);
    const byKind = [...tally.entries()].map(([kind, c]) => `${kind} ${c.caught}/${c.tried}`).join(", ");
    console.log(`mutation ${stack}: caught ${caught} / tried ${tried} (${byKind})`);
    for (const miss of missed) console.log(`  missed: ${miss}`);
    expect(missed).toEqual([]);
    // Every stack must give each kind of change something to bite on.
    expect([...tally.keys()].sort()).toEqual(["encryption", "public ingress", "public ip", "tag", "unknown"]);
  });
});
