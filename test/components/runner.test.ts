/**
 * `pulumi up` runs `infra/index.ts` through @pulumi/pulumi's own runner
 * (cmd/run: the vendored ts-node 7.0.1 with the project's TypeScript), not
 * through tsx as the offline plan does. Every stack loads and registers the
 * same resources and outputs that way, with the runner settings Pulumi.yaml
 * gives it: transpile-only (tsconfig.pulumi.json `noCheck`, which the runner
 * reads to decide — pulumi/pulumi sdk/nodejs/cmd/run/run.js), while
 * `npm run typecheck` keeps the full check on tsconfig.json.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { planStacks } from "../../infra/plan/engine";
import { REPO_ROOT } from "../../infra/plan/stack-config";
import { projectRuntimeOptions, runThroughRunner, type RunnerResult } from "../helpers/runner";
import { SHIPPED_STACKS } from "../helpers/stacks";

const stacks = [...SHIPPED_STACKS];
const runs = new Map<string, RunnerResult>();
const planned = new Map<string, Record<string, number>>();

const countTypes = (types: readonly string[]): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const t of types) out[t] = (out[t] ?? 0) + 1;
  return out;
};

beforeAll(async () => {
  const plans = planStacks(stacks);
  // Two runner processes at a time, one per core.
  for (let i = 0; i < stacks.length; i += 2)
    await Promise.all(stacks.slice(i, i + 2).map(async (s) => runs.set(s, await runThroughRunner({ stack: s }))));
  (await plans).forEach((r, i) => {
    if (r instanceof Error) throw r;
    planned.set(stacks[i], countTypes(r.plan.resources.map((x) => x.type)));
  });
}, 900_000);

describe("the runner settings Pulumi.yaml gives `pulumi up`", () => {
  const readJson = (f: string) =>
    JSON.parse(readFileSync(join(REPO_ROOT, f), "utf8")) as { extends?: string; compilerOptions?: Record<string, unknown> };

  it("loads TypeScript transpile-only through a tsconfig of its own, which the full type check does not use", () => {
    const options = projectRuntimeOptions();
    expect(options.typescript ?? true).toBe(true);
    expect(options.tsconfig).toBe("tsconfig.pulumi.json");
    // The runner reads this file's own compilerOptions (not what it extends) for noCheck.
    expect(readJson("tsconfig.pulumi.json")).toEqual({ extends: "./tsconfig.json", compilerOptions: { noCheck: true } });
    expect(readJson("tsconfig.json").compilerOptions?.noCheck).toBeUndefined();
    expect(
      (JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts.typecheck,
    ).toBe("tsc --noEmit -p .");
  });
});

describe.each(stacks)("%s through the runner", (stack) => {
  it("loads infra/index.ts and exits cleanly", () => {
    const r = runs.get(stack)!;
    // Warnings the program logs (e.g. a documentation range in operatorCidrs) may stand; errors may not.
    expect(r.stderr.split("\n").filter((l) => l !== "" && !l.startsWith("warning: "))).toEqual([]);
    expect(r.code).toBe(0);
  });

  it("registers the resources the offline plan records, and the stack outputs", () => {
    const r = runs.get(stack)!;
    const { "pulumi:pulumi:Stack": root, ...types } = r.types;
    expect(root).toBe(1);
    expect(types).toEqual(planned.get(stack));
    expect(r.outputs).toEqual(["bastion", "encryptionKey", "logArchive", "monitoring", "nodes", "scheduler", "validation"]);
  });
});
