import { parseSpec, SpecError, type RawConfig } from "../../infra/spec";

/** Every problem `parseSpec` reports for `raw`; none when it parses. */
export function specProblems(raw: RawConfig): string[] {
  try {
    parseSpec(raw);
  } catch (e) {
    if (e instanceof SpecError) return [...e.problems];
    throw e;
  }
  return [];
}
