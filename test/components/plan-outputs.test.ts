/**
 * The plan process builds resource outputs on first read instead of all up
 * front (infra/plan/engine.ts, buildOutputsOnRead), which is what keeps a
 * 1000-node plan in memory. What a program sees must not change: the same
 * values, unknowns, secrets and dependencies, read early or late, and the
 * same plan for every shipped pool, in preview and with placeholders.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { planVariants, type PlanRun, type PlanVariant } from "../../infra/plan/engine";
import { UNKNOWN, type Plan } from "../../infra/plan/types";

const PROGRAM = "test/fixtures/plan/outputs-program.ts";
const variants: PlanVariant[] = ["aws-pool", "gcp-pool", "azure-pool"].flatMap((stack) =>
  (["unknown", "placeholder"] as const).map((computed) => ({ id: `${stack} ${computed}`, stack, computed })),
);
const plans = { "on-read": new Map<string, Plan>(), eager: new Map<string, Plan>() };
const probe: Partial<Record<"on-read" | "eager", PlanRun>> = {};

beforeAll(async () => {
  await Promise.all(
    (["on-read", "eager"] as const).map(async (outputs) => {
      const runs = await planVariants(variants, { outputs, concurrency: 1 });
      runs.forEach((r, i) => {
        if (r instanceof Error) throw r;
        plans[outputs].set(variants[i].id, r.plan);
      });
      const [p] = await planVariants([{ id: "probe", stack: "aws-pilot" }], { outputs, program: PROGRAM, concurrency: 1 });
      if (p instanceof Error) throw p;
      probe[outputs] = p;
    }),
  );
}, 600_000);

describe("outputs built on first read", () => {
  it("give a program the values, unknowns, secrets and dependencies the SDK's own outputs give", () => {
    const onRead = probe["on-read"]!.plan;
    expect(onRead.outputs).toEqual({ early: "plan test key", late: true, computed: UNKNOWN, aliasTarget: UNKNOWN, secret: "[secret]" });
    expect(onRead).toEqual(probe.eager!.plan);
    const alias = onRead.resources.find((r) => r.name === "logos-alias")!;
    const key = onRead.resources.find((r) => r.name === "logos-key")!;
    expect(alias.propertyDependencies.targetKeyId).toEqual([key.urn]);
  });

  it.each(variants.map((v) => v.id))("leave the plan of %s as it is", (id) => {
    expect(plans["on-read"].get(id)).toEqual(plans.eager.get(id));
  });
});
