/**
 * Plans one stack and writes `{ plan, ms, maxRssBytes }` as JSON to stdout;
 * on failure writes the message to stderr and exits 2.
 */
import { PlanError, planInProcess } from "./engine";

async function run(): Promise<void> {
  const stack = process.argv[2];
  if (!stack) throw new PlanError("usage: worker.ts <stack>");
  const overrides = JSON.parse(process.env.LOGOS_PLAN_OVERRIDES ?? "{}") as Record<string, unknown>;
  const computed = process.env.LOGOS_PLAN_COMPUTED === "placeholder" ? "placeholder" : "unknown";
  const result = await planInProcess(stack, { overrides, computed });
  // Exit only once the pipe has taken everything: a large plan outlives one write.
  await new Promise<void>((resolve, reject) => process.stdout.write(JSON.stringify(result), (e) => (e ? reject(e) : resolve())));
}

run().then(
  () => process.exit(0),
  (e: unknown) => {
    const message = e instanceof PlanError ? e.message : e instanceof Error ? (e.stack ?? e.message) : String(e);
    process.stderr.write(`${message}\n`);
    process.exit(2);
  },
);
