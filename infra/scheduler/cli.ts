/**
 * `npm run scheduler -- --stack <name>`      nodes of a stack's offline plan
 * `npm run scheduler -- --input <file|->`    nodes of a real `pulumi stack output scheduler --json`
 * `npm run scheduler -- --schema`            print the JSON Schema
 * `npm run scheduler -- --write-schema`      regenerate schema/scheduler.schema.json
 *
 * Prints `{ "remote_nodes": [...] }`, the fragment `state/mission_profile.json`
 * can merge; `--document` prints the validated scheduler document instead.
 */
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { planStack } from "../plan/engine";
import { UNKNOWN } from "../plan/types";
import { remoteNodesFragment } from "./contract";
import { schedulerSchema } from "./schema";
import { assertSchedulerDocument, SCHEMA_FILE } from "./validate";
import { exitAfterFlush } from "../plan/io";

export function schemaText(): string {
  return `${JSON.stringify(schedulerSchema, null, 2)}\n`;
}

const USAGE =
  "usage: npm run scheduler -- (--stack <name> | --input <file|-> | --schema | --write-schema) [--document]\n" +
  "  --stack <name>   the remote_nodes fragment of a stack's offline plan (addresses unknown until deployed)\n" +
  "  --input <file|-> read `pulumi stack output scheduler --json` from a file, or from stdin (-)\n" +
  "  --document       print the validated scheduler document instead of the fragment\n" +
  "  --schema         print the JSON Schema; --write-schema regenerates schema/scheduler.schema.json\n";

/** A command line that cannot be run; the message says which argument and why (exit 64). */
class UsageError extends Error {}

async function run(argv: string[]): Promise<number> {
  try {
    return await runArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`error: ${e.message}\n${USAGE}`);
    return 64;
  }
}

async function runArgs(argv: string[]): Promise<number> {
  let stack: string | undefined;
  let input: string | undefined;
  let document = false;
  const value = (i: number): string => {
    const v = argv[i];
    if (v === undefined || (v.startsWith("-") && v !== "-")) throw new UsageError(`${argv[i - 1]} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--help" || a === "-h") {
      process.stdout.write(USAGE);
      return 0;
    } else if (a === "--stack") stack = value(++i);
    else if (a === "--input") input = value(++i);
    else if (a === "--document") document = true;
    else if (a === "--schema") {
      process.stdout.write(schemaText());
      return 0;
    } else if (a === "--write-schema") {
      mkdirSync(dirname(SCHEMA_FILE), { recursive: true });
      writeFileSync(SCHEMA_FILE, schemaText());
      process.stderr.write(`wrote ${SCHEMA_FILE}\n`);
      return 0;
    } else throw new UsageError(`unknown argument ${JSON.stringify(a)}`);
  }
  if (stack !== undefined && input !== undefined) throw new UsageError("give either --stack or --input, not both");
  if (stack === undefined && input === undefined) throw new UsageError("say where the nodes come from: --stack <name> or --input <file|->");

  let doc: unknown;
  if (stack !== undefined) {
    const run = await planStack(stack);
    // Readable placeholders instead of the engine's unknown sentinel.
    doc = JSON.parse(JSON.stringify(run.plan.outputs.scheduler).replaceAll(`"${UNKNOWN}"`, '"(unknown until deployed)"'));
    process.stderr.write(`(offline plan of ${stack}: addresses the cloud assigns show as unknown until deployed)\n`);
  } else {
    let text: string;
    try {
      text = readFileSync(input === "-" ? 0 : (input as string), "utf8");
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new Error(
        `--input ${input}: ${code === "ENOENT" ? "no such file" : (e as Error).message} (expected the output of \`pulumi stack output scheduler --json\`)`,
        { cause: e },
      );
    }
    try {
      doc = JSON.parse(text);
    } catch (e) {
      throw new Error(`${input}: not JSON (expected the output of \`pulumi stack output scheduler --json\`): ${(e as Error).message}`, {
        cause: e,
      });
    }
  }
  assertSchedulerDocument(doc);
  process.stdout.write(`${JSON.stringify(document ? doc : remoteNodesFragment(doc), null, 2)}\n`);
  return 0;
}

if (require.main === module) {
  run(process.argv.slice(2)).then(
    (code) => exitAfterFlush(code),
    (e: unknown) => {
      process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
}
