/**
 * Reading a saved plan for `npm run policy -- --plan <file>`: every way the
 * file can be wrong is an error naming the file (and the stack and resource
 * inside it) and what was expected, never a raw exception from a rule that
 * met a resource without inputs, and never a clean pass over nothing.
 */
import { readFileSync } from "node:fs";
import type { Plan } from "../infra/plan/types";

/** A saved plan that cannot be checked; the message names the file and what is wrong. */
export class PlanFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PlanFileError";
  }
}

const EXPECTED = "expected what `npm run plan -- --json` prints: { stack, cloud, resources, outputs } or an array of them";

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** What is wrong with one plan document, or undefined when it can be checked. */
function planProblem(doc: unknown, where: string): string | undefined {
  if (!isObject(doc) || typeof doc.stack !== "string" || !Array.isArray(doc.resources)) return `${where} is not a plan (${EXPECTED})`;
  const stack = `${where} (stack ${doc.stack})`;
  if (doc.resources.length === 0) {
    return `${stack} has no resources: an empty plan checks nothing (was it saved from a plan that failed?)`;
  }
  for (const [i, r] of doc.resources.entries()) {
    if (!isObject(r)) return `${stack}: resources[${i}] is not an object`;
    for (const field of ["urn", "type", "name"] as const) {
      if (typeof r[field] !== "string") return `${stack}: resources[${i}] has no string "${field}"`;
    }
    if (!isObject(r.inputs)) return `${stack}: resources[${i}] (${String(r.type)} ${String(r.name)}) has no "inputs" object`;
  }
  return undefined;
}

/** Reads `file` (a plan or an array of plans) or throws a {@link PlanFileError}. */
export function readPlanFile(file: string): Plan[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : (e as Error).message;
    throw new PlanFileError(`--plan ${file}: ${why} (save one with \`npm run plan -- --stack <name> --json > out/<name>.plan.json\`)`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new PlanFileError(`--plan ${file}: not valid JSON (${(e as Error).message}); ${EXPECTED}`);
  }
  const docs = Array.isArray(doc) ? doc : [doc];
  if (docs.length === 0) throw new PlanFileError(`--plan ${file}: an empty array holds no plan; ${EXPECTED}`);
  docs.forEach((d, i) => {
    const problem = planProblem(d, Array.isArray(doc) ? `${file}[${i}]` : file);
    if (problem) throw new PlanFileError(problem.startsWith(file) ? `--plan ${problem}` : problem);
  });
  return docs as Plan[];
}
