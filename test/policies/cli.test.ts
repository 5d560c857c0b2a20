import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_OPTIONS, type Plan } from "../../infra/plan/types";

const ROOT = join(__dirname, "..", "..");
const dir = mkdtempSync(join(tmpdir(), "logos-policy-cli-"));

function cli(...args: string[]): { code: number; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "policies", "cli.ts"), ...args], { cwd: ROOT, encoding: "utf8" });
  return { code: run.status ?? -1, stdout: run.stdout, stderr: run.stderr };
}

function savedPlan(name: string, plan: Plan | Plan[]): string {
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(plan));
  return file;
}

const SG = "aws:ec2/securityGroup:SecurityGroup";
const plan = (cidr: string): Plan => ({
  stack: "aws-pool",
  cloud: "aws",
  outputs: {},
  resources: [
    {
      urn: `urn:pulumi:aws-pool::logos-compute::${SG}::bastion-sg`,
      type: SG,
      name: "bastion-sg",
      custom: true,
      inputs: { ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: [cidr] }], tags: { "logos-role": "bastion" } },
      dependencies: [],
      propertyDependencies: {},
      options: DEFAULT_OPTIONS,
    },
  ],
});

describe("npm run policy", () => {
  it("passes a clean saved plan, using the stack file's operatorCidrs", () => {
    const run = cli("--plan", savedPlan("clean", plan("203.0.113.0/24")));
    expect(run.stdout).toContain("aws-pool: 1 resources, 0 violations");
    expect(run.code).toBe(0);
  });

  it("fails on a mandatory violation and prints stack, enforcement, rule, resource and message", () => {
    const run = cli("--plan", savedPlan("open", [plan("0.0.0.0/0")]));
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("aws-pool: 1 resources, 1 violation");
    expect(run.stdout).toContain("[mandatory] aws-ec2-sg-no-public-ingress  bastion-sg");
    expect(run.stdout).toContain("SecurityGroup 'bastion-sg': ingress[0] source 0.0.0.0/0 (tcp 22) admits the whole internet");
  });

  it("--operator-cidr replaces the stack's operator networks", () => {
    const run = cli("--plan", savedPlan("clean-again", plan("203.0.113.0/24")), "--operator-cidr", "198.51.100.0/24");
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("is outside operatorCidrs (198.51.100.0/24)");
  });

  it("--json prints a machine-readable report", () => {
    const run = cli("--plan", savedPlan("open-json", plan("::/0")), "--json");
    const report = JSON.parse(run.stdout) as { checked: unknown[]; violations: { rule: string; stack: string }[]; mandatory: number };
    expect(report.checked).toEqual([{ stack: "aws-pool", resources: 1 }]);
    expect(report.violations.map((v) => [v.stack, v.rule])).toEqual([["aws-pool", "aws-ec2-sg-no-public-ingress"]]);
    expect(report.mandatory).toBe(1);
    expect(run.code).toBe(1);
  });

  it("--emit-config prints the pack config for pulumi preview", () => {
    const run = cli("--emit-config", "--stack", "aws-pool");
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)["aws-ec2-sg-no-public-ingress"]).toEqual({ operatorCidrs: ["203.0.113.0/24"] });
  });

  it("rejects a file that is not a plan", () => {
    const run = cli("--plan", savedPlan("junk", { hello: "world" } as unknown as Plan));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      "is not a plan (expected what `npm run plan -- --json` prints: { stack, cloud, resources, outputs } or an array of them)",
    );
  });
});
