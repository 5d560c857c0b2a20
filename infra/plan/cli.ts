/**
 * `npm start` / `npm run plan -- [--stack <name>] [--json] [--all]`
 *
 * Plans stacks offline and prints a summary per stack, or with --json one
 * plan document `{ stack, cloud, resources, outputs }` (with several stacks,
 * a JSON array of them). Exit 1 when a stack cannot be planned. Values only
 * the cloud computes are unknown, as in a first `pulumi preview`, unless
 * --placeholders asks for fakes.
 */
import { listStacks, planStacks, PlanError } from "./engine";
import { renderSummary } from "./summary";
import { exitAfterFlush } from "./io";
import { isDiffInvocation, runDiff } from "./diff-cli";

interface Args {
  stacks: string[];
  json: boolean;
  placeholders: boolean;
}

function usage(): never {
  process.stderr.write(
    "usage: npm run plan -- [--stack <name>]... [--json] [--placeholders]\n" +
      "  no --stack: every stack in stacks/; --placeholders: fill values only the cloud computes (ids, ARNs) with fakes instead of unknown\n",
  );
  process.exit(64);
}

function parseArgs(argv: string[]): Args {
  const args: Args = { stacks: [], json: false, placeholders: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--stack" || a === "-s") {
      const v = argv[++i];
      if (!v) usage();
      args.stacks.push(v);
    } else if (a.startsWith("--stack=")) args.stacks.push(a.slice(8));
    else if (a === "--json") args.json = true;
    else if (a === "--placeholders") args.placeholders = true;
    else if (a === "--all") continue;
    else if (a === "--help" || a === "-h") usage();
    else {
      process.stderr.write(`unknown argument: ${a}\n`);
      usage();
    }
  }
  return args;
}

async function run(): Promise<number> {
  // --diff-config / --day2: what a config change does to a running pool (infra/plan/diff-cli.ts).
  if (isDiffInvocation(process.argv.slice(2))) return runDiff(process.argv.slice(2));
  const args = parseArgs(process.argv.slice(2));
  const stacks = args.stacks.length > 0 ? args.stacks : listStacks();
  if (stacks.length === 0) {
    process.stderr.write("no stacks: add stacks/Pulumi.<name>.yaml\n");
    return 1;
  }
  const started = performance.now();
  if (!args.json) process.stderr.write(`planning ${stacks.length} stack${stacks.length > 1 ? "s" : ""}: ${stacks.join(", ")}\n`);
  const results = await planStacks(stacks, {
    computed: args.placeholders ? "placeholder" : "unknown",
    onDone: (stack, r) => {
      if (!args.json)
        process.stderr.write(
          `  ${stack}: ${r instanceof Error ? "FAILED" : `${r.plan.resources.length} resources in ${(r.ms / 1000).toFixed(1)} s`}\n`,
        );
    },
  });
  let failed = 0;
  const plans = [];
  for (const [i, r] of results.entries()) {
    if (r instanceof PlanError) {
      failed++;
      process.stderr.write(`error: stack ${stacks[i]}: ${r.message}\n`);
      continue;
    }
    plans.push(r.plan);
    for (const w of r.warnings) process.stderr.write(`warning: stack ${stacks[i]}: ${w}\n`);
    if (!args.json) process.stdout.write(`\n${renderSummary(r.plan)}\n`);
  }
  if (args.json) process.stdout.write(`${JSON.stringify(plans.length === 1 && args.stacks.length === 1 ? plans[0] : plans, null, 2)}\n`);
  else process.stderr.write(`\n${plans.length} planned, ${failed} failed, ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  return failed > 0 ? 1 : 0;
}

run().then(
  (code) => exitAfterFlush(code),
  (e: unknown) => {
    process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
