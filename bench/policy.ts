/**
 * Policy benchmark (`npx tsx bench/policy.ts`, or through `npm run bench`):
 *  - rule evaluation throughput over every planned resource of every stack;
 *  - wall time of the whole `npm run policy` (plan + check, all stacks, with
 *    source positions, as it runs), and what the positions cost the plan;
 *  - per-resource time of this pack against @pulumi/awsguard's resource
 *    policies on the same AWS planned resources, both driven the engine's
 *    way (type filter, unknown-checking proxy, argument bag).
 * Targets: ratio (awsguard time / ours) >= 1.0; `npm run policy` < 10 s.
 */
import { spawnSync } from "node:child_process";
import { delimiter, join } from "node:path";
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { listStacks, planStacks } from "../infra/plan/engine";
import { loadStackConfig } from "../infra/plan/stack-config";
import type { Plan, PlannedResource } from "../infra/plan/types";
import { argsFor, evaluateResource, NotApplicable, packConfig, type PackConfig } from "../policies/evaluate";

const ROOT = join(__dirname, "..");
const AWSGUARD_AREAS = ["apiGateway", "compute", "database", "elasticsearch", "network", "security", "storage"];
const POLICY_TARGET_SECONDS = 10;

type Row = Record<string, string | number>;

/**
 * Best-of-`rounds` time per call of `fn`, each round running for at least
 * `minMs`. A call that returns a promise is awaited, as the engine awaits
 * every validation; synchronous calls are not charged for a microtask.
 */
async function timePerCall(fn: () => Promise<unknown> | void, rounds = 5, minMs = 300): Promise<number> {
  const once = async (): Promise<void> => {
    const result = fn();
    if (result !== undefined) await result;
  };
  for (let i = 0; i < 200; i++) await once(); // warm up the JIT
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < rounds; round++) {
    let calls = 0;
    const started = performance.now();
    let elapsed = 0;
    while (elapsed < minMs) {
      await once();
      calls += 1;
      elapsed = performance.now() - started;
    }
    best = Math.min(best, elapsed / calls);
  }
  return best;
}

/** awsguard's resource policies, loaded from its modules without constructing its PolicyPack (which would start a server). */
function loadAwsguardPolicies(): ResourceValidationPolicy[] {
  const policies: ResourceValidationPolicy[] = [];
  for (const area of AWSGUARD_AREAS) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(`@pulumi/awsguard/${area}`) as Record<string, unknown>;
    for (const value of Object.values(mod)) {
      const policy = value as Partial<ResourceValidationPolicy> | null;
      if (policy && typeof policy === "object" && typeof policy.name === "string" && policy.validateResource) {
        policies.push(policy as ResourceValidationPolicy);
      }
    }
  }
  return policies;
}

/** Runs third-party policies the engine's way: fast type filter, then proxied props and the full argument bag. */
function engineStyleRunner(policies: readonly ResourceValidationPolicy[]): (resource: PlannedResource) => Promise<unknown>[] {
  const prepared = policies.map((policy) => {
    const validations = Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource!];
    const type = Array.isArray(policy.validateResource) ? undefined : (policy.validateResource as { __pulumiType?: string }).__pulumiType;
    const defaults = Object.fromEntries(
      Object.entries(policy.configSchema?.properties ?? {}).map(([key, schema]) => [key, (schema as { default?: unknown }).default]),
    );
    return { validations, type, defaults };
  });
  return (resource) => {
    const pending: Promise<unknown>[] = [];
    for (const { validations, type, defaults } of prepared) {
      if (type !== undefined && type !== resource.type) continue;
      for (const validation of validations) {
        // The same argument bag our pack gets, so both sides pay the same per call.
        const args = argsFor(resource, defaults);
        try {
          const result = validation(args, () => undefined) as unknown;
          if (result instanceof Promise) pending.push(result.catch(() => undefined));
        } catch (error) {
          if (!(error instanceof NotApplicable) && (error as Error).name !== "UnknownValueError") throw error;
        }
      }
    }
    return pending;
  };
}

function timeNpmRunPolicy(): { seconds: number; exitCode: number } {
  const started = performance.now();
  const bin = join(ROOT, "node_modules", ".bin");
  const result = spawnSync("npm", ["run", "-s", "policy"], {
    cwd: ROOT,
    env: { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH ?? ""}` },
    stdio: "ignore",
  });
  return { seconds: (performance.now() - started) / 1000, exitCode: result.status ?? -1 };
}

/** Wall time of planning `stacks` the way the policy check does, with or without source positions. */
async function timePlanning(stacks: readonly string[], sourcePositions: boolean): Promise<number> {
  const started = performance.now();
  const runs = await planStacks(stacks, { sourcePositions });
  const failed = runs.find((r) => r instanceof Error);
  if (failed) throw failed;
  return (performance.now() - started) / 1000;
}

export async function benchPolicy(): Promise<{ rows: Row[] }> {
  const stacks = listStacks();
  const runs = await planStacks(stacks, { sourcePositions: true });
  const checked: { plan: Plan; config: PackConfig }[] = [];
  for (const [i, run] of runs.entries()) {
    if (run instanceof Error) throw new Error(`cannot plan ${stacks[i]}: ${run.message}`);
    const operatorCidrs = loadStackConfig(run.plan.stack).values["logos-compute:operatorCidrs"] as string[];
    checked.push({ plan: run.plan, config: packConfig({ operatorCidrs }) });
  }

  const all = checked.flatMap(({ plan, config }) => plan.resources.map((resource) => ({ resource, config })));
  const perPass = await timePerCall(() => {
    for (const { resource, config } of all) evaluateResource(resource, { config });
  });
  const throughput = Math.round(all.length / (perPass / 1000));

  const aws = all.filter(({ resource }) => resource.type.startsWith("aws:"));
  const awsguard = engineStyleRunner(loadAwsguardPolicies());
  const ours = (): void => {
    for (const { resource, config } of aws) evaluateResource(resource, { config });
  };
  const theirs = (): Promise<unknown> | undefined => {
    const pending = aws.flatMap(({ resource }) => awsguard(resource));
    return pending.length > 0 ? Promise.all(pending) : undefined;
  };
  // Interleaved rounds, best of each: on a shared machine a busy spell then
  // slows both sides instead of skewing the ratio.
  let oursMs = Number.POSITIVE_INFINITY;
  let theirsMs = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 5; round++) {
    oursMs = Math.min(oursMs, await timePerCall(ours, 1));
    theirsMs = Math.min(theirsMs, await timePerCall(theirs, 1));
  }
  const ratio = theirsMs / oursMs;
  const perResourceUs = (ms: number): number => Number(((ms * 1000) / aws.length).toFixed(2));

  const policyRun = timeNpmRunPolicy();
  // Alternate, best of three each, so a busy moment does not land on one side only.
  const withPositions: number[] = [];
  const withoutPositions: number[] = [];
  for (let i = 0; i < 3; i++) {
    withoutPositions.push(await timePlanning(stacks, false));
    withPositions.push(await timePlanning(stacks, true));
  }
  const rows: Row[] = [
    {
      bench: "policy",
      metric: "rule evaluation throughput (all stacks)",
      value: throughput,
      unit: "resources/s",
      target: "-",
      status: "info",
    },
    { bench: "policy", metric: "planned resources evaluated per pass", value: all.length, unit: "resources", target: "-", status: "info" },
    {
      bench: "policy",
      metric: "per-resource time, logos pack (AWS resources)",
      value: perResourceUs(oursMs),
      unit: "µs",
      target: "-",
      status: "info",
    },
    {
      bench: "policy",
      metric: "per-resource time, @pulumi/awsguard (same resources)",
      value: perResourceUs(theirsMs),
      unit: "µs",
      target: "-",
      status: "info",
    },
    {
      bench: "policy",
      metric: "awsguard time / logos pack time",
      value: Number(ratio.toFixed(2)),
      unit: "x",
      target: ">= 1.0",
      status: ratio >= 1 ? "pass" : "FAIL",
    },
    {
      bench: "policy",
      metric: `npm run policy (${stacks.length} stacks, plan + check)`,
      value: Number(policyRun.seconds.toFixed(1)),
      unit: "s",
      target: `< ${POLICY_TARGET_SECONDS}`,
      status: policyRun.exitCode !== 0 ? `FAIL (exit ${policyRun.exitCode})` : policyRun.seconds < POLICY_TARGET_SECONDS ? "pass" : "FAIL",
    },
    {
      bench: "policy",
      metric: `planning ${stacks.length} stacks with source positions (best of 3)`,
      value: Number(Math.min(...withPositions).toFixed(1)),
      unit: "s",
      target: "-",
      status: "info",
    },
    {
      bench: "policy",
      metric: `planning ${stacks.length} stacks without them, as npm start does (best of 3)`,
      value: Number(Math.min(...withoutPositions).toFixed(1)),
      unit: "s",
      target: "-",
      status: "info",
    },
  ];
  return { rows };
}

if (require.main === module) {
  benchPolicy().then(
    ({ rows }) => {
      for (const row of rows) process.stdout.write(`${row.metric}: ${row.value} ${row.unit}  (target ${row.target}: ${row.status})\n`);
    },
    (error: unknown) => {
      process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
