/**
 * A user's own stack file next to the shipped ones does not change what
 * `npm test` asserts: tests name the shipped stacks (test/helpers/stacks.ts)
 * instead of listing stacks/.
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../infra/plan/stack-config";

const USER_STACK = `# my-lab: a user's own stack, 4 vCPU nodes on azure.
config:
  azure-native:location: westeurope
  logos-compute:cloud: azure
  logos-compute:vcpus: 4
  logos-compute:memoryGiB: 8
  logos-compute:repoUrl: https://git.example.org/logos/logos-system.git
  logos-compute:repoRef: 0123456789abcdef0123456789abcdef01234567
  logos-compute:operatorCidrs:
    - 81.2.69.0/24
  logos-compute:sshPublicKey: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHx0Yk2v3mJ1kQ0cT9w8aXbq0p1LmN2oP3qR4sT5uV6w me@lab
`;

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? testFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

const copies: string[] = [];
afterAll(() => {
  for (const dir of copies) rmSync(dir, { recursive: true, force: true });
});

describe("a user's own stack file", () => {
  it("leaves the stack tests passing in a checkout that has one", () => {
    const copy = mkdtempSync(join(tmpdir(), "logos-user-stack-"));
    copies.push(copy);
    for (const entry of ["Pulumi.yaml", "package.json", "tsconfig.json", "vitest.config.mts", "infra", "components", "stacks", "test"]) {
      cpSync(join(REPO_ROOT, entry), join(copy, entry), { recursive: true });
    }
    symlinkSync(join(REPO_ROOT, "node_modules"), join(copy, "node_modules"), "dir");
    writeFileSync(join(copy, "stacks", "Pulumi.my-lab.yaml"), USER_STACK);
    const run = spawnSync(
      process.execPath,
      [join(REPO_ROOT, "node_modules", "vitest", "vitest.mjs"), "run", "--project", "unit", "test/unit/project-config.test.ts"],
      { cwd: copy, encoding: "utf8", timeout: 120_000, env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" } },
    );
    expect(run.stdout + run.stderr).toMatch(/Tests\s+\d+ passed \(\d+\)/);
    expect(run.status, run.stdout + run.stderr).toBe(0);
  });

  it("is never how a test picks the stacks it checks: only the project-config test reads the stack directory", () => {
    const readers = testFiles(join(REPO_ROOT, "test"))
      .filter((f) => /\blistStacks\b/.test(readFileSync(f, "utf8")))
      .map((f) => relative(REPO_ROOT, f));
    expect(readers, "name the stacks a test checks with SHIPPED_STACKS from test/helpers/stacks.ts").toEqual([
      "test/unit/project-config.test.ts",
    ]);
  });
});
