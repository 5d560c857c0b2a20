/**
 * The policy report as Markdown, for a CI job summary
 * (`$GITHUB_STEP_SUMMARY`): one table row per violation with its stack,
 * enforcement, rule, severity, resource, `file:line` (a link to that line
 * when the commit is known) and message. Pure: the CLI writes the file.
 */
import type { Violation } from "./evaluate";
import { locationOf, locationText } from "./location";

export interface SummaryOptions {
  /** Stacks checked, with their resource counts. */
  readonly checked: ReadonlyArray<{ readonly stack: string; readonly resources: number }>;
  /** Stacks that could not be planned. */
  readonly failures?: ReadonlyArray<{ readonly stack: string; readonly message: string }>;
  /** Base URL of the checked-out commit's files (`<server>/<repo>/blob/<sha>`); locations become links when set. */
  readonly blobUrl?: string;
}

/** A table cell: no pipe ends the cell early, no newline ends the row. */
function cell(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

function where(violation: Violation, blobUrl: string | undefined): string {
  const location = locationOf(violation);
  const text = `\`${cell(locationText(location))}\`${location.approximate ? " (no source position)" : ""}`;
  if (blobUrl === undefined || location.file.startsWith("/")) return text;
  return `[${text}](${blobUrl}/${encodeURI(location.file)}#L${location.line})`;
}

export function toMarkdown(violations: readonly Violation[], options: SummaryOptions): string {
  const mandatory = violations.filter((v) => v.enforcementLevel === "mandatory").length;
  const resources = options.checked.reduce((n, c) => n + c.resources, 0);
  const stacks = `${options.checked.length} stack${options.checked.length === 1 ? "" : "s"}`;
  const lines: string[] = [];
  if (violations.length === 0) {
    lines.push(`### Policy check: no violations in ${stacks} (${resources} resources)`);
  } else {
    lines.push(
      `### Policy check: ${violations.length} violation${violations.length === 1 ? "" : "s"} (${mandatory} mandatory) in ${stacks} (${resources} resources)`,
      "",
      "| enforcement | stack | rule | severity | resource | where | message |",
      "|---|---|---|---|---|---|---|",
      ...violations.map(
        (v) =>
          `| ${v.enforcementLevel === "mandatory" ? "❌ mandatory" : `⚠️ ${v.enforcementLevel}`} | ${cell(v.stack ?? "")} | ` +
          `\`${v.rule}\` | ${v.severity} | \`${cell(v.resource)}\` | ${where(v, options.blobUrl)} | ${cell(v.message)} |`,
      ),
    );
  }
  for (const failure of options.failures ?? []) {
    lines.push(
      "",
      `**Stack \`${cell(failure.stack)}\` could not be planned**, so none of its resources were checked: ${cell(failure.message)}`,
    );
  }
  return `${lines.join("\n")}\n`;
}
