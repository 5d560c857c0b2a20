/**
 * Validation overhead: the component's validated run versus the bare
 * workload (the two python commands run directly), both over the same
 * `ssh -J` path through a real bastion sshd, on the workload fixture.
 * Target: validated ÷ bare <= 1.15.
 *
 *   npx tsx bench/validation.ts            (LOGOS_BENCH_RUNS=N, default 5)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import * as path from "node:path";

import { buildValidationCommand, parseValidationResult, shellJoin, shellQuote } from "../infra/node/validation";
import { startSshPair, type SshPair } from "../test/e2e/harness/sshd";
import { installScript, makeCheckout, optionsFor, type Checkout } from "../test/e2e/harness/workload";

export const VALIDATION_OVERHEAD_TARGET = 1.15;

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

function bareCommand(c: Checkout): string {
  const env = ["env", `LOGOS_STATE_DIR=${c.stateDir}`, "python3"];
  return [
    `cd ${shellQuote(c.repoDir)}`,
    shellJoin([...env, "test_lem_discharge.py"]),
    shellJoin([...env, "scripts/boot_aligned_agent.py"]),
  ].join(" && ");
}

interface Timed {
  readonly wall: number;
  /** From the validator's own `seconds`: its total and the two workload steps inside it. */
  readonly inScript?: { readonly total: number; readonly workload: number };
}

async function timed(pair: SshPair, command: string, label: "bare" | "validated"): Promise<Timed> {
  const r = await pair.run("logos-node", command, { timeoutMs: 600_000 });
  if (r.code !== 0) throw new Error(`bench ${label} run failed (exit ${r.code}): ${r.stderr.slice(-2_000)}`);
  if (label === "bare") return { wall: r.ms / 1000 };
  const { seconds } = parseValidationResult(r.stdout);
  const workload = (seconds["lem"] ?? 0) + (seconds["boot"] ?? 0);
  return { wall: r.ms / 1000, inScript: { total: seconds["total"] ?? 0, workload } };
}

export async function benchValidation(
  runs = Number(process.env["LOGOS_BENCH_RUNS"] ?? 5),
): Promise<{ rows: Array<Record<string, string | number>> }> {
  const pair = await startSshPair();
  const root = mkdtempSync(path.join(tmpdir(), "logos-bench-validation-"));
  try {
    const checkout = makeCheckout(root, "node");
    const validated = buildValidationCommand(optionsFor(checkout, installScript(root)));
    const bare = bareCommand(checkout);
    // One warm-up of each (page cache, Coq's .vo loading), then alternate so drift hits both alike.
    await timed(pair, bare, "bare");
    await timed(pair, validated, "validated");
    const loadBefore = loadavg()[0] ?? 0;
    const bareTimes: number[] = [];
    const validatedTimes: number[] = [];
    const ownTimes: number[] = [];
    const inScriptRatios: number[] = [];
    for (let i = 0; i < runs; i++) {
      bareTimes.push((await timed(pair, bare, "bare")).wall);
      const v = await timed(pair, validated, "validated");
      validatedTimes.push(v.wall);
      if (v.inScript) {
        ownTimes.push(v.inScript.total - v.inScript.workload);
        inScriptRatios.push(v.inScript.total / v.inScript.workload);
      }
    }
    const bareMedian = median(bareTimes);
    const validatedMedian = median(validatedTimes);
    const ratio = validatedMedian / bareMedian;
    const round = (x: number) => Math.round(x * 1000) / 1000;
    return {
      rows: [
        { bench: "validation", metric: "bare workload over ssh -J (median)", value: round(bareMedian), unit: "s", runs },
        { bench: "validation", metric: "validated run over ssh -J (median)", value: round(validatedMedian), unit: "s", runs },
        {
          bench: "validation",
          metric: "validation overhead (validated ÷ bare)",
          value: round(ratio),
          unit: "x",
          target: `<= ${VALIDATION_OVERHEAD_TARGET}`,
          verdict: ratio <= VALIDATION_OVERHEAD_TARGET ? "meets target" : "over target",
          // Wall-clock figures on a shared 2-core machine swing with load; keep it next to them.
          load1: `${loadBefore.toFixed(2)} -> ${(loadavg()[0] ?? 0).toFixed(2)}`,
        },
        // Less sensitive to machine load: the validator's own steps, timed inside one run.
        {
          bench: "validation",
          metric: "validator's own time (total - lem - boot, median)",
          value: round(median(ownTimes)),
          unit: "s",
          runs,
        },
        {
          bench: "validation",
          metric: "in-script overhead (total ÷ (lem + boot), median)",
          value: round(median(inScriptRatios)),
          unit: "x",
          runs,
        },
      ],
    };
  } finally {
    await pair.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

if (require.main === module) {
  benchValidation()
    .then(({ rows }) => {
      for (const row of rows) {
        console.log(
          `${String(row["metric"]).padEnd(52)} ${String(row["value"]).padStart(8)} ${row["unit"]}${row["target"] ? `  (target ${row["target"]}: ${row["verdict"]}; load ${row["load1"]})` : ""}`,
        );
      }
    })
    .catch((e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    });
}
