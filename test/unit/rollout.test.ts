import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

import { renderUserData, repoForRole, type BootstrapOptions } from "../../infra/bootstrap";
import { buildValidationCommand, validationArgv, type ValidationOptions } from "../../infra/node/validation";
import { autoRolloutBatchSize, ROLLOUT_BATCH_MAX, rolloutPredecessor, rolloutRounds } from "../../infra/rollout";
import { parseSpec } from "../../infra/spec";

const REF = "0123456789abcdef0123456789abcdef01234567";
const AGENT_HASH = "a09d35345ad8dcee4d56ecf49eada0a7425ff6082353002e4473a6d582e85bda";
const repo = { url: "https://git.example.org/logos/logos-system.git", ref: REF, dir: "/opt/logos/repo" };
const checks: ValidationOptions = { repoDir: "/opt/logos/repo", agentHash: AGENT_HASH, stateDir: "/var/lib/logos/state", ref: REF };

const raw = {
  "logos-compute:cloud": "aws",
  "logos-compute:region": "us-east-1",
  "aws:region": "us-east-1",
  "logos-compute:repoUrl": repo.url,
  "logos-compute:repoRef": REF,
  "logos-compute:operatorCidrs": ["203.0.113.0/24"],
  "logos-compute:sshPublicKey": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOperatorKeyForSnapshot000000000000000000 operator",
};

describe("core user-data carries no ref", () => {
  it("core nodes are cloned only; burst and standby nodes keep the pin (their templates roll)", () => {
    expect(repoForRole(repo, "core")).toEqual({ url: repo.url, dir: repo.dir });
    expect(repoForRole(repo, "burst")).toEqual(repo);
    expect(repoForRole(repo, "standby")).toEqual(repo);
  });

  it("a new repoRef leaves a core node's user-data byte for byte the same", () => {
    const render = (ref: string) =>
      renderUserData({
        role: "core",
        hostname: "logos-core-0",
        sshUser: "logos",
        sshAuthorizedKeys: ["ssh-ed25519 AAAA operator"],
        repo: repoForRole({ ...repo, ref }, "core"),
        stateDir: "/var/lib/logos/state",
      });
    expect(render(REF)).toBe(render("f".repeat(40)));
    expect(render(REF)).not.toContain(REF);
  });

  it("the checkout script with an empty ref clones without checking out (run for real)", () => {
    const base: BootstrapOptions = {
      role: "core",
      sshUser: "logos",
      sshAuthorizedKeys: [],
      repo: repoForRole(repo, "core"),
      stateDir: "/s",
    };
    const d = parse(renderUserData(base)) as { write_files: Array<{ path: string; content: string }>; runcmd: string[][] };
    const script = d.write_files.find((f) => f.path === "/opt/logos/bin/logos-checkout")?.content ?? "";
    expect(d.runcmd.find((c) => c[0] === "/opt/logos/bin/logos-checkout")).toEqual([
      "/opt/logos/bin/logos-checkout",
      repo.url,
      "",
      "/opt/logos/repo",
      "logos",
    ]);
    const dir = mkdtempSync(join(tmpdir(), "logos-clone-only-"));
    const origin = join(dir, "origin");
    const git = (cwd: string, ...args: string[]) =>
      execFileSync("git", ["-c", "user.email=t@example.org", "-c", "user.name=t", ...args], { cwd })
        .toString()
        .trim();
    execFileSync("mkdir", ["-p", origin]);
    git(origin, "init", "-q");
    writeFileSync(join(origin, "a.txt"), "1");
    git(origin, "add", "a.txt");
    git(origin, "commit", "-qm", "one");
    writeFileSync(join(dir, "checkout.sh"), script);
    const owner = execFileSync("id", ["-un"]).toString().trim();
    const out = execFileSync("sh", [join(dir, "checkout.sh"), origin, "", join(dir, "repo"), owner]).toString();
    expect(out).toContain("cloned; the validation step checks out the pinned commit");
    expect(existsSync(join(dir, "repo", ".git"))).toBe(true);
    expect(existsSync(join(dir, "repo", "a.txt"))).toBe(false);
  });
});

describe("the validation's checkout step", () => {
  it("passes --checkout, or --checkout-only, after the ref", () => {
    const argv = validationArgv({ ...checks, checkout: true });
    expect(argv.slice(argv.indexOf("--ref"), argv.indexOf("--ref") + 3)).toEqual(["--ref", REF, "--checkout"]);
    expect(validationArgv({ ...checks, checkoutOnly: true })).toContain("--checkout-only");
    expect(validationArgv({ ...checks, checkout: true, checkoutOnly: true }).filter((w) => w.startsWith("--checkout"))).toEqual([
      "--checkout-only",
    ]);
    expect(validationArgv(checks).some((w) => w.startsWith("--checkout"))).toBe(false);
  });

  it("needs a full commit id to check out", () => {
    expect(() => buildValidationCommand({ ...checks, ref: "main", checkout: true })).toThrow(
      'validation.ref ("main") must be a full commit id (40 lowercase hex digits) when validation.checkout is set',
    );
    expect(() => buildValidationCommand({ ...checks, ref: undefined, checkoutOnly: true })).toThrow(
      "validation.ref (null) must be a full commit id (40 lowercase hex digits) when validation.checkout is set",
    );
  });
});

describe("rollout lanes", () => {
  it.each([
    [1, 1],
    [3, 1],
    [10, 1],
    [11, 2],
    [100, 10],
    [1000, ROLLOUT_BATCH_MAX],
  ])("%i core nodes roll %i at a time by default", (core, batch) => {
    expect(autoRolloutBatchSize(core)).toBe(batch);
  });

  it("keeps at most batchSize validations in flight and waits for each lane's previous node", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: ROLLOUT_BATCH_MAX }), (nodes, batch) => {
        const previous = Array.from({ length: nodes }, (_, i) => rolloutPredecessor(i, batch));
        // Lane starts: nodes with nothing to wait for can all run at once; never more than the batch.
        expect(previous.filter((p) => p === undefined)).toHaveLength(Math.min(nodes, batch));
        // Each node waits for an earlier one, and no node is waited for twice: chains, not trees.
        const waitedFor = previous.filter((p): p is number => p !== undefined);
        previous.forEach((p, i) => p !== undefined && expect(p).toBeLessThan(i));
        expect(new Set(waitedFor).size).toBe(waitedFor.length);
        // The longest chain is the number of rounds.
        const depth = previous.reduce<number[]>((d, p) => [...d, p === undefined ? 1 : (d[p] ?? 0) + 1], []);
        expect(Math.max(...depth)).toBe(rolloutRounds(nodes, batch));
      }),
      { numRuns: 200 },
    );
  });

  it("refuses a batch size that is not a positive integer", () => {
    expect(() => rolloutPredecessor(3, 0)).toThrow("rolloutPredecessor: batchSize (0) must be a positive integer");
  });
});

describe("rolloutBatchSize in the spec", () => {
  it("defaults to 10 % of coreNodes and takes an explicit value", () => {
    expect(parseSpec({ ...raw, "logos-compute:coreNodes": 3 }).validation.rolloutBatchSize).toBe(1);
    expect(parseSpec({ ...raw, "logos-compute:coreNodes": 100 }).validation.rolloutBatchSize).toBe(10);
    expect(parseSpec({ ...raw, "logos-compute:coreNodes": 100, "logos-compute:rolloutBatchSize": 25 }).validation.rolloutBatchSize).toBe(
      25,
    );
  });

  it("refuses more in flight than one bastion is proven to carry", () => {
    expect(() => parseSpec({ ...raw, "logos-compute:rolloutBatchSize": 31 })).toThrow(
      "logos-compute:rolloutBatchSize (31) must be between 1 and 30 (validations in flight through one bastion), or 0 for 10 % of coreNodes",
    );
    expect(() => parseSpec({ ...raw, "logos-compute:rolloutBatchSize": -1 })).toThrow(
      "logos-compute:rolloutBatchSize (-1) must be between 1",
    );
  });
});
