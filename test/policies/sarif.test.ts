/**
 * Policy results where reviewers look: SARIF 2.1.0 for code scanning (valid
 * against the official schema) and a Markdown table for the job summary,
 * each violation at the line that constructs the resource — for a resource
 * inside a component, the line inside the component.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Log } from "sarif";
import { beforeAll, describe, expect, it } from "vitest";
import { planStack } from "../../infra/plan/engine";
import { REPO_ROOT } from "../../infra/plan/stack-config";
import type { Violation } from "../../policies/evaluate";
import { registry } from "../../policies/registry";
import { toSarif } from "../../policies/sarif";
import { toMarkdown } from "../../policies/summary";
import { sarifValidator } from "./sarif-schema";

const valid = sarifValidator();
const dir = mkdtempSync(join(tmpdir(), "logos-sarif-"));

function cli(args: string[], env: Record<string, string> = {}): { code: number; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, ["--import", "tsx", join(REPO_ROOT, "policies", "cli.ts"), ...args], {
    cwd: REPO_ROOT,
    encoding: "utf8",
    env: { ...process.env, GITHUB_SERVER_URL: "", GITHUB_REPOSITORY: "", GITHUB_SHA: "", ...env },
  });
  return { code: run.status ?? -1, stdout: run.stdout, stderr: run.stderr };
}

/** The 1-based line of `file` whose text contains `fragment`; fails unless exactly one does. */
function lineContaining(file: string, fragment: string): number {
  const lines = readFileSync(join(REPO_ROOT, file), "utf8").split("\n");
  const found = lines.flatMap((text, i) => (text.includes(fragment) ? [i + 1] : []));
  if (found.length !== 1) throw new Error(`${file}: ${found.length} lines contain ${fragment}`);
  return found[0]!;
}

const violation = (over: Partial<Violation> = {}): Violation => ({
  stack: "aws-pool",
  rule: "aws-ec2-sg-no-public-ingress",
  cloud: "aws",
  severity: "critical",
  enforcementLevel: "mandatory",
  urn: "urn:pulumi:aws-pool::logos-compute::logos:compute:VmPool$aws:ec2/securityGroup:SecurityGroup::logos-bastion-sg",
  resource: "logos-bastion-sg",
  type: "aws:ec2/securityGroup:SecurityGroup",
  message: "SecurityGroup 'logos-bastion-sg': ingress[0] source 0.0.0.0/0 (tcp 22) admits the whole internet; narrow it.",
  source: { file: "components/pool/aws-network.ts", line: 105, column: 32 },
  ...over,
});

describe("toSarif", () => {
  it("is a valid SARIF 2.1.0 log: one rule per policy, one result per violation at its line", () => {
    const log = toSarif([violation(), violation({ stack: "aws-pilot", enforcementLevel: "advisory" })], registry.rules, {
      version: "0.1.0",
    });
    expect(valid(log)).toEqual([]);
    const [run] = log.runs;
    const rules = run!.tool.driver.rules!;
    expect(rules.map((r) => r.id)).toEqual(registry.rules.map((r) => r.name));
    for (const [i, rule] of registry.rules.entries()) {
      expect(rules[i]!.fullDescription?.text).toBe(rule.description);
      expect(rules[i]!.help?.text).toBe(`Fix: ${rule.remediation}`);
      expect(rules[i]!.defaultConfiguration?.level).toBe("error");
      expect(rules[i]!.properties?.["security-severity"]).toBe({ critical: "9.5", high: "8.0", medium: "5.5", low: "3.0" }[rule.severity]);
      expect(rules[i]!.properties?.tags).toContain("security");
    }
    expect(run!.results).toHaveLength(2);
    const [first, second] = run!.results!;
    expect(first!.ruleId).toBe("aws-ec2-sg-no-public-ingress");
    expect(rules[first!.ruleIndex!]!.id).toBe(first!.ruleId);
    expect(first!.level).toBe("error");
    expect(second!.level).toBe("warning");
    expect(first!.message.text).toBe(`aws-pool: ${violation().message}`);
    expect(first!.locations?.[0]?.physicalLocation).toEqual({
      artifactLocation: { uri: "components/pool/aws-network.ts", uriBaseId: "%SRCROOT%" },
      region: { startLine: 105, startColumn: 32 },
    });
    expect(first!.locations?.[0]?.logicalLocations?.[0]?.fullyQualifiedName).toBe(violation().urn);
  });

  it("places a violation the plan has no position for at the stack's config file", () => {
    const { source: _source, ...withoutSource } = violation();
    const log = toSarif([withoutSource], registry.rules, { version: "0.1.0" });
    expect(valid(log)).toEqual([]);
    expect(log.runs[0]!.results![0]!.locations![0]!.physicalLocation).toEqual({
      artifactLocation: { uri: "stacks/Pulumi.aws-pool.yaml", uriBaseId: "%SRCROOT%" },
      region: { startLine: 1 },
    });
  });

  it("reports a stack that could not be planned as a failed execution", () => {
    const log = toSarif([], registry.rules, { version: "0.1.0", failures: [{ stack: "gcp-pool", message: "bad config" }] });
    expect(valid(log)).toEqual([]);
    const [invocation] = log.runs[0]!.invocations!;
    expect(invocation!.executionSuccessful).toBe(false);
    expect(invocation!.toolExecutionNotifications?.[0]?.message.text).toBe(
      "stack gcp-pool could not be planned, so none of its resources were checked: bad config",
    );
  });

  it("refuses a violation of a rule it does not report", () => {
    expect(() => toSarif([violation({ rule: "aws-made-up-rule" })], registry.rules, { version: "0.1.0" })).toThrow(
      "violation of aws-made-up-rule, which is not among the rules reported",
    );
  });

  it("the schema check bites: a result without a message or with a string location is refused", () => {
    const log = toSarif([violation()], registry.rules, { version: "0.1.0" }) as unknown as {
      runs: [{ results: Record<string, unknown>[] }];
    };
    delete log.runs[0].results[0]!.message;
    log.runs[0].results[0]!.locations = ["components/pool/aws-network.ts:105"];
    expect(valid(log)).toEqual(
      expect.arrayContaining(["/runs/0/results/0 must have required property 'message'", "/runs/0/results/0/locations/0 must be object"]),
    );
  });
});

describe("toMarkdown", () => {
  it("one table row per violation, its file:line linked to the commit", () => {
    const md = toMarkdown([violation({ message: "a | b\nc" })], {
      checked: [{ stack: "aws-pool", resources: 120 }],
      blobUrl: "https://github.com/o/r/blob/abc",
    });
    expect(md).toContain("### Policy check: 1 violation (1 mandatory) in 1 stack (120 resources)");
    expect(md).toContain("| enforcement | stack | rule | severity | resource | where | message |");
    expect(md).toContain(
      "| ❌ mandatory | aws-pool | `aws-ec2-sg-no-public-ingress` | critical | `logos-bastion-sg` | " +
        "[`components/pool/aws-network.ts:105`](https://github.com/o/r/blob/abc/components/pool/aws-network.ts#L105) | a \\| b c |",
    );
  });

  it("says when there is nothing to fix, and names stacks that were not checked", () => {
    const md = toMarkdown([], { checked: [{ stack: "aws-pool", resources: 120 }], failures: [{ stack: "gcp-pool", message: "boom" }] });
    expect(md).toBe(
      "### Policy check: no violations in 1 stack (120 resources)\n\n" +
        "**Stack `gcp-pool` could not be planned**, so none of its resources were checked: boom\n",
    );
  });
});

describe("npm run policy: a violation introduced in a component", () => {
  const COMPONENT = "test/fixtures/policy/leaky-service.ts";
  let planFile: string;
  let line: number;

  beforeAll(async () => {
    const run = await planStack("aws-pilot", { program: "test/fixtures/policy/leaky-program.ts", sourcePositions: true });
    planFile = join(dir, "leaky-plan.json");
    writeFileSync(planFile, JSON.stringify(run.plan));
    line = lineContaining(COMPONENT, "new aws.ec2.SecurityGroup(");
  }, 120_000);

  it("shows in the SARIF log at the component's line, and the log validates", () => {
    const sarif = join(dir, "leaky.sarif");
    const run = cli(["--plan", planFile, "--sarif", sarif]);
    expect(run.code).toBe(1); // still fails on the mandatory violation
    const log = JSON.parse(readFileSync(sarif, "utf8")) as Log;
    expect(valid(log)).toEqual([]);
    const results = log.runs[0]!.results!;
    expect(results.map((r) => r.ruleId)).toEqual(["aws-ec2-sg-no-public-ingress"]);
    expect(results[0]!.locations![0]!.physicalLocation).toEqual({
      artifactLocation: { uri: COMPONENT, uriBaseId: "%SRCROOT%" },
      region: { startLine: line, startColumn: 19 },
    });
    expect(results[0]!.message.text).toContain("admits the whole internet");
  });

  it("the text and JSON reports show file:line", () => {
    const text = cli(["--plan", planFile]);
    expect(text.stdout).toContain(`[mandatory] aws-ec2-sg-no-public-ingress  logos-leaky-web  ${COMPONENT}:${line}`);
    const json = JSON.parse(cli(["--plan", planFile, "--json"]).stdout) as { violations: Array<Violation & { location: string }> };
    expect(json.violations.map((v) => [v.location, v.source])).toEqual([[`${COMPONENT}:${line}`, { file: COMPONENT, line, column: 19 }]]);
  });

  it("--markdown writes the job summary table, linking the line when GitHub names the commit", () => {
    const summary = join(dir, "summary.md");
    const run = cli(["--plan", planFile, "--markdown", summary], {
      GITHUB_SERVER_URL: "https://github.com",
      GITHUB_REPOSITORY: "logos/compute",
      GITHUB_SHA: "0123456789abcdef0123456789abcdef01234567",
    });
    expect(run.code).toBe(1);
    expect(readFileSync(summary, "utf8")).toContain(
      `[\`${COMPONENT}:${line}\`](https://github.com/logos/compute/blob/0123456789abcdef0123456789abcdef01234567/${COMPONENT}#L${line})`,
    );
  });
});

describe("npm run policy --sarif on a stack", () => {
  it("plans with source positions and writes a clean, valid log", () => {
    const sarif = join(dir, "aws-pilot.sarif");
    const run = cli(["--stack", "aws-pilot", "--sarif", sarif]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const log = JSON.parse(readFileSync(sarif, "utf8")) as Log;
    expect(valid(log)).toEqual([]);
    expect(log.runs[0]!.results).toEqual([]);
    expect(log.runs[0]!.invocations![0]!.executionSuccessful).toBe(true);
  });
});
