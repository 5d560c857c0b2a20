/**
 * The policy report as a SARIF 2.1.0 log, the format GitHub code scanning
 * (and most review tools) read: one rule per policy with its description,
 * remediation and severity; one result per violation, located at the line
 * that constructs the resource, relative to the repository root. Pure: the
 * CLI writes the file.
 *
 * Field use follows GitHub's "SARIF support for code scanning"
 * (github/docs, content/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning.md):
 * `security-severity` scores (over 9.0 critical, 7.0-8.9 high, 4.0-6.9
 * medium, below low), `precision`, tags, and relative URIs under `%SRCROOT%`.
 * `partialFingerprints` are left to the upload action, which hashes the
 * reported line.
 */
import { pathToFileURL } from "node:url";
import type { EnforcementLevel, Severity } from "@pulumi/policy";
import type { Log, ReportingDescriptor, Result } from "sarif";
import type { Violation } from "./evaluate";
import type { LogosRule } from "./lib/rule";
import { locationOf, stackFile } from "./location";

export const SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
/** The repository root, to which every relative location refers. */
export const SOURCE_ROOT = "%SRCROOT%";

/** GitHub's security-severity score per CrossGuard severity. */
const SECURITY_SEVERITY: Readonly<Record<Severity, string>> = { critical: "9.5", high: "8.0", medium: "5.5", low: "3.0" };

type Level = "error" | "warning" | "note" | "none";

/** A blocking (mandatory) policy is an error; an advisory one a warning. */
export function levelOf(enforcement: EnforcementLevel): Level {
  switch (enforcement) {
    case "mandatory":
    case "remediate":
      return "error";
    case "advisory":
      return "warning";
    case "disabled":
      return "none";
  }
}

/** `aws-ec2-sg-no-public-ingress` → `AwsEc2SgNoPublicIngress`. */
function ruleName(id: string): string {
  return id
    .split("-")
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join("");
}

/** The first sentence, for the short description GitHub shows next to each result. */
function firstSentence(text: string): string {
  const end = text.search(/\.(\s|$)/);
  return end < 0 ? text : text.slice(0, end + 1);
}

export function ruleDescriptor(rule: LogosRule): ReportingDescriptor {
  return {
    id: rule.name,
    name: ruleName(rule.name),
    shortDescription: { text: firstSentence(rule.description) },
    fullDescription: { text: rule.description },
    help: { text: `Fix: ${rule.remediation}`, markdown: `**Fix:** ${rule.remediation}` },
    defaultConfiguration: { level: levelOf(rule.enforcementLevel) },
    properties: {
      tags: ["security", "infrastructure-as-code", "pulumi", rule.cloud],
      precision: "very-high",
      "security-severity": SECURITY_SEVERITY[rule.severity],
    },
  };
}

export interface SarifOptions {
  /** Pack version, reported as the tool's version. */
  readonly version: string;
  /** Where a violation without a source position is reported. @default the stack's config file */
  readonly fallback?: (stack?: string) => string;
  /** Stacks that could not be planned: reported as tool errors, since their resources went unchecked. */
  readonly failures?: ReadonlyArray<{ readonly stack: string; readonly message: string }>;
}

function result(violation: Violation, ruleIndex: number, fallback: (stack?: string) => string): Result {
  const where = locationOf(violation, fallback);
  const absolute = where.file.startsWith("/");
  return {
    ruleId: violation.rule,
    ruleIndex,
    level: levelOf(violation.enforcementLevel),
    message: { text: violation.stack === undefined ? violation.message : `${violation.stack}: ${violation.message}` },
    locations: [
      {
        physicalLocation: {
          artifactLocation: absolute ? { uri: pathToFileURL(where.file).href } : { uri: encodeURI(where.file), uriBaseId: SOURCE_ROOT },
          region: { startLine: where.line, ...(where.column === undefined ? {} : { startColumn: where.column }) },
        },
        logicalLocations: [{ name: violation.resource, fullyQualifiedName: violation.urn, kind: "resource" }],
        ...(where.approximate
          ? { message: { text: "The plan carries no source position; the stack's configuration file stands in." } }
          : {}),
      },
    ],
    properties: {
      ...(violation.stack === undefined ? {} : { stack: violation.stack }),
      urn: violation.urn,
      resourceType: violation.type,
      enforcementLevel: violation.enforcementLevel,
      severity: violation.severity,
    },
  };
}

/** A SARIF log of one run of the pack: every rule it ran, every violation it found. */
export function toSarif(violations: readonly Violation[], rules: readonly LogosRule[], options: SarifOptions): Log {
  const indexOf = new Map(rules.map((rule, i) => [rule.name, i]));
  const fallback = options.fallback ?? stackFile;
  const failures = options.failures ?? [];
  return {
    $schema: SARIF_SCHEMA,
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "logos-compute-policies",
            version: options.version,
            semanticVersion: options.version,
            rules: rules.map(ruleDescriptor),
          },
        },
        originalUriBaseIds: { [SOURCE_ROOT]: { description: { text: "The root of the logos-compute repository." } } },
        columnKind: "utf16CodeUnits",
        invocations: [
          {
            executionSuccessful: failures.length === 0,
            toolExecutionNotifications: failures.map(({ stack, message }) => ({
              level: "error",
              message: { text: `stack ${stack} could not be planned, so none of its resources were checked: ${message}` },
              locations: [{ physicalLocation: { artifactLocation: { uri: fallback(stack), uriBaseId: SOURCE_ROOT } } }],
            })),
          },
        ],
        results: violations.map((v) => {
          const index = indexOf.get(v.rule);
          if (index === undefined) throw new Error(`violation of ${v.rule}, which is not among the rules reported`);
          return result(v, index, fallback);
        }),
      },
    ],
  };
}
