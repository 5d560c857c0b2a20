/** Validates a document against the committed scheduler schema (JSON Schema 2020-12). */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv2020 from "ajv/dist/2020";
import { REPO_ROOT } from "../plan/stack-config";
import type { SchedulerDocument } from "./schema";

export const SCHEMA_FILE = join(REPO_ROOT, "schema", "scheduler.schema.json");

let compiled: (((doc: unknown) => boolean) & { errors?: Array<{ instancePath: string; message?: string }> | null }) | undefined;

/** Problems with `doc` as `path: message` lines; empty when it conforms. */
export function schedulerProblems(doc: unknown): string[] {
  if (!compiled) {
    const ajv = new Ajv2020({ allErrors: true, strict: true });
    compiled = ajv.compile(JSON.parse(readFileSync(SCHEMA_FILE, "utf8")) as object);
  }
  if (compiled(doc)) return [];
  return (compiled.errors ?? []).map((e) => `${e.instancePath || "/"}: ${e.message ?? "invalid"}`);
}

export function assertSchedulerDocument(doc: unknown): asserts doc is SchedulerDocument {
  const problems = schedulerProblems(doc);
  if (problems.length > 0) throw new Error(`not a valid scheduler document:\n  ${problems.join("\n  ")}`);
}
