/**
 * Offline plan benchmark (`npx tsx bench/plan.ts`, or through `npm run bench`):
 * wall time and peak memory of planning core = 1, 10, 100, 1000 nodes on each
 * cloud (one worker process per plan, as `npm start` runs them), and of the
 * six stacks together. Targets on a 2-core machine: six stacks < 10 s;
 * 1000 nodes < 30 s and <= 870 MiB (15 % headroom under 1 GiB); the 1000-node
 * time <= 11 x the 100-node time, also on a busy machine (`load1` says how busy).
 */
import { loadavg } from "node:os";
import { listStacks, planStack, planStacks, PlanError } from "../infra/plan/engine";
import { CLOUDS } from "../infra/clouds";

type Row = Record<string, string | number>;

const SIZES = (process.env["LOGOS_BENCH_SIZES"] ?? "1,10,100,1000").split(",").map(Number);
/** 1 GiB less 15 % headroom. */
const MEMORY_LIMIT = 870 * 1024 ** 2;

export async function benchPlan(): Promise<{ rows: Row[] }> {
  const rows: Row[] = [];
  for (const cloud of CLOUDS) {
    const times = new Map<number, number>();
    for (const core of SIZES) {
      const started = performance.now();
      const run = await planStack(`${cloud}-pilot`, { overrides: { coreNodes: core } });
      const wall = (performance.now() - started) / 1000;
      times.set(core, wall);
      const verdicts: string[] = [];
      if (core === 1000) {
        verdicts.push(wall < 30 ? "< 30 s: pass" : "< 30 s: FAIL");
        verdicts.push(run.maxRssBytes <= MEMORY_LIMIT ? "<= 870 MiB: pass" : "<= 870 MiB: FAIL");
        const t100 = times.get(100);
        if (t100)
          verdicts.push(
            wall <= 11 * t100
              ? `<= 11 x 100-node (${(wall / t100).toFixed(1)} x): pass`
              : `<= 11 x 100-node (${(wall / t100).toFixed(1)} x): FAIL`,
          );
      }
      rows.push({
        bench: "plan",
        case: `${cloud} core=${core}`,
        resources: run.plan.resources.length,
        "wall s": Number(wall.toFixed(2)),
        "program s": Number((run.ms / 1000).toFixed(2)),
        "peak MiB": Math.round(run.maxRssBytes / 1024 ** 2),
        target: verdicts.join("; "),
        load1: Number((loadavg()[0] ?? 0).toFixed(1)),
      });
    }
  }
  const stacks = listStacks();
  const started = performance.now();
  const all = await planStacks(stacks, { concurrency: 2 });
  const wall = (performance.now() - started) / 1000;
  const failed = all.filter((r) => r instanceof PlanError).length;
  rows.push({
    bench: "plan",
    case: `all ${stacks.length} stacks (npm start's work)`,
    resources: all.reduce((n, r) => n + (r instanceof PlanError ? 0 : r.plan.resources.length), 0),
    "wall s": Number(wall.toFixed(2)),
    "program s": Number((all.reduce((n, r) => n + (r instanceof PlanError ? 0 : r.ms), 0) / 1000).toFixed(2)),
    "peak MiB": Math.max(...all.map((r) => (r instanceof PlanError ? 0 : Math.round(r.maxRssBytes / 1024 ** 2)))),
    target: failed > 0 ? `${failed} FAILED` : wall < 10 ? "< 10 s: pass" : "< 10 s: FAIL",
    load1: Number((loadavg()[0] ?? 0).toFixed(1)),
  });
  return { rows };
}

export function printTable(title: string, rows: readonly Row[]): void {
  if (rows.length === 0) return;
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))].filter((c) => c !== "bench");
  const width = (c: string) => Math.max(c.length, ...rows.map((r) => String(r[c] ?? "").length));
  process.stdout.write(`\n## ${title}\n`);
  process.stdout.write(`${cols.map((c) => c.padEnd(width(c))).join("  ")}\n`);
  process.stdout.write(`${cols.map((c) => "-".repeat(width(c))).join("  ")}\n`);
  for (const r of rows) process.stdout.write(`${cols.map((c) => String(r[c] ?? "").padEnd(width(c))).join("  ")}\n`);
}

if (require.main === module) {
  benchPlan().then(
    ({ rows }) => printTable("offline plan", rows),
    (e: unknown) => {
      process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
}
