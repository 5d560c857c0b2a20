/**
 * The offline plan engine and CLI: error messages naming file and key, the
 * JSON document's shape, secrets never printed, several stacks per worker.
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { PlanError, planStack, planStacks } from "../../infra/plan/engine";
import { REPO_ROOT } from "../../infra/plan/stack-config";
import { UNKNOWN } from "../../infra/plan/types";

function cli(...args: string[]) {
  return spawnSync(process.execPath, ["--import", "tsx", "infra/plan/cli.ts", ...args], {
    cwd: REPO_ROOT,
    encoding: "utf8",
    timeout: 120_000,
  });
}

describe("offline plan engine", () => {
  it("names the stack file and every offending key for a bad config", async () => {
    await expect(planStack("aws-pilot", { overrides: { coreNodes: 0, repoRef: "main" } })).rejects.toThrow(
      "stacks/Pulumi.aws-pilot.yaml: invalid pool config (2 problems):\n" +
        "  - logos-compute:coreNodes (0) must be >= 1\n" +
        '  - logos-compute:repoRef ("main") must be a full 40-character lowercase hex commit SHA; branch and tag names are refused because they move',
    );
  });

  it("keeps planning the other stacks in a worker after one fails", async () => {
    const [bad, good] = await planStacks(["nope", "gcp-pilot"], { concurrency: 1 });
    expect(bad).toBeInstanceOf(PlanError);
    expect((bad as PlanError).message).toMatch(/^unknown stack "nope": no stacks\/Pulumi\.nope\.yaml; stacks: .*aws-pilot/);
    expect(good).not.toBeInstanceOf(PlanError);
    if (good instanceof PlanError) return;
    expect(good.plan.stack).toBe("gcp-pilot");
    expect(good.plan.resources.every((r) => r.urn.startsWith("urn:pulumi:gcp-pilot::logos-compute::"))).toBe(true);
  });

  it("plans two stacks in one process exactly as in two processes", async () => {
    const [together] = [await planStacks(["aws-pilot", "azure-pilot"], { concurrency: 1 })];
    const apart = await planStacks(["aws-pilot", "azure-pilot"], { concurrency: 2 });
    const shape = (r: unknown) =>
      r instanceof PlanError
        ? r.message
        : (r as { plan: { resources: Array<{ urn: string; inputs: unknown }> } }).plan.resources.map((x) => [x.urn, x.inputs]);
    expect(together.map(shape)).toEqual(apart.map(shape));
  });

  it("records what the SDK sends the engine: dependencies, property dependencies and options", async () => {
    const { plan } = await planStack("aws-pilot");
    const byName = (n: string) => {
      const r = plan.resources.find((x) => x.name === n);
      if (!r) throw new Error(`no ${n} in the plan`);
      return r;
    };
    const instance = byName("logos-core-0");
    const attach = byName("logos-core-0-state-attach");
    // The attachment names the instance through an Output: the SDK records it per property and overall.
    expect(attach.propertyDependencies.instanceId).toEqual([instance.urn]);
    expect(attach.dependencies).toContain(instance.urn);
    expect(attach.options.deleteBeforeReplace).toBe(true);
    // dependsOn on a component is sent as the component's URN; the validation waits for its whole path.
    expect(byName("logos-core-0-validate").dependencies).toEqual(
      expect.arrayContaining([instance.urn, attach.urn, byName("logos-bastion").urn, byName("logos-bastion-ip").urn]),
    );
    const run = byName("logos-core-0-validate-run");
    expect(run.options.replaceOnChanges).toEqual(["triggers[*]"]);
    expect(run.options.additionalSecretOutputs).toEqual(["connection"]);
    expect(run.dependencies).toContain(byName("logos-core-0-validate-copy").urn);
    expect(byName("logos-archive-bucket").options.retainOnDelete).toBe(true);
    // Options nobody set come back as the engine's defaults, never missing.
    expect(instance.options).toMatchObject({ protect: false, ignoreChanges: expect.any(Array), replaceOnChanges: [] });
    for (const r of plan.resources) {
      expect(Array.isArray(r.dependencies)).toBe(true);
      expect(typeof r.options.protect).toBe("boolean");
    }
  });

  it("keeps preview semantics: values only the cloud computes are unknown", async () => {
    const run = await planStack("aws-pilot");
    const bastion = run.plan.outputs.bastion as Record<string, unknown>;
    expect(bastion.publicIp).toBe(UNKNOWN);
    expect(bastion.privateIp).toBe("10.40.192.4");
  });
});

describe("plan CLI", () => {
  it("prints one JSON document with the stable shape", () => {
    const r = cli("--stack", "azure-pilot", "--json");
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout) as Record<string, any>;
    expect(Object.keys(doc).sort()).toEqual(["cloud", "outputs", "resources", "stack"]);
    expect(doc.stack).toBe("azure-pilot");
    expect(doc.cloud).toBe("azure");
    for (const res of doc.resources) {
      expect(
        Object.keys(res).filter(
          (k) => !["urn", "type", "name", "parent", "custom", "inputs", "dependencies", "propertyDependencies", "options"].includes(k),
        ),
      ).toEqual([]);
      expect(Object.keys(res)).toEqual(expect.arrayContaining(["dependencies", "propertyDependencies", "options"]));
    }
    expect(Object.keys(doc.outputs)).toEqual(expect.arrayContaining(["scheduler", "bastion", "validation", "logArchive"]));
  });

  it("never prints a private key, even with placeholders filled in", () => {
    const r = cli("--stack", "aws-pool", "--json", "--placeholders");
    expect(r.status).toBe(0);
    expect(r.stdout).not.toMatch(/PRIVATE KEY/);
    // The connection carries the deploy key, so the whole of it is a secret.
    const doc = JSON.parse(r.stdout) as { resources: Array<{ type: string; inputs: Record<string, unknown> }> };
    const commands = doc.resources.filter((x) => x.type === "command:remote:Command" || x.type === "command:remote:CopyToRemote");
    // Per core node: the sync step's copy and run, the validation's copy and run.
    expect(commands).toHaveLength(12);
    for (const c of commands) expect(c.inputs.connection).toBe("[secret]");
  });

  it("exits non-zero naming the file for an unknown stack", () => {
    const r = cli("--stack", "nope");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('error: stack nope: unknown stack "nope": no stacks/Pulumi.nope.yaml');
  });

  it("prints a readable summary with nodes, disks and public endpoints", () => {
    const r = cli("--stack", "gcp-pilot");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("== gcp-pilot (gcp)");
    expect(r.stdout).toContain("not a cloud preview");
    expect(r.stdout).toMatch(/logos-core-0\s+us-central1-a\s+10\.40\.0\.4\s+n2-custom-8-16384\s+8 vCPU \/ 16 GiB/);
    expect(r.stdout).toMatch(/Public endpoints: .*bastion/);
    expect(r.stdout).not.toContain("NOT CMK-ENCRYPTED");
  });
});

describe("scheduler CLI", () => {
  const run = (...args: string[]) =>
    spawnSync(process.execPath, ["--import", "tsx", "infra/scheduler/cli.ts", ...args], {
      cwd: REPO_ROOT,
      encoding: "utf8",
      timeout: 120_000,
    });

  it("prints the remote_nodes fragment of a stack's plan, with readable placeholders", () => {
    const r = run("--stack", "gcp-pool");
    expect(r.status).toBe(0);
    const { remote_nodes } = JSON.parse(r.stdout) as { remote_nodes: Array<Record<string, unknown>> };
    expect(remote_nodes.map((n) => [n.name, n.host, n.cpu_slots, n.validated])).toEqual([
      ["logos-core-0", "10.40.0.4", 8, false],
      ["logos-core-1", "10.40.32.4", 8, false],
      ["logos-core-2", "10.40.64.4", 8, false],
    ]);
    expect(remote_nodes[0].ssh_proxy_jump).toBe("logos@(unknown until deployed):22");
  });

  it("refuses input that is not a scheduler document, naming what is wrong", () => {
    const r = spawnSync(process.execPath, ["--import", "tsx", "infra/scheduler/cli.ts", "--input", "-"], {
      cwd: REPO_ROOT,
      encoding: "utf8",
      input: JSON.stringify({ schemaVersion: 1 }),
      timeout: 60_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("not a valid scheduler document");
    expect(r.stderr).toContain("/: must have required property 'pool'");
  });
});
