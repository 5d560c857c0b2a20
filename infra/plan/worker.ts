/**
 * Plans the stacks (or variants, see `planVariants`) named on the command
 * line one after another and writes one JSON line per stack to stdout:
 * `{ stack, run: { plan, ms, maxRssBytes } }`, or `{ stack, error }` when the
 * stack cannot be planned.
 */
import { PlanError, planInProcess, type PlanVariant, type WorkerLine } from "./engine";

function write(line: WorkerLine): Promise<void> {
  // Wait for the pipe to take each line: a large plan outlives one write.
  return new Promise((resolve, reject) => process.stdout.write(`${JSON.stringify(line)}\n`, (e) => (e ? reject(e) : resolve())));
}

async function run(): Promise<void> {
  const stacks = process.argv.slice(2);
  if (stacks.length === 0) throw new PlanError("usage: worker.ts <stack>...");
  const overrides = JSON.parse(process.env.LOGOS_PLAN_OVERRIDES ?? "{}") as Record<string, unknown>;
  const computed = process.env.LOGOS_PLAN_COMPUTED === "placeholder" ? "placeholder" : "unknown";
  const sourcePositions = process.env.LOGOS_PLAN_SOURCE_POSITIONS === "1";
  const program = process.env.LOGOS_PLAN_PROGRAM || undefined;
  // Variants name a stack and overrides of their own under an id; a bare argument is a stack.
  const variants = new Map((JSON.parse(process.env.LOGOS_PLAN_VARIANTS ?? "[]") as PlanVariant[]).map((v) => [v.id, v] as const));
  for (const stack of stacks) {
    const variant = variants.get(stack) ?? { id: stack, stack };
    try {
      const run = await planInProcess(variant.stack, {
        overrides: { ...overrides, ...variant.overrides },
        computed: variant.computed ?? computed,
        outputs: process.env.LOGOS_PLAN_OUTPUTS === "eager" ? "eager" : "on-read",
        sourcePositions,
        program,
      });
      await write({ stack, run });
    } catch (e) {
      const error = e instanceof PlanError ? e.message : e instanceof Error ? (e.stack ?? e.message) : String(e);
      await write({ stack, error });
    }
  }
}

run().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(2);
  },
);
