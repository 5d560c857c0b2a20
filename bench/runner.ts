/**
 * `pulumi up`'s load path (`npx tsx bench/runner.ts`, or through `npm run
 * bench`): wall time from process start to exit and peak memory of
 * @pulumi/pulumi's own runner loading and running a program with a cold
 * ts-node cache (test/helpers/runner.ts), under the mock monitor.
 * Target: each pool stack with the runner settings Pulumi.yaml gives it loads
 * no slower than a one-instance TypeScript program under the runner's
 * defaults (ratio <= 1.0) and in < 512 MiB. The same-settings ratio (the
 * one-instance program transpile-only too) is printed for reference.
 */
import { loadavg } from "node:os";
import { projectRuntimeOptions, runThroughRunner, type RunnerResult } from "../test/helpers/runner";

type Row = Record<string, string | number>;

const YARDSTICK = "bench/runner/one-instance.ts";
const MiB = 1024 ** 2;

async function measure(what: string, run: () => Promise<RunnerResult>): Promise<RunnerResult> {
  const r = await run();
  if (r.code !== 0) throw new Error(`${what}: the runner exited with ${r.code}: ${r.stderr.slice(0, 2000)}`);
  return r;
}

export async function benchRunner(): Promise<{ rows: Row[] }> {
  const settings = projectRuntimeOptions();
  const rows: Row[] = [];
  const row = (label: string, r: RunnerResult, target: string): Row => ({
    bench: "runner",
    case: label,
    resources: Object.values(r.types).reduce((a, b) => a + b, 0),
    "wall s": Number((r.wallMs / 1000).toFixed(2)),
    "peak MiB": Math.round(r.maxRssBytes / MiB),
    target,
    load1: Number((loadavg()[0] ?? 0).toFixed(1)),
  });
  const checked = await measure("one instance, type-checked", () =>
    runThroughRunner({ stack: "aws-pilot", program: YARDSTICK, runtimeOptions: {} }),
  );
  rows.push(row("one instance, runner defaults (type-checked)", checked, "yardstick"));
  const plain = await measure("one instance, transpile-only", () =>
    runThroughRunner({ stack: "aws-pilot", program: YARDSTICK, runtimeOptions: settings }),
  );
  rows.push(row("one instance, Pulumi.yaml settings (transpile-only)", plain, "reference"));
  for (const stack of ["aws-pool", "gcp-pool", "azure-pool"]) {
    const r = await measure(stack, () => runThroughRunner({ stack, runtimeOptions: settings }));
    const ratio = r.wallMs / checked.wallMs;
    rows.push(
      row(
        `${stack} infra/index.ts, Pulumi.yaml settings`,
        r,
        [
          `<= 1.0 x one instance (${ratio.toFixed(2)} x): ${ratio <= 1 ? "pass" : "FAIL"}`,
          `< 512 MiB: ${r.maxRssBytes < 512 * MiB ? "pass" : "FAIL"}`,
          `same settings: ${(r.wallMs / plain.wallMs).toFixed(2)} x`,
        ].join("; "),
      ),
    );
  }
  return { rows };
}

if (require.main === module) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { printTable } = require("./plan") as typeof import("./plan");
  benchRunner().then(
    ({ rows }) => printTable("pulumi up load path (@pulumi/pulumi cmd/run, cold ts-node cache)", rows),
    (e: unknown) => {
      process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
}
