/**
 * The three CLIs as a new user meets them, spawned for real: `--help` exits
 * 0, a usage error says which argument and why, every other error names the
 * file or argument and what was expected, `npm start`'s summary is short and
 * consistent and ends with the next step, and a saved plan does not break
 * `npm run lint`.
 */
import { execFile, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../infra/plan/stack-config";
import { UNKNOWN } from "../../infra/plan/types";
import { parsePlanArgs, UsageError } from "../../infra/plan/cli";
import { PlanFileError, readPlanFile } from "../../policies/plan-file";

const temp = mkdtempSync(join(tmpdir(), "logos-cli-"));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a CLI the way `npm run` does (Node + tsx), without blocking, so independent runs overlap. */
function spawn(script: string, args: readonly string[], options: { cwd?: string } = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", script, ...args],
      { cwd: options.cwd ?? REPO_ROOT, encoding: "utf8", timeout: 180_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === "number" ? error.code : null) : 0, stdout, stderr }),
    );
  });
}
const plan = (...args: string[]) => spawn("infra/plan/cli.ts", args);
const policy = (...args: string[]) => spawn("policies/cli.ts", args);
const scheduler = (...args: string[]) => spawn("infra/scheduler/cli.ts", args);

const SG = "aws:ec2/securityGroup:SecurityGroup";
const PLAN = { stack: "aws-pool", cloud: "aws", outputs: {} };
const OWN_STACK = [
  "config:",
  "  aws:region: eu-west-1",
  "  logos-compute:cloud: aws",
  "  logos-compute:machineType: m5.2xlarge",
  "  logos-compute:vcpus: 8",
  "  logos-compute:memoryGiB: 32",
  "  logos-compute:repoUrl: https://git.example.org/logos/logos-system.git",
  "  logos-compute:repoRef: 0123456789abcdef0123456789abcdef01234567",
  "  logos-compute:operatorCidrs: [81.2.69.0/24]",
  "  logos-compute:sshPublicKey: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHx0Yk2v3mJ1kQ0cT9w8aXbq0p1LmN2oP3qR4sT5uV6w me@lab",
  "",
].join("\n");

function file(name: string, text: string): string {
  const path = join(temp, name);
  writeFileSync(path, text);
  return path;
}

// Runs overlap (vitest's concurrent tests): each is mostly Node and SDK start-up.
describe.concurrent("--help and usage errors", () => {
  it.each([
    ["plan", plan, "usage: npm run plan --"],
    ["policy", policy, "usage: npm run policy --"],
    ["scheduler", scheduler, "usage: npm run scheduler --"],
  ] as const)("%s --help prints the usage on stdout and exits 0", async (_, cli, usage) => {
    const run = await cli("--help");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(usage);
    expect(run.stderr).toBe("");
  });

  it.each([
    ["plan --stack", plan, ["--stack"], "error: --stack needs a stack name (stacks/Pulumi.<name>.yaml)"],
    ["policy --emit-config", policy, ["--emit-config"], "error: --emit-config needs exactly one --stack <name>, got 0"],
    ["scheduler", scheduler, [], "error: say where the nodes come from: --stack <name> or --input <file|->"],
  ] as const)("%s exits 64 saying why", async (_, cli, args, message) => {
    const run = await cli(...args);
    expect(run.code).toBe(64);
    expect(run.stderr.split("\n")[0]).toBe(message);
    expect(run.stderr).toContain("usage: npm run");
  });
});

describe("plan arguments", () => {
  it.each([
    [["--bogus"], 'unknown argument "--bogus"'],
    [["aws-pilot"], 'unknown argument "aws-pilot"; name a stack with --stack <name>'],
    [["--stack="], "--stack= needs a stack name (stacks/Pulumi.<name>.yaml)"],
    [["--stack", "--json"], "--stack needs a stack name (stacks/Pulumi.<name>.yaml)"],
  ])("%j is refused: %s", (argv, message) => {
    expect(() => parsePlanArgs(argv)).toThrow(new UsageError(message));
  });

  it("takes repeated --stack, --json, --placeholders, --verbose, --help", () => {
    expect(parsePlanArgs(["-s", "a", "--stack=b", "--json", "--placeholders", "-v", "--all", "--help"])).toEqual({
      stacks: ["a", "b"],
      json: true,
      placeholders: true,
      verbose: true,
      help: true,
    });
  });
});

describe.concurrent("npm run policy -- --plan: a saved plan that cannot be checked", () => {
  it.each([
    ["a missing file", () => join(temp, "missing.plan.json"), "no such file"],
    ["invalid JSON", () => file("cut.plan.json", '{"stack": "aws-pool", "resou'), "not valid JSON ("],
    [
      "an empty plan",
      () => file("empty.plan.json", JSON.stringify({ stack: "aws-pool", cloud: "aws", resources: [], outputs: {} })),
      "(stack aws-pool) has no resources: an empty plan checks nothing (was it saved from a plan that failed?)",
    ],
    [
      "a resource without inputs",
      () => file("no-inputs.plan.json", JSON.stringify({ ...PLAN, resources: [{ urn: "urn:x", type: SG, name: "logos-bastion-sg" }] })),
      `(stack aws-pool): resources[0] (${SG} logos-bastion-sg) has no "inputs" object`,
    ],
  ])("%s is an error naming the file", async (_, make, message) => {
    const path = make();
    const run = await policy("--plan", path);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`error: --plan ${path}`);
    expect(run.stderr).toContain(message);
    expect(run.stderr).not.toMatch(/ENOENT|Cannot read properties|at .*\.ts:\d+/);
  });

  it("--emit-config for a stack that does not exist exits 1 naming the stack file", async () => {
    const run = await policy("--emit-config", "--stack", "nope");
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain('error: unknown stack "nope": no stacks/Pulumi.nope.yaml');
  });

  it("a missing --input file of the scheduler CLI names the file", async () => {
    const run = await scheduler("--input", join(temp, "missing.json"));
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `error: --input ${join(temp, "missing.json")}: no such file (expected the output of \`pulumi stack output scheduler --json\`)\n`,
    );
  });
});

describe("reading a saved plan", () => {
  it.each([
    ["[]", "an empty array holds no plan"],
    ['{"hello": "world"}', "is not a plan (expected what `npm run plan -- --json` prints"],
    [JSON.stringify([{ ...PLAN, resources: [{ urn: "u", type: SG, name: "sg", inputs: {} }] }, { stack: "b" }]), "[1] is not a plan"],
    [JSON.stringify({ ...PLAN, resources: [{ urn: "u", type: SG, inputs: {} }] }), 'resources[0] has no string "name"'],
    [JSON.stringify({ ...PLAN, resources: [null] }), "resources[0] is not an object"],
  ])("%s: %s", (text, message) => {
    const path = file(`read-${text.length}.json`, text);
    expect(() => readPlanFile(path)).toThrow(PlanFileError);
    expect(() => readPlanFile(path)).toThrow(message);
  });

  it("takes one plan or an array of them", () => {
    const one = { ...PLAN, resources: [{ urn: "u", type: SG, name: "sg", inputs: {} }] };
    expect(readPlanFile(file("one.json", JSON.stringify(one)))).toEqual([one]);
    expect(readPlanFile(file("two.json", JSON.stringify([one, { ...one, stack: "b" }])))).toHaveLength(2);
  });
});

describe("npm run plan: the summary", () => {
  let run: Run;
  beforeAll(async () => {
    run = await plan("--stack", "aws-pilot", "--stack", "gcp-pool");
  }, 180_000);

  it("gives each stack one count, the same in the progress line and the header", () => {
    expect(run.code).toBe(0);
    for (const stack of ["aws-pilot", "gcp-pool"]) {
      const progress = new RegExp(`^  ${stack}: (\\d+ resources \\(\\d+ cloud, \\d+ components\\)) in `, "m").exec(run.stderr);
      expect(progress, run.stderr).not.toBeNull();
      expect(run.stdout).toContain(`== ${stack} (${stack.split("-")[0]}): ${progress![1]} ==`);
    }
  });

  it("is short: nodes, disks under the key, public endpoints, the bastion; the per-type list only with --verbose", () => {
    const section = run.stdout.split("== gcp-pool")[1];
    expect(section).toMatch(/Nodes: 3 core, burst up to 3 more, 1 standby/);
    expect(section).toMatch(/Disks: 8, under the customer-managed key: 8/);
    expect(section).toMatch(/Public endpoints: .*logos-bastion/);
    expect(section).toContain("Bastion: (unknown until deploy)");
    expect(run.stdout).not.toContain("Resources by type");
    expect(run.stdout.trim().split("\n").length).toBeLessThan(40);
  });

  it("names every value a stack file still marks REPLACE, with file and line", () => {
    expect(run.stdout).toContain(
      [
        "Still marked REPLACE in stacks/Pulumi.gcp-pool.yaml (fill in before `pulumi up`, then delete the marker):",
        "  line 5   gcp:project: your project id",
        "  line 14  logos-compute:repoRef: the audited commit every node must run (full SHA; branches are refused)",
        "  line 16  logos-compute:operatorCidrs: your VPN / office egress ranges (documentation range shown)",
        "  line 19  logos-compute:sshPublicKey: your own public key",
      ].join("\n"),
    );
    expect(run.stdout).toContain("Still marked REPLACE in stacks/Pulumi.aws-pilot.yaml");
  });

  it("ends with the next step", () => {
    const last = run.stdout.trim().split("\n").at(-1);
    expect(last).toBe(
      'next: fill the REPLACE values in the stack files listed above, then set up a backend and run `pulumi stack select <stack> --create && pulumi up` (README: "Deploying a stack")',
    );
  });
});

describe.concurrent("npm run plan: flags", () => {
  it("--verbose adds resources by type; --placeholders fills the bastion address on every cloud", async () => {
    const run = await plan("--stack", "gcp-pilot", "--stack", "azure-pilot", "--verbose", "--placeholders");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Resources by type:");
    expect(run.stdout.match(/^Bastion: 198\.51\.100\.10; reach a node with ssh -J logos@198\.51\.100\.10 /gm)).toHaveLength(2);
    expect(run.stdout).not.toMatch(/unknown/i);
  });

  it("--json with several stacks prints one array of plans in stack order", async () => {
    const run = await plan("--json", "--stack", "gcp-pilot", "--stack", "aws-pilot");
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout) as Array<{ stack: string; resources: unknown[] }>;
    expect(doc.map((p) => p.stack)).toEqual(["gcp-pilot", "aws-pilot"]);
    expect(run.stderr).toContain("Still marked REPLACE in stacks/Pulumi.gcp-pilot.yaml");
  });

  it("--json saved as the README says leaves `npm run lint` clean, and the policy check reads it", async () => {
    const run = await plan("--json", "--stack", "aws-pilot", "--placeholders");
    expect(run.code).toBe(0);
    mkdirSync(join(REPO_ROOT, "out"), { recursive: true });
    const saved = join("out", `cli-test-${process.pid}.plan.json`);
    writeFileSync(join(REPO_ROOT, saved), run.stdout);
    try {
      const bin = (name: string) => join(REPO_ROOT, "node_modules", ".bin", name);
      const prettier = spawnSync(bin("prettier"), ["--check", saved], { cwd: REPO_ROOT, encoding: "utf8" });
      expect(prettier.status, prettier.stdout + prettier.stderr).toBe(0);
      const eslint = spawnSync(bin("eslint"), [saved], { cwd: REPO_ROOT, encoding: "utf8" });
      expect(eslint.status, eslint.stdout + eslint.stderr).toBe(0);
      expect((await policy("--plan", saved)).code).toBe(0);
    } finally {
      rmSync(join(REPO_ROOT, saved), { force: true });
    }
  });

  it("a user's own stack plans, and a machine type outside the catalog is accepted with a warning", async () => {
    const copy = mkdtempSync(join(tmpdir(), "logos-own-stack-"));
    try {
      for (const entry of ["Pulumi.yaml", "package.json", "tsconfig.json", "infra", "components", "stacks"]) {
        cpSync(join(REPO_ROOT, entry), join(copy, entry), { recursive: true });
      }
      symlinkSync(join(REPO_ROOT, "node_modules"), join(copy, "node_modules"), "dir");
      writeFileSync(join(copy, "stacks", "Pulumi.my-lab.yaml"), OWN_STACK);
      const run = await spawn("infra/plan/cli.ts", ["--stack", "my-lab"], { cwd: copy });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/logos-core-0\s+eu-west-1a\s+10\.40\.0\.4\s+m5\.2xlarge\s+8 vCPU \/ 32 GiB/);
      expect(run.stdout).toContain(
        "warning: logos-compute:machineType m5.2xlarge is not in the machine catalog: its size is taken from logos-compute:vcpus (8) and logos-compute:memoryGiB (32)",
      );
      expect(run.stdout).not.toContain("Still marked REPLACE");
      expect(run.stdout.trim().split("\n").at(-1)).toBe(
        'next: set up a backend and run `pulumi stack select my-lab --create && pulumi up` (README: "Deploying a stack")',
      );
      expect(run.stdout).not.toContain(UNKNOWN);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});
