/**
 * `npm run policy -- [--stack <name>]... [--plan <file.json>]... [--json]
 *                    [--sarif <file>] [--markdown <file>]
 *                    [--operator-cidr <cidr>]... [--emit-config --stack <name>]`
 *
 * Runs the pack's rule objects over offline plans — no Pulumi CLI, plugin or
 * cloud credential — and prints every violation (stack, enforcement, rule,
 * resource, the `file:line` that constructs it, message). Without --stack or
 * --plan it checks every stack in stacks/. --plan reads a saved plan (what
 * `npm run plan -- --json` prints: one plan or an array). Exit 1 on any
 * mandatory violation or unplannable stack.
 *
 * --sarif writes the same findings as a SARIF 2.1.0 log (for code scanning),
 * --markdown as a Markdown table (for a CI job summary); the exit code is
 * the same.
 *
 * --emit-config prints the policy pack config for a stack (its operatorCidrs
 * handed to the rules that read them), for
 * `pulumi preview --policy-pack policies --policy-pack-config <file>`.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { listStacks, planStacks } from "../infra/plan/engine";
import { loadStackConfig, REPO_ROOT } from "../infra/plan/stack-config";
import type { Plan } from "../infra/plan/types";
import { evaluatePlan, hasBlocking, packConfig, type PackConfig, type Violation } from "./evaluate";
import { exitAfterFlush } from "../infra/plan/io";
import { locationOf, locationText } from "./location";
import { registry } from "./registry";
import { toSarif } from "./sarif";
import { toMarkdown } from "./summary";
import { readPlanFile } from "./plan-file";

interface Args {
  stacks: string[];
  plans: string[];
  operatorCidrs: string[];
  json: boolean;
  emitConfig: boolean;
  help?: boolean;
  sarif?: string;
  markdown?: string;
}

const OPERATOR_CIDRS_KEY = "logos-compute:operatorCidrs";

const USAGE =
  "usage: npm run policy -- [--stack <name>]... [--plan <file.json>]... [--json] [--sarif <file>] [--markdown <file>]\n" +
  "                         [--operator-cidr <cidr>]...\n" +
  "       npm run policy -- --emit-config --stack <name>\n";

/** A command line that cannot be run; the message says which argument and why (exit 64). */
class UsageError extends Error {}

function usage(why: string): never {
  throw new UsageError(why);
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { stacks: [], plans: [], operatorCidrs: [], json: false, emitConfig: false };
  const valueOf = (i: number): string => {
    const value = argv[i];
    if (value === undefined || value.startsWith("--")) usage(`${argv[i - 1]} needs a value`);
    return value;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    const [flag, inline] = arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    const take = (): string => inline ?? valueOf(++i);
    if (flag === "--stack" || flag === "-s") args.stacks.push(take());
    else if (flag === "--plan") args.plans.push(take());
    else if (flag === "--operator-cidr") args.operatorCidrs.push(take());
    else if (flag === "--json") args.json = true;
    else if (flag === "--sarif") args.sarif = take();
    else if (flag === "--markdown") args.markdown = take();
    else if (flag === "--emit-config") args.emitConfig = true;
    else if (flag === "--help" || flag === "-h") args.help = true;
    else usage(`unknown argument ${JSON.stringify(arg)}`);
  }
  return args;
}

/** The stack's operatorCidrs (stack file over Pulumi.yaml defaults); `--operator-cidr` replaces them. */
function configFor(stack: string, override: readonly string[]): PackConfig {
  if (override.length > 0) return packConfig({ operatorCidrs: [...override] });
  let cidrs: unknown = [];
  try {
    cidrs = loadStackConfig(stack).values[OPERATOR_CIDRS_KEY] ?? [];
  } catch {
    // A saved plan may come from a stack this checkout does not have; the bastion rules then fail closed.
  }
  if (!Array.isArray(cidrs) || !cidrs.every((c) => typeof c === "string")) {
    throw new Error(`stacks/Pulumi.${stack}.yaml: ${OPERATOR_CIDRS_KEY} must be a list of CIDR strings`);
  }
  return packConfig({ operatorCidrs: cidrs });
}

/** `--emit-config` hands the stack's own operatorCidrs to the pack, so the stack must exist here. */
function emitConfigFor(stack: string, override: readonly string[]): PackConfig {
  if (override.length === 0) loadStackConfig(stack); // throws naming stacks/Pulumi.<stack>.yaml and the known stacks
  return configFor(stack, override);
}

interface Checked {
  readonly stack: string;
  readonly resources: number;
  readonly violations: readonly Violation[];
}

function render(checked: readonly Checked[]): string {
  const lines: string[] = [];
  for (const { stack, resources, violations } of checked) {
    lines.push(`${stack}: ${resources} resources, ${violations.length} violation${violations.length === 1 ? "" : "s"}`);
    for (const v of violations) {
      lines.push(`  [${v.enforcementLevel}] ${v.rule}  ${v.resource}  ${locationText(locationOf(v))}\n      ${v.message}`);
    }
  }
  return lines.join("\n");
}

/** A violation in the JSON report: its `file:line` spelled out next to the structured source. */
function reported(v: Violation): Violation & { location: string } {
  return { ...v, location: locationText(locationOf(v)) };
}

interface Failure {
  readonly stack: string;
  readonly message: string;
}

/** Writes the SARIF log and the Markdown summary the flags ask for. */
function writeReports(args: Args, checked: readonly Checked[], failures: readonly Failure[]): void {
  const violations = checked.flatMap((c) => c.violations);
  if (args.sarif !== undefined) {
    const { version } = JSON.parse(readFileSync(join(REPO_ROOT, "policies", "package.json"), "utf8")) as { version: string };
    const log = toSarif(violations, registry.rules, { version, failures });
    writeFileSync(args.sarif, `${JSON.stringify(log, null, 2)}\n`);
  }
  if (args.markdown !== undefined) {
    const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repo, GITHUB_SHA: sha } = process.env;
    const blobUrl = server && repo && sha ? `${server}/${repo}/blob/${sha}` : undefined;
    const summary = toMarkdown(violations, {
      checked: checked.map(({ stack, resources }) => ({ stack, resources })),
      failures,
      ...(blobUrl === undefined ? {} : { blobUrl }),
    });
    writeFileSync(args.markdown, summary);
  }
}

async function run(): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2));
    if (args.emitConfig && !args.help && args.stacks.length !== 1) {
      usage(`--emit-config needs exactly one --stack <name>, got ${args.stacks.length}`);
    }
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`error: ${e.message}\n${USAGE}`);
    return 64;
  }
  if (args.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (args.emitConfig) {
    process.stdout.write(`${JSON.stringify(emitConfigFor(args.stacks[0] ?? "", args.operatorCidrs), null, 2)}\n`);
    return 0;
  }
  const started = performance.now();
  const plans: Plan[] = args.plans.flatMap(readPlanFile);
  const failures: Failure[] = [];
  const stacks = args.stacks.length > 0 ? args.stacks : args.plans.length > 0 ? [] : listStacks();
  if (stacks.length > 0) {
    // Each stack plans in its own process; run them all at once, the work is mostly process start-up.
    // Source positions let every report point at the line that constructs a resource.
    const runs = await planStacks(stacks, { sourcePositions: true });
    for (const [i, result] of runs.entries()) {
      if (result instanceof Error) {
        failures.push({ stack: stacks[i] ?? "?", message: result.message });
        process.stderr.write(`error: stack ${stacks[i]}: ${result.message}\n`);
      } else {
        plans.push(result.plan);
      }
    }
  }
  const planned = performance.now();
  const checked: Checked[] = plans.map((plan) => ({
    stack: plan.stack,
    resources: plan.resources.length,
    violations: evaluatePlan(plan, { config: configFor(plan.stack, args.operatorCidrs) }),
  }));
  const all = checked.flatMap((c) => c.violations);
  const failed = failures.length;
  writeReports(args, checked, failures);
  const mandatory = all.filter((v) => v.enforcementLevel === "mandatory").length;
  const checkMs = performance.now() - planned;
  const seconds = (performance.now() - started) / 1000;
  if (args.json) {
    process.stdout.write(
      `${JSON.stringify({ checked: checked.map(({ stack, resources }) => ({ stack, resources })), violations: all.map(reported), mandatory, failed }, null, 2)}\n`,
    );
  } else {
    process.stdout.write(`${render(checked)}\n`);
    process.stdout.write(
      `\n${checked.length} stack${checked.length === 1 ? "" : "s"} checked, ${all.length} violation${all.length === 1 ? "" : "s"} ` +
        `(${mandatory} mandatory)${failed > 0 ? `, ${failed} not plannable` : ""}, ${seconds.toFixed(1)} s ` +
        `(rules: ${checkMs.toFixed(0)} ms)\n`,
    );
  }
  return hasBlocking(all) || failed > 0 ? 1 : 0;
}

run().then(
  (code) => exitAfterFlush(code),
  (error: unknown) => {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
