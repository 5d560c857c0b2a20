import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { deploymentId } from "../../infra/deployment";
import { gcpAgentConfig, monitoringBootstrap } from "../../infra/monitoring-bootstrap";

describe("deploymentId", () => {
  it("reads as the stack and tells the shipped stacks of one project apart", () => {
    const pilot = deploymentId({ project: "logos-compute", stack: "gcp-pilot" });
    const pool = deploymentId({ project: "logos-compute", stack: "gcp-pool" });
    expect(pilot).toMatch(/^gcp-pilot-[0-9a-f]{8}$/);
    expect(pool).toMatch(/^gcp-pool-[0-9a-f]{8}$/);
    expect(pilot).not.toBe(pool);
    expect(deploymentId({ project: "logos-compute", stack: "gcp-pool" })).toBe(pool);
  });

  it("differs for the same stack name in another Pulumi project, and for stacks that clean up alike", () => {
    const a = deploymentId({ project: "logos-compute", stack: "prod" });
    expect(deploymentId({ project: "other-program", stack: "prod" })).not.toBe(a);
    expect(deploymentId({ project: "p", stack: "team.prod" })).not.toBe(deploymentId({ project: "p", stack: "team-prod" }));
    expect(deploymentId({ project: "p", stack: "Prod" })).not.toBe(deploymentId({ project: "p", stack: "prod" }));
  });

  it("property: always a GCP label value, an AWS or Azure tag value: <= 63 of [a-z0-9-], starting with a letter", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 120 }), fc.string({ minLength: 1, maxLength: 100 }), (project, stack) => {
        expect(deploymentId({ project, stack })).toMatch(/^[a-z][a-z0-9-]{0,38}$/);
      }),
    );
  });
});

describe("the Ops Agent labels validation results with the deployment", () => {
  it("adds logos-deployment next to logos-pool when given, and nothing when not", () => {
    const config = gcpAgentConfig({ name: "logos" }, "gcp-pool-1a2b3c4d");
    expect(config).toContain('        labels."logos-pool":\n          static_value: "logos"\n');
    expect(config).toContain('        labels."logos-deployment":\n          static_value: "gcp-pool-1a2b3c4d"\n');
    expect(gcpAgentConfig({ name: "logos" })).not.toContain("logos-deployment");
    const spec = { cloud: "gcp", name: "logos", region: "us-central1", stateDir: "/var/lib/logos/state" } as const;
    const staged = monitoringBootstrap(spec, "gcp-pool-1a2b3c4d").files?.find((f) => f.path === "/etc/logos/ops-agent.yaml");
    expect(staged?.content).toContain('static_value: "gcp-pool-1a2b3c4d"');
  });
});
