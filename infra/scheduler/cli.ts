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

function usage(): never {
  process.stderr.write("usage: npm run scheduler -- (--stack <name> | --input <file|-> | --schema | --write-schema) [--document]\n");
  process.exit(64);
}

async function run(argv: string[]): Promise<number> {
  let stack: string | undefined;
  let input: string | undefined;
  let document = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--stack") stack = argv[++i] ?? usage();
    else if (a === "--input") input = argv[++i] ?? usage();
    else if (a === "--document") document = true;
    else if (a === "--schema") {
      process.stdout.write(schemaText());
      return 0;
    } else if (a === "--write-schema") {
      mkdirSync(dirname(SCHEMA_FILE), { recursive: true });
      writeFileSync(SCHEMA_FILE, schemaText());
      process.stderr.write(`wrote ${SCHEMA_FILE}\n`);
      return 0;
    } else usage();
  }
  if ((stack === undefined) === (input === undefined)) usage();

  let doc: unknown;
  if (stack !== undefined) {
    const run = await planStack(stack);
    // Readable placeholders instead of the engine's unknown sentinel.
    doc = JSON.parse(JSON.stringify(run.plan.outputs.scheduler).replaceAll(`"${UNKNOWN}"`, '"(unknown until deployed)"'));
    process.stderr.write(`(offline plan of ${stack}: addresses the cloud assigns show as unknown until deployed)\n`);
  } else {
    const text = readFileSync(input === "-" ? 0 : (input as string), "utf8");
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
