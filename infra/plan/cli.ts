/**
 * `npm start` / `npm run plan -- [--stack <name>]... [--json] [--placeholders] [--verbose]`
 *
 * Plans stacks offline and prints a short summary per stack (resources,
 * nodes, disks under the customer-managed key, public endpoints, the
 * bastion), a notice for every value a stack file still marks `REPLACE`, and
 * what to do next. `--verbose` adds resources by type and every node.
 *
 * `--json` prints plan documents `{ stack, cloud, resources, outputs }`:
 * exactly one `--stack` gives one document; otherwise (several `--stack`, or
 * every stack) a JSON array of them in stack order. Warnings and notices go
 * to stderr, so stdout stays one JSON value.
 *
 * Exit 0 when every stack planned; 1 when one could not be planned (the
 * message names the stack file and each offending key); 64 on bad arguments
 * (the message says which and why). Values only the cloud computes are
 * unknown, as in a first `pulumi preview`, unless --placeholders asks for
 * fakes.
 */
import { listStacks, planStacks, PlanError } from "./engine";
import { renderSummary, resourceCount } from "./summary";
import { exitAfterFlush } from "./io";
import { isDiffInvocation, runDiff } from "./diff-cli";
import { replaceMarkers, type ReplaceMarker } from "./stack-config";

interface Args {
  stacks: string[];
  json: boolean;
  placeholders: boolean;
  verbose: boolean;
  help: boolean;
}

export const PLAN_USAGE =
  "usage: npm run plan -- [--stack <name>]... [--json] [--placeholders] [--verbose]\n" +
  "  --stack <name>   plan stacks/Pulumi.<name>.yaml (repeatable); without it: every stack in stacks/\n" +
  "  --json           print the plan document (one --stack: an object; otherwise an array of them)\n" +
  "  --placeholders   fill values only the cloud computes (ids, ARNs, the bastion's address) with obvious fakes\n" +
  "  --verbose        list resources by type and every node\n" +
  "  --diff-config <key>=<value> / --day2: what a config change does to a running pool (see README)\n";

/** A command line that cannot be run, with the reason; exit 64 (EX_USAGE). */
export class UsageError extends Error {}

export function parsePlanArgs(argv: readonly string[]): Args {
  const args: Args = { stacks: [], json: false, placeholders: false, verbose: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--stack" || a === "-s") {
      const v = argv[++i];
      if (v === undefined || v.startsWith("-")) throw new UsageError(`${a} needs a stack name (stacks/Pulumi.<name>.yaml)`);
      args.stacks.push(v);
    } else if (a.startsWith("--stack=")) {
      if (a.length === 8) throw new UsageError("--stack= needs a stack name (stacks/Pulumi.<name>.yaml)");
      args.stacks.push(a.slice(8));
    } else if (a === "--json") args.json = true;
    else if (a === "--placeholders") args.placeholders = true;
    else if (a === "--verbose" || a === "-v") args.verbose = true;
    else if (a === "--all") continue;
    else if (a === "--help" || a === "-h") args.help = true;
    else throw new UsageError(`unknown argument ${JSON.stringify(a)}${a.startsWith("-") ? "" : "; name a stack with --stack <name>"}`);
  }
  return args;
}

function notices(markers: readonly ReplaceMarker[]): string {
  if (markers.length === 0) return "";
  const lines = [`Still marked REPLACE in ${markers[0].file} (fill in before \`pulumi up\`, then delete the marker):`];
  const width = String(Math.max(...markers.map((m) => m.line))).length;
  for (const m of markers) lines.push(`  line ${String(m.line).padEnd(width)}  ${m.key}${m.note ? `: ${m.note.replace(/\.$/, "")}` : ""}`);
  return `${lines.join("\n")}\n`;
}

/** The last line: what to do after reading the plan. */
function nextStep(stacks: readonly string[], pending: readonly string[]): string {
  const one = stacks.length === 1 ? stacks[0] : "<stack>";
  const fill =
    pending.length > 0
      ? `fill the REPLACE values in ${pending.length === 1 ? `stacks/Pulumi.${pending[0]}.yaml` : "the stack files listed above"}, then `
      : "";
  return `next: ${fill}set up a backend and run \`pulumi stack select ${one} --create && pulumi up\` (README: "Deploying a stack")\n`;
}

async function run(): Promise<number> {
  const argv = process.argv.slice(2);
  // --diff-config / --day2: what a config change does to a running pool (infra/plan/diff-cli.ts).
  if (isDiffInvocation(argv)) return runDiff(argv);
  let args: Args;
  try {
    args = parsePlanArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`error: ${e.message}\n${PLAN_USAGE}`);
    return 64;
  }
  if (args.help) {
    process.stdout.write(PLAN_USAGE);
    return 0;
  }
  const stacks = args.stacks.length > 0 ? args.stacks : listStacks();
  if (stacks.length === 0) {
    process.stderr.write('error: no stacks to plan: add stacks/Pulumi.<name>.yaml (README: "Adding a stack")\n');
    return 1;
  }
  const started = performance.now();
  process.stderr.write(`planning ${stacks.length} stack${stacks.length > 1 ? "s" : ""}: ${stacks.join(", ")}\n`);
  const results = await planStacks(stacks, {
    computed: args.placeholders ? "placeholder" : "unknown",
    onDone: (stack, r) => {
      process.stderr.write(`  ${stack}: ${r instanceof Error ? "FAILED" : `${resourceCount(r.plan)} in ${(r.ms / 1000).toFixed(1)} s`}\n`);
    },
  });
  let failed = 0;
  const plans = [];
  const pending: string[] = [];
  for (const [i, r] of results.entries()) {
    const stack = stacks[i];
    if (r instanceof PlanError) {
      failed++;
      process.stderr.write(`error: stack ${stack}: ${r.message}\n`);
      continue;
    }
    plans.push(r.plan);
    const markers = replaceMarkers(stack);
    if (markers.length > 0) pending.push(stack);
    // A value still marked REPLACE gets the notice; its warning (e.g. a documentation range) would say it twice.
    const warnings = r.warnings
      .filter((w) => !markers.some((m) => w.startsWith(`${m.key}[`) || w.startsWith(`${m.key} `)))
      .map((w) => `warning: ${w}\n`)
      .join("");
    if (args.json) process.stderr.write(`${warnings.replaceAll("warning: ", `warning: stack ${stack}: `)}${notices(markers)}`);
    else process.stdout.write(`\n${renderSummary(r.plan, { verbose: args.verbose })}\n${warnings}${notices(markers)}`);
  }
  if (args.json) {
    process.stdout.write(`${JSON.stringify(args.stacks.length === 1 ? (plans[0] ?? null) : plans, null, 2)}\n`);
  } else {
    process.stdout.write(
      `\n${plans.length} planned, ${failed} failed, ${((performance.now() - started) / 1000).toFixed(1)} s` +
        `${args.verbose ? "" : " (--verbose: resources by type and every node)"}\n`,
    );
    if (plans.length > 0) process.stdout.write(nextStep(stacks, pending));
  }
  return failed > 0 ? 1 : 0;
}

if (require.main === module) {
  run().then(
    (code) => exitAfterFlush(code),
    (e: unknown) => {
      process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
}
