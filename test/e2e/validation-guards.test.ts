/**
 * End to end, the plan's remaining guardrails on the validation: the pinned
 * commit must be signed by a trusted signer (SSH signatures made in the test;
 * OpenPGP too), the workload's writes are confined to the state dir, the
 * checkout and a private temp dir (Landlock), and the Coq that builds the
 * proof is the pinned one. Each case asserts exit code, stage, message and the
 * audit log's bytes.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { ValidationOptions } from "../../infra/node/validation";
import { entries, escapeRe, expectFailure, historyFiles, nothingRan, validateOn, type Outcome } from "./harness/outcome";
import { startSshPair, type SshPair } from "./harness/sshd";
import { AGENT_HASH, installScript, makeCheckout, optionsFor, patchFile, type Checkout } from "./harness/workload";

let pair: SshPair;
let root: string;
let script: string;

beforeAll(async () => {
  pair = await startSshPair();
  root = mkdtempSync(path.join(tmpdir(), "logos-e2e-guards-"));
  script = installScript(root);
});

const gnupgHomes: string[] = [];

afterAll(async () => {
  // gpg started an agent for the test's own keyring: stop it, nothing may outlive the suite.
  for (const home of gnupgHomes) spawnSync("gpgconf", ["--kill", "all"], { env: { ...process.env, GNUPGHOME: home }, timeout: 10_000 });
  await pair?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

const validate = (options: ValidationOptions): Promise<Outcome> => validateOn(pair, options);

function run(cwd: string, argv: string[], env: NodeJS.ProcessEnv = process.env): string {
  const [program, ...args] = argv;
  const done = spawnSync(program ?? "false", args, { cwd, encoding: "utf8", timeout: 60_000, env });
  if (done.status !== 0) throw new Error(`${argv.join(" ")} failed (${done.status}): ${done.stderr}`);
  return done.stdout.trim();
}

const GIT_ID = ["-c", "user.name=logos-release", "-c", "user.email=release@logos.invalid"];

/** An ed25519 key made for this test run; returns its public key line's "type key" part and the key file. */
function sshKey(name: string): { file: string; publicKey: string; fingerprint: string } {
  const file = path.join(root, "keys", name);
  mkdirSync(path.dirname(file), { recursive: true });
  run(root, ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", file]);
  const publicKey = readFileSync(`${file}.pub`, "utf8").trim().split(" ").slice(0, 2).join(" ");
  const fingerprint = run(root, ["ssh-keygen", "-l", "-f", `${file}.pub`]).split(" ")[1] ?? "";
  return { file, publicKey, fingerprint };
}

/** Commits on top of the checkout, signed with `key` (SSH) or unsigned; returns the new HEAD. */
function commitOnTop(c: Checkout, message: string, sign: { format: "ssh" | "openpgp"; key: string } | null, env = process.env): string {
  const signing = sign
    ? ["-c", `gpg.format=${sign.format}`, "-c", `user.signingkey=${sign.key}`, "commit", "-S"]
    : ["-c", "commit.gpgsign=false", "commit"];
  run(c.repoDir, ["git", ...GIT_ID, ...signing, "-q", "--allow-empty", "-m", message], env);
  return run(c.repoDir, ["git", "rev-parse", "HEAD"]);
}

describe("signed pinned commits (trustedSigners)", () => {
  let good: ReturnType<typeof sshKey>;
  let stranger: ReturnType<typeof sshKey>;
  let trusted: string;

  beforeAll(() => {
    good = sshKey("release");
    stranger = sshKey("stranger");
    trusted = `release@logos.invalid namespaces="git" ${good.publicKey}`;
  });

  it("passes a commit signed by a trusted SSH key, naming the signer", async () => {
    const c = makeCheckout(root, "signed-good");
    const ref = commitOnTop(c, "release 1", { format: "ssh", key: `${good.file}.pub` });
    const o = await validate(optionsFor(c, script, { ref, trustedSigners: [trusted] }));
    expect(o.ssh.code, o.ssh.stderr).toBe(0);
    expect(o.result).toMatchObject({
      status: "pass",
      ref,
      signature: { status: "verified", signer: "release@logos.invalid", key: good.fingerprint, trusted: "release@logos.invalid" },
      auditEntriesBefore: 2,
      auditEntriesAfter: 3,
    });
    expect(o.ssh.stderr).toContain(`guard: HEAD signed by release@logos.invalid (${good.fingerprint})`);
  });

  it("refuses a commit signed by a key no trusted signer holds: nothing runs, the log is untouched", async () => {
    const c = makeCheckout(root, "signed-stranger");
    const ref = commitOnTop(c, "from a fork", { format: "ssh", key: `${stranger.file}.pub` });
    const before = readFileSync(c.auditLog);
    const o = await validate(optionsFor(c, script, { ref, trustedSigners: [trusted] }));
    expectFailure(
      o,
      "guard-signature",
      `guard-signature: expected commit ${ref} signed by a trusted signer (release@logos.invalid), ` +
        `found a good signature by a key no trusted signer holds from key ${stranger.fingerprint}`,
    );
    expect(o.result.signature).toMatchObject({ status: "failed", key: stranger.fingerprint });
    expect(readFileSync(c.auditLog)).toEqual(before);
    expect(historyFiles(c.stateDir)).toEqual([]);
    nothingRan(c);
  });

  it("refuses an unsigned commit: nothing runs, the log is untouched", async () => {
    const c = makeCheckout(root, "unsigned");
    const ref = commitOnTop(c, "unsigned", null);
    const before = readFileSync(c.auditLog);
    const o = await validate(optionsFor(c, script, { ref, trustedSigners: [trusted] }));
    expectFailure(
      o,
      "guard-signature",
      `guard-signature: expected commit ${ref} signed by a trusted signer (release@logos.invalid), found no signature`,
    );
    expect(readFileSync(c.auditLog)).toEqual(before);
    nothingRan(c);
  });

  it("checks OpenPGP signatures against exactly the given public keys", async () => {
    if (spawnSync("sh", ["-c", "command -v gpg"]).status !== 0) {
      throw new Error("this case needs gpg (Debian package gnupg); .ci/run installs it");
    }
    const home = path.join(root, "gnupg");
    mkdirSync(home, { mode: 0o700 });
    const env = { ...process.env, GNUPGHOME: home };
    gnupgHomes.push(home);
    run(
      root,
      [
        "gpg",
        "--batch",
        "--pinentry-mode",
        "loopback",
        "--passphrase",
        "",
        "--quick-generate-key",
        "logos release <pgp@logos.invalid>",
        "ed25519",
        "sign",
        "never",
      ],
      env,
    );
    const fingerprint = run(root, ["gpg", "--batch", "--with-colons", "--list-keys", "pgp@logos.invalid"], env)
      .split("\n")
      .find((l) => l.startsWith("fpr:"))
      ?.split(":")[9];
    const publicKey = run(root, ["gpg", "--batch", "--armor", "--export", "pgp@logos.invalid"], env);
    const c = makeCheckout(root, "signed-openpgp");
    const ref = commitOnTop(c, "release 2", { format: "openpgp", key: fingerprint ?? "" }, env);
    const o = await validate(optionsFor(c, script, { ref, trustedSigners: [publicKey] }));
    expect(o.ssh.code, o.ssh.stderr).toBe(0);
    expect(o.result.signature).toMatchObject({
      status: "verified",
      signer: "logos release <pgp@logos.invalid>",
      trusted: "1 OpenPGP key(s)",
    });

    // The same commit against a different trusted SSH key only: refused.
    const refused = await validate(optionsFor(c, script, { ref, trustedSigners: [trusted] }));
    expectFailure(
      refused,
      "guard-signature",
      new RegExp(
        `^guard-signature: expected commit ${ref} signed by a trusted signer \\(release@logos\\.invalid\\), found a signature that cannot be checked`,
      ),
    );
  });
});

describe("write sandbox (Landlock)", () => {
  /** A rebuild report that also writes a file outside the state dir, the checkout and its temp dir. */
  function escaping(name: string): { c: Checkout; outside: string } {
    const outside = path.join(root, name, "outside.txt");
    const c = makeCheckout(root, name, {
      variant: (repo) =>
        patchFile(
          repo,
          "test_lem_discharge.py",
          "def main() -> int:\n",
          `def main() -> int:\n    Path(${JSON.stringify(outside)}).write_text("written outside\\n", encoding="utf-8")\n`,
        ),
    });
    return { c, outside };
  }

  it("fails the workload step that writes outside the allowed paths, says so, and the write never lands", async () => {
    const { c, outside } = escaping("sandbox-escape");
    const before = readFileSync(c.auditLog);
    const o = await validate(optionsFor(c, script));
    expectFailure(
      o,
      "lem",
      new RegExp(
        "^lem: `python3 test_lem_discharge\\.py`: expected exit 0, found exit 1; the write sandbox allows writes only to " +
          `${escapeRe(c.stateDir)}, ${escapeRe(c.repoDir)}, /tmp/logos-workload-tmp-\\w+, /dev/null: a write elsewhere was refused ` +
          `\\(Permission denied\\); last output: .*PermissionError: \\[Errno 13\\] Permission denied: '${escapeRe(outside)}'`,
      ),
    );
    expect(o.result.sandbox).toMatchObject({
      status: "landlock",
      writable: [c.stateDir, c.repoDir, expect.stringMatching(/^\/tmp\/logos-workload-tmp-/), "/dev/null"],
    });
    expect(existsSync(outside), "the sandbox must have refused the write").toBe(false);
    expect(o.result.seconds["boot"]).toBeUndefined();
    expect(readFileSync(c.auditLog)).toEqual(before);
  });

  it("lets the same workload write anywhere with writeSandbox false, and warns that it did not confine it", async () => {
    const { c, outside } = escaping("sandbox-off");
    const o = await validate(optionsFor(c, script, { writeSandbox: false }));
    expect(o.ssh.code, o.ssh.stderr).toBe(0);
    expect(readFileSync(outside, "utf8")).toBe("written outside\n");
    expect(o.result.sandbox).toEqual({ status: "off" });
    expect(o.result.warnings).toContain("sandbox: off (--no-write-sandbox): the workload may write anywhere its user can");
  });

  it("keeps the normal workload passing inside the sandbox, its build outputs and the checkout's own state/ included", async () => {
    const c = makeCheckout(root, "sandbox-normal");
    const o = await validate(optionsFor(c, script));
    expect(o.ssh.code, o.ssh.stderr).toBe(0);
    expect(o.result.sandbox).toMatchObject({ status: "landlock" });
    expect(existsSync(path.join(c.repoDir, "state", "coq_theorem_index.json"))).toBe(true);
    expect(entries(c.auditLog)).toHaveLength(3);
    expect(entries(c.auditLog)[2]).toMatchObject({ agent_hash: AGENT_HASH });
  });
});

describe("pinned Coq (coqVersion)", () => {
  const installed = (): { version: string; coqc: string } => ({
    version: run(root, ["dpkg-query", "-W", "-f=${Version}", "coq"]),
    coqc: /version\s+(\S+)/.exec(run(root, ["coqc", "--version"]))?.[1] ?? "",
  });

  it("passes with the installed package pinned and reports the Coq that built the proof", async () => {
    const { version, coqc } = installed();
    const c = makeCheckout(root, "coq-pinned");
    const o = await validate(optionsFor(c, script, { coqVersion: version }));
    expect(o.ssh.code, o.ssh.stderr).toBe(0);
    expect(o.result.coq).toEqual({ version: coqc, pinned: version, package: version });
  });

  it("refuses another Coq release before anything runs (Ubuntu 24.04's 8.18.0 on this machine's Coq)", async () => {
    const { coqc } = installed();
    const c = makeCheckout(root, "coq-other-release");
    const before = readFileSync(c.auditLog);
    const o = await validate(optionsFor(c, script, { coqVersion: "8.18.0+dfsg-1build2" }));
    expectFailure(
      o,
      "guard-coq",
      new RegExp(
        `^guard-coq: expected coqc 8\\.18\\.0 \\(coqVersion 8\\.18\\.0\\+dfsg-1build2\\), found ${escapeRe(coqc)} ` +
          `\\(\`coqc --version\`: The Coq Proof Assistant, version ${escapeRe(coqc)}\\)$`,
      ),
    );
    expect(o.result.coq).toMatchObject({ version: coqc, pinned: "8.18.0+dfsg-1build2" });
    expect(readFileSync(c.auditLog)).toEqual(before);
    nothingRan(c);
  });

  it("refuses the right release from another package build", async () => {
    const { version, coqc } = installed();
    const other = `${coqc}+dfsg-0other1`;
    expect(other).not.toBe(version);
    const c = makeCheckout(root, "coq-other-build");
    const o = await validate(optionsFor(c, script, { coqVersion: other }));
    expectFailure(o, "guard-coq", `guard-coq: expected the coq package at ${other}, found ${version} (dpkg-query -W coq)`);
    nothingRan(c);
  });
});
