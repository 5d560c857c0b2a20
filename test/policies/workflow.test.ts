/**
 * .github/workflows/policy.yml: valid YAML, and the steps the policy check
 * relies on are there — SARIF to code scanning, the Markdown job summary, a
 * policy step that still fails the job on a mandatory violation, and a
 * preview job that authenticates by OIDC only, never by a stored secret.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { REPO_ROOT } from "../../infra/plan/stack-config";

interface Step {
  readonly name?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly if?: string;
  readonly with?: Record<string, unknown>;
  readonly "continue-on-error"?: unknown;
}
interface Job {
  readonly if?: string;
  readonly permissions?: Record<string, string>;
  readonly steps: readonly Step[];
  readonly strategy?: { matrix: { include: Array<{ stack: string; cloud: string }> } };
}

const FILE = join(REPO_ROOT, ".github", "workflows", "policy.yml");
const text = readFileSync(FILE, "utf8");
const workflow = parse(text) as { on: Record<string, unknown>; jobs: Record<string, Job> };

function step(job: Job, predicate: (s: Step) => boolean, what: string): Step {
  const found = job.steps.filter(predicate);
  if (found.length !== 1) throw new Error(`expected one step that ${what}, found ${found.length}`);
  return found[0]!;
}

describe(".github/workflows/policy.yml", () => {
  it("parses and runs on pull requests and on main (code scanning's base for comparisons)", () => {
    expect(Object.keys(workflow.on).sort()).toEqual(["pull_request", "push"]);
    expect(Object.keys(workflow.jobs).sort()).toEqual(["offline", "preview"]);
  });

  describe("offline job", () => {
    const offline = workflow.jobs.offline!;

    it("writes SARIF and the job summary from the policy check, and fails the job on a mandatory violation", () => {
      const check = step(offline, (s) => s.name === "Policy check (every stack)", "runs the policy check");
      expect(check.run).toBe('npm run policy -- --sarif policy.sarif --markdown "$GITHUB_STEP_SUMMARY"');
      expect(check["continue-on-error"]).toBeUndefined();
      expect(check.if).toBeUndefined();
    });

    it("uploads the SARIF log to code scanning even when the check failed", () => {
      const upload = step(offline, (s) => s.uses?.startsWith("github/codeql-action/upload-sarif@") === true, "uploads SARIF");
      expect(upload.name).toBe("Upload SARIF to code scanning");
      expect(upload.with).toEqual({ sarif_file: "policy.sarif", category: "logos-compute-policies" });
      expect(upload.if).toMatch(/^always\(\) && /);
      expect(offline.permissions).toMatchObject({ "security-events": "write", contents: "read" });
      // Steps after the check run only when told to, so the upload must come after it and say always().
      const names = offline.steps.map((s) => s.name);
      expect(names.indexOf("Upload SARIF to code scanning")).toBeGreaterThan(names.indexOf("Policy check (every stack)"));
    });
  });

  describe("preview job", () => {
    const preview = workflow.jobs.preview!;
    const uses = (prefix: string) => step(preview, (s) => s.uses?.startsWith(prefix) === true, `uses ${prefix}`);

    it("covers every stack", () => {
      expect(preview.strategy!.matrix.include.map((m) => m.stack).sort()).toEqual([
        "aws-pilot",
        "aws-pool",
        "azure-pilot",
        "azure-pool",
        "gcp-pilot",
        "gcp-pool",
      ]);
    });

    it("asks for an OIDC token and reads no secret at all", () => {
      expect(preview.permissions?.["id-token"]).toBe("write");
      expect(text).not.toMatch(/secrets\./);
      expect(text).not.toMatch(/AWS_SECRET_ACCESS_KEY|ARM_CLIENT_SECRET|GOOGLE_CREDENTIALS|PULUMI_ACCESS_TOKEN/);
    });

    it("exchanges it for a Pulumi Cloud token, AWS role, GCP workload identity and Azure federated credential", () => {
      expect(uses("pulumi/auth-actions@").with).toEqual({
        organization: "${{ vars.PULUMI_ORGANIZATION }}",
        "requested-token-type": "urn:pulumi:token-type:access_token:organization",
      });
      const aws = uses("aws-actions/configure-aws-credentials@");
      expect(aws.with?.["role-to-assume"]).toBe("${{ vars.AWS_ROLE_ARN }}");
      expect(aws.if).toContain("matrix.cloud == 'aws'");
      const gcp = uses("google-github-actions/auth@");
      expect(gcp.with).toEqual({
        workload_identity_provider: "${{ vars.GCP_WORKLOAD_IDENTITY_PROVIDER }}",
        service_account: "${{ vars.GCP_SERVICE_ACCOUNT }}",
      });
      const azure = step(preview, (s) => s.name === "Azure credentials (OIDC federated credential)", "sets up Azure OIDC");
      expect(azure.run).toContain('echo "ARM_USE_OIDC=true"');
      for (const key of ["ARM_CLIENT_ID", "ARM_TENANT_ID", "ARM_SUBSCRIPTION_ID"]) expect(azure.run).toContain(`${key}=`);
      expect(azure.run).not.toContain("ARM_CLIENT_SECRET");
    });

    it("credentials come before the preview, which runs the pack with the stack's config", () => {
      const names = preview.steps.map((s) => s.name ?? s.uses ?? s.run);
      const previewAt = names.indexOf("pulumi preview with the policy pack");
      for (const name of [
        "Pulumi Cloud token (OIDC)",
        "AWS credentials (OIDC role assumption)",
        "GCP credentials (OIDC workload identity federation)",
      ]) {
        expect(names.indexOf(name)).toBeGreaterThan(-1);
        expect(names.indexOf(name)).toBeLessThan(previewAt);
      }
      expect(preview.steps[previewAt]!.with).toMatchObject({ command: "preview", policyPacks: "policies" });
    });
  });

  it("pins every action to a major version", () => {
    const all = Object.values(workflow.jobs).flatMap((job) => job.steps.flatMap((s) => (s.uses ? [s.uses] : [])));
    expect(all.length).toBeGreaterThan(8);
    for (const action of all) expect(action).toMatch(/^[\w.-]+\/[\w./-]+@v\d+$/);
  });
});
