/**
 * `npm run plan -- --stack <name> --diff-config <key>=<value> [...] [--json]`
 * `npm run plan -- --stack <name> --day2 [--json]`
 *
 * What a config change does to a running pool: plans the stack as its file
 * says and again with the changes, and prints every resource that is
 * created, updated, replaced or deleted, why (the changed inputs, and for a
 * replacement the force-new rule or `replaceOnChanges`), and what becomes of
 * data-bearing resources. `--day2` prints the README's matrix of day-2
 * changes for the stack. Exit 0; 2 when a change deletes or replaces a
 * data-bearing resource; 1 when a plan cannot be made; 64 on bad arguments.
 */
import { parse } from "yaml";
import { CONFIG_KEYS, NAMESPACE } from "../spec";
import { dataLosses, day2Changes, day2Matrix, describeChange, type Day2Change, type Day2Result } from "./day2";
import { PlanError } from "./engine";

/** Whether these arguments ask for a diff rather than a plan. */
export function isDiffInvocation(argv: readonly string[]): boolean {
  return argv.some((a) => a === "--day2" || a === "--diff-config" || a.startsWith("--diff-config="));
}

interface DiffArgs {
  readonly stacks: string[];
  readonly changes: Record<string, unknown>;
  readonly day2: boolean;
  readonly json: boolean;
}

export class DiffUsageError extends Error {}

/**
 * Parses `key=value`: the value as YAML (`2`, `true`, `[a, b]`), and for a
 * list-typed key a plain value as a comma-separated list (`operatorCidrs=198.51.100.0/24`).
 */
export function parseAssignment(text: string): [string, unknown] {
  const eq = text.indexOf("=");
  if (eq <= 0) throw new DiffUsageError(`--diff-config expects key=value, got ${JSON.stringify(text)}`);
  const key = text.slice(0, eq).trim();
  const raw = text.slice(eq + 1);
  const short = key.startsWith(`${NAMESPACE}:`) ? key.slice(NAMESPACE.length + 1) : key;
  const decl = (CONFIG_KEYS as Readonly<Record<string, { type: string }>>)[short];
  if (!key.includes(":") && !decl)
    throw new DiffUsageError(`--diff-config: ${NAMESPACE}:${key} is not a config key; keys: ${Object.keys(CONFIG_KEYS).join(", ")}`);
  let value: unknown;
  try {
    value = parse(raw) as unknown;
  } catch {
    value = raw;
  }
  if (decl?.type === "array" && !Array.isArray(value))
    value = raw
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== "");
  if (decl?.type === "string" && typeof value !== "string") value = raw;
  return [key, value];
}

export function parseDiffArgs(argv: readonly string[]): DiffArgs {
  const args: DiffArgs = { stacks: [], changes: {}, day2: false, json: false };
  let json = false;
  let day2 = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new DiffUsageError(`${a} needs a value`);
      return v;
    };
    if (a === "--stack" || a === "-s") args.stacks.push(value());
    else if (a.startsWith("--stack=")) args.stacks.push(a.slice(8));
    else if (a === "--diff-config") {
      const [k, v] = parseAssignment(value());
      args.changes[k] = v;
    } else if (a.startsWith("--diff-config=")) {
      const [k, v] = parseAssignment(a.slice("--diff-config=".length));
      args.changes[k] = v;
    } else if (a === "--day2") day2 = true;
    else if (a === "--json") json = true;
    else throw new DiffUsageError(`unknown argument for a diff: ${a}`);
  }
  if (args.stacks.length === 0) throw new DiffUsageError("a diff needs --stack <name>");
  if (day2 === Object.keys(args.changes).length > 0) throw new DiffUsageError("give either --diff-config key=value (repeatable) or --day2");
  return { ...args, day2, json };
}

const USAGE =
  "usage: npm run plan -- --stack <name> --diff-config <key>=<value> [--diff-config ...] [--json]\n" +
  "       npm run plan -- --stack <name> --day2 [--json]\n";

/** The full listing of one change on one stack. */
export function renderChange(result: Day2Result): string {
  const head = `== ${result.stack}: ${result.change.title}`;
  if ("refused" in result) return `${head}\nrefused by the spec, nothing changes: ${result.refused}\n`;
  const changed = result.changes.filter((c) => c.change !== "unchanged");
  const unchanged = result.changes.length - changed.length;
  const losses = dataLosses(result.changes);
  const sources = [...new Set(changed.flatMap((c) => (c.sources ?? []).map((s) => `  ${c.type}: ${s}`)))].sort();
  return [
    head,
    ...changed.map((c) => `  ${describeChange(c)}`),
    `  ${unchanged} unchanged`,
    losses.length === 0
      ? "Data-bearing resources: none deleted or replaced."
      : `DATA LOSS: ${losses.map((c) => `${c.name} (${c.data}) ${c.change === "delete" ? "deleted" : "replaced"}`).join("; ")}`,
    ...(sources.length > 0 ? ["Provider rules:", ...sources] : []),
    "",
  ].join("\n");
}

/** One row of the matrix: counts per kind and what happens to data. */
export function summarizeChange(result: Day2Result): string {
  if ("refused" in result) return `${result.change.title}: refused by the spec — ${result.refused}`;
  const count = (k: string) => result.changes.filter((c) => c.change === k).length;
  const data = result.changes.filter((c) => c.data && c.change !== "unchanged");
  const losses = dataLosses(result.changes);
  const dataText =
    data.length === 0
      ? "no data-bearing resource touched"
      : data.map((c) => `${c.name} ${c.change}${c.fate ? ` (${c.fate})` : ""}`).join(", ") + (losses.length > 0 ? " — DATA LOSS" : "");
  return `${result.change.title}: ${count("create")} create, ${count("update")} update, ${count("replace")} replace, ${count("delete")} delete; ${dataText}`;
}

/** Runs a diff invocation and returns the exit code. */
export async function runDiff(argv: readonly string[], out: (s: string) => void = (s) => process.stdout.write(s)): Promise<number> {
  let args: DiffArgs;
  try {
    args = parseDiffArgs(argv);
  } catch (e) {
    if (!(e instanceof DiffUsageError)) throw e;
    process.stderr.write(`${e.message}\n${USAGE}`);
    return 64;
  }
  let results: Day2Result[];
  try {
    const requests = args.stacks.flatMap((stack) =>
      (args.day2
        ? day2Changes(stack)
        : [
            {
              id: "diff-config",
              title: Object.entries(args.changes)
                .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
                .join(" "),
              before: {},
              after: args.changes,
            } satisfies Day2Change,
          ]
      ).map((change) => ({ stack, change })),
    );
    results = await day2Matrix(requests);
  } catch (e) {
    if (!(e instanceof PlanError)) throw e;
    process.stderr.write(`error: ${e.message}\n`);
    return 1;
  }
  if (args.json) out(`${JSON.stringify(results, null, 2)}\n`);
  else if (args.day2) for (const r of results) out(`${r.stack}: ${summarizeChange(r)}\n`);
  else for (const r of results) out(`${renderChange(r)}\n`);
  return results.some((r) => "changes" in r && dataLosses(r.changes).length > 0) ? 2 : 0;
}
