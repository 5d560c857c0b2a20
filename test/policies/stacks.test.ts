/**
 * Every shipped stack, planned offline, through the whole pack: each must
 * be policy-clean, and every known-bad change to any of its resources must
 * be caught (the mutation test). Resource types the pool does not create
 * (load balancers, databases, file systems, queues, caches, snapshots,
 * images) are planned from a corpus program of compliant resources and
 * mutated the same way.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { planStacks } from "../../infra/plan/engine";
import { loadStackConfig } from "../../infra/plan/stack-config";
import type { Plan, PlannedResource } from "../../infra/plan/types";
import { evaluatePlan, evaluateResource, packConfig, type PackConfig } from "../../policies/evaluate";
import { registry } from "../../policies/registry";
import { MUTATIONS, type MutationKind } from "./mutations";
import { SHIPPED_STACKS } from "../helpers/stacks";

const CORPUS = "test/fixtures/policy/corpus-program.ts";
/**
 * Types the mutation test does not reach, each with its reason; their rules'
 * unit tests still cover them. Any other type a rule checks must be planned
 * (in a stack or the corpus) and have mutations.
 */
const NOT_MUTATED = new Map<string, string>([
  ["aws:ec2/eipAssociation:EipAssociation", "no compliant form: any association is a violation"],
]);

const stacks = [...SHIPPED_STACKS];
const plans = new Map<string, Plan>();
const configs = new Map<string, PackConfig>();
let corpus: Plan;

beforeAll(async () => {
  const [corpusRun] = await planStacks(["aws-pilot"], { program: CORPUS, concurrency: 1 });
  if (corpusRun === undefined || corpusRun instanceof Error) throw new Error(`cannot plan ${CORPUS}: ${corpusRun?.message}`);
  corpus = corpusRun.plan;
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

interface MutationRun {
  readonly tally: ReadonlyMap<MutationKind, { tried: number; caught: number }>;
  readonly missed: readonly string[];
}

/** Applies every known-bad change to every resource, one at a time; a change is caught when it brings a new violation. */
function mutate(resources: readonly PlannedResource[], config: PackConfig): MutationRun {
  const missed: string[] = [];
  const tally = new Map<MutationKind, { tried: number; caught: number }>();
  for (const resource of resources) {
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
  return { tally, missed };
}

function report(label: string, { tally, missed }: MutationRun): void {
  const tried = [...tally.values()].reduce((n, c) => n + c.tried, 0);
  const caught = [...tally.values()].reduce((n, c) => n + c.caught, 0);
  const byKind = [...tally.entries()].map(([kind, c]) => `${kind} ${c.caught}/${c.tried}`).join(", ");
  console.log(`mutation ${label}: caught ${caught} / tried ${tried} (${byKind})`);
  for (const miss of missed) console.log(`  missed: ${miss}`);
}

describe("mutation test: the pack catches every known-bad change", () => {
  it.each(stacks)("%s", (stack) => {
    const run = mutate(plans.get(stack)!.resources, configs.get(stack)!);
    report(stack, run);
    expect(run.missed).toEqual([]);
    // Every stack must give each kind of change something to bite on.
    expect([...run.tally.keys()].sort()).toEqual(["encryption", "public ingress", "public ip", "tag", "unknown"]);
  });

  it("the corpus of resource types the pool does not create is clean, and every change to it is caught", () => {
    const config = packConfig({ operatorCidrs: ["203.0.113.0/24"] });
    expect(evaluatePlan(corpus, { config }).map((v) => `${v.rule} ${v.resource}: ${v.message}`)).toEqual([]);
    const run = mutate(corpus.resources, config);
    report("corpus", run);
    expect(run.missed).toEqual([]);
    expect([...run.tally.keys()].sort()).toEqual(["encryption", "public ingress", "public ip", "tag", "unknown"]);
  });

  it("covers every resource type a rule checks: each has mutations and a planned resource to apply them to", () => {
    const planned = new Set([...plans.values(), corpus].flatMap((plan) => plan.resources.map((r) => r.type)));
    const checked = registry.rules.flatMap((rule) =>
      rule.validateResource.map((v) => `${(v as { __pulumiType?: string }).__pulumiType ?? ""} (${rule.name})`),
    );
    const uncovered = checked.filter((entry) => {
      const type = entry.slice(0, entry.indexOf(" "));
      if (NOT_MUTATED.has(type)) return false;
      return !planned.has(type) || (MUTATIONS[type] ?? []).length === 0;
    });
    expect(uncovered).toEqual([]);
  });
});
