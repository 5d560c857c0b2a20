/**
 * Source positions in the plan: each resource carries the file and line of
 * the `new …(…)` that created it, taken from the SDK's RegisterResource
 * request, only when asked for (the policy check), and as TypeScript lines
 * even though tsx runs transpiled JavaScript.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { planStacks, sourceOf, type PlanRun } from "../../infra/plan/engine";
import { REPO_ROOT } from "../../infra/plan/stack-config";

const STACKS = ["aws-pilot", "gcp-pilot", "azure-pilot"];
const withSource = new Map<string, PlanRun>();
let without: PlanRun;

beforeAll(async () => {
  const runs = await planStacks(STACKS, { sourcePositions: true });
  for (const [i, run] of runs.entries()) {
    if (run instanceof Error) throw run;
    withSource.set(STACKS[i]!, run);
  }
  const [plain] = await planStacks(["aws-pilot"], { concurrency: 1 });
  if (plain === undefined || plain instanceof Error) throw plain ?? new Error("no plan");
  without = plain;
}, 180_000);

const lineOf = (file: string, line: number): string => readFileSync(join(REPO_ROOT, file), "utf8").split("\n")[line - 1] ?? "";

describe("source positions in the plan", () => {
  it.each(STACKS)("%s: every resource points at the `new` that created it, in the TypeScript source", (stack) => {
    const { plan } = withSource.get(stack)!;
    expect(plan.resources.length).toBeGreaterThan(30);
    const wrong = plan.resources.flatMap((r) => {
      const s = r.source;
      if (s === undefined) return [`${r.name}: no source`];
      const text = lineOf(s.file, s.line);
      // A JavaScript line or column (tsx transpiles) would not land on the `new` expression.
      return s.file.startsWith("/") || !text.slice((s.column ?? 1) - 1).startsWith("new ")
        ? [`${r.name}: ${s.file}:${s.line}: ${text}`]
        : [];
    });
    expect(wrong).toEqual([]);
  });

  it("a resource inside a component points at the line inside the component", () => {
    const { plan } = withSource.get("aws-pilot")!;
    const sg = plan.resources.find((r) => r.name === "logos-bastion-sg")!;
    expect(sg.source?.file).toBe("components/pool/aws-network.ts");
    expect(lineOf(sg.source!.file, sg.source!.line)).toContain("new aws.ec2.SecurityGroup(");
    const pool = plan.resources.find((r) => r.type === "logos:compute:VmPool")!;
    expect(pool.source?.file).toBe("infra/program.ts");
    expect(lineOf(pool.source!.file, pool.source!.line)).toContain("new VmPool(");
  });

  it("is off unless asked for, so npm start does not pay for it", () => {
    expect(without.plan.resources.length).toBe(withSource.get("aws-pilot")!.plan.resources.length);
    expect(without.plan.resources.filter((r) => r.source !== undefined)).toEqual([]);
  });
});

describe("sourceOf", () => {
  const at = (path: string, line: number, column?: number) => ({ uri: pathToFileURL(path).toString(), line, column });
  const root = "/repo";

  it("takes the SDK's own position, relative to the repository root", () => {
    expect(sourceOf([at("/repo/components/pool/aws.ts", 12, 5), at("/repo/infra/program.ts", 80, 16)], root)).toEqual({
      file: "components/pool/aws.ts",
      line: 12,
      column: 5,
    });
  });

  it("skips frames inside dependencies for the first line of this repository", () => {
    expect(sourceOf([at("/repo/node_modules/@pulumi/awsx/lb.js", 40, 9), undefined, at("/repo/infra/program.ts", 80, 16)], root)).toEqual({
      file: "infra/program.ts",
      line: 80,
      column: 16,
    });
  });

  it("keeps the SDK's position when no frame is in the repository, with an absolute path outside it", () => {
    expect(sourceOf([at("/elsewhere/lib.ts", 3, 1), at("/repo/node_modules/x/index.js", 1, 1)], root)).toEqual({
      file: "/elsewhere/lib.ts",
      line: 3,
      column: 1,
    });
  });

  it("ignores positions without a file or line", () => {
    expect(sourceOf([{ uri: "node:internal/x", line: 3 }, at("/repo/a.ts", 0), undefined], root)).toBeUndefined();
  });
});
