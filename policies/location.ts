/**
 * Where a violation is reported: the line that constructs the resource when
 * the plan recorded it, else the stack's config file (the closest thing a
 * reviewer can open). Pure, shared by the text, JSON, SARIF and Markdown
 * reports.
 */
import type { PlannedSource } from "../infra/plan/types";
import type { Violation } from "./evaluate";

export interface ReportLocation {
  /** File relative to the repository root (or absolute when outside it), `/`-separated. */
  readonly file: string;
  readonly line: number;
  readonly column?: number;
  /** True when the plan had no source position and the stack's file stands in for it. */
  readonly approximate: boolean;
}

/** The config file of a stack, relative to the repository root. */
export function stackFile(stack: string | undefined): string {
  return stack === undefined ? "Pulumi.yaml" : `stacks/Pulumi.${stack}.yaml`;
}

export function locationOf(
  violation: Pick<Violation, "stack" | "source">,
  fallback: (stack?: string) => string = stackFile,
): ReportLocation {
  const source: PlannedSource | undefined = violation.source;
  if (source !== undefined)
    return { file: source.file, line: source.line, ...(source.column ? { column: source.column } : {}), approximate: false };
  return { file: fallback(violation.stack), line: 1, approximate: true };
}

/** `components/pool/aws-network.ts:105`, the form editors and terminals turn into links. */
export function locationText(location: ReportLocation): string {
  return `${location.file}:${location.line}`;
}
