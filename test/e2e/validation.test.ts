/**
 * End to end: the component's exact command, run through a real bastion sshd
 * into a real node sshd (`ssh -J`, pinned host keys), against a git checkout
 * of the workload fixture built by real Coq. One case per fault in the
 * validation design; each asserts exit code, stage, message and the audit log.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import {
  VALIDATION_EXIT_CODES,
  buildValidationCommand,
  parseValidationResult,
  validationArgv,
  type ValidationOptions,
  type ValidationResult,
} from "../../infra/node/validation";
import { startSilentListener, startSshPair, type SshPair, type SshResult } from "./harness/sshd";
import {
  AGENT_HASH,
  AGENT_SCRIPT,
  installScript,
  makeCheckout,
  optionsFor,
  patchFile,
  seededHistory,
  sha256,
  type Checkout,
} from "./harness/workload";

const FOOTPRINT = ["PXL_Axioms.grounding_total", "PXL_Axioms.grounded_decides"];

let pair: SshPair;
let silent: { port: number; stop(): Promise<void> };
let root: string;
let script: string;

beforeAll(async () => {
  silent = await startSilentListener();
  pair = await startSshPair({ silentPort: silent.port });
  root = mkdtempSync(path.join(tmpdir(), "logos-e2e-work-"));
  script = installScript(root);
});

afterAll(async () => {
  await pair?.stop();
  await silent?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

interface Outcome {
  readonly ssh: SshResult;
  readonly result: ValidationResult;
}

async function validate(options: ValidationOptions): Promise<Outcome> {
  const ssh = await pair.run("logos-node", buildValidationCommand(options), { timeoutMs: 300_000 });
  expect(ssh.timedOut, "ssh run must finish within its limit").toBe(false);
  let result: ValidationResult;
  try {
    result = parseValidationResult(ssh.stdout);
  } catch (e) {
    throw new Error(`${(e as Error).message}\nexit ${ssh.code}\nstderr:\n${ssh.stderr}`, { cause: e });
  }
  return { ssh, result };
}

function expectFailure(o: Outcome, stage: keyof typeof VALIDATION_EXIT_CODES, message: string | RegExp): void {
  const context = `stderr:\n${o.ssh.stderr}`;
  expect(o.ssh.code, context).toBe(VALIDATION_EXIT_CODES[stage]);
  expect(o.result).toMatchObject({ status: "fail", stage, exitCode: VALIDATION_EXIT_CODES[stage], node: "e2e-node" });
  expect(o.result.errors[0]).toMatch(message);
  // The human line on stderr names node and stage: it is what a failed deployment shows.
  expect(o.ssh.stderr).toContain(`node e2e-node: FAILED at stage ${stage} (exit ${VALIDATION_EXIT_CODES[stage]})`);
}

function nothingRan(c: Checkout): void {
  expect(existsSync(path.join(c.repoDir, "CoqMakefile")), "no build may start").toBe(false);
}

function entries(file: string): unknown[] {
  return JSON.parse(readFileSync(file, "utf8")) as unknown[];
}

/** Pids whose working directory is `dir`: what a killed step must not leave behind. */
function processesIn(dir: string): string[] {
  return readdirSync("/proc")
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return readlinkSync(`/proc/${p}/cwd`) === dir;
      } catch {
        return false;
      }
    });
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

describe("proof validation over ssh -J (real sshd, real Coq)", () => {
  it("passes on a clean node twice, growing the audit log by one each time", async () => {
    const c = makeCheckout(root, "clean");
    const seeded = entries(c.auditLog);

    const first = await validate(optionsFor(c, script));
    expect(first.ssh.code, first.ssh.stderr).toBe(0);
    expect(first.result).toMatchObject({
      status: "pass",
      stage: "complete",
      exitCode: 0,
      agentHash: AGENT_HASH,
      fileDigest: c.agentScriptDigest,
      ref: c.ref,
      auditEntriesBefore: 2,
      auditEntriesAfter: 3,
      historyFile: null,
      errors: [],
      footprint: { status: "ok", theorem: "PXL.PXL_Internal_LEM.pxl_excluded_middle", axioms: FOOTPRINT, closed: false },
    });
    const afterFirst = entries(c.auditLog);
    expect(afterFirst.slice(0, 2)).toEqual(seeded);
    expect(afterFirst[2]).toMatchObject({ agent_id: "LOGOS-AGENT-OMEGA", agent_hash: AGENT_HASH, rebuild_success: true });
    expect(first.ssh.stdout.trim().split("\n")).toHaveLength(1); // exactly one JSON line on stdout

    const archiveDir = path.join(root, "clean", "archive");
    const second = await validate(
      optionsFor(c, script, { archiveCommand: `mkdir -p '${archiveDir}' && cp "$LOGOS_AUDIT_LOG" '${archiveDir}/'` }),
    );
    expect(second.ssh.code, second.ssh.stderr).toBe(0);
    expect(second.result).toMatchObject({ status: "pass", auditEntriesBefore: 3, auditEntriesAfter: 4, archive: { status: "uploaded" } });
    const afterSecond = entries(c.auditLog);
    expect(afterSecond.slice(0, 3)).toEqual(afterFirst);
    expect(readFileSync(path.join(archiveDir, path.basename(c.auditLog)))).toEqual(readFileSync(c.auditLog));
  });

  it("aborts on an agent-hash mismatch before anything runs", async () => {
    const c = makeCheckout(root, "agent-hash", {
      variant: (repo) =>
        patchFile(repo, AGENT_SCRIPT, `EXPECTED_AGENT_HASH = "${AGENT_HASH}"`, `EXPECTED_AGENT_HASH = "${"b".repeat(64)}"`),
    });
    const before = readFileSync(c.auditLog);
    const o = await validate(optionsFor(c, script, { agentScriptDigest: undefined }));
    expectFailure(
      o,
      "guard-agent-hash",
      `guard-agent-hash: expected EXPECTED_AGENT_HASH ${AGENT_HASH} in ${AGENT_SCRIPT}, found ${"b".repeat(64)}`,
    );
    expect(readFileSync(c.auditLog)).toEqual(before);
    expect(o.result.auditEntriesBefore).toBeNull();
    nothingRan(c);
  });

  it("aborts on a wrong file digest of the boot script", async () => {
    const c = makeCheckout(root, "file-digest", {
      variant: (repo) => patchFile(repo, AGENT_SCRIPT, "class IdentityMismatch", "# edited on the node\nclass IdentityMismatch"),
    });
    const pinned = sha256(readFileSync(path.join(root, "clean", "repo", AGENT_SCRIPT)));
    const before = readFileSync(c.auditLog);
    const o = await validate(optionsFor(c, script, { agentScriptDigest: pinned }));
    expectFailure(o, "guard-file-digest", `guard-file-digest: expected SHA-256 ${pinned} of ${AGENT_SCRIPT}, found ${c.agentScriptDigest}`);
    expect(o.result.fileDigest).toBe(c.agentScriptDigest);
    expect(readFileSync(c.auditLog)).toEqual(before);
    nothingRan(c);
  });

  it("aborts when HEAD is not the pinned ref", async () => {
    const c = makeCheckout(root, "ref", { variant: (repo) => writeFileSync(path.join(repo, "NOTES.md"), "a later commit\n") });
    const before = readFileSync(c.auditLog);
    const o = await validate(optionsFor(c, script, { ref: c.baseRef }));
    expectFailure(o, "guard-ref", `guard-ref: expected HEAD at pinned ref ${c.baseRef}, found ${c.ref}`);
    expect(readFileSync(c.auditLog)).toEqual(before);
    nothingRan(c);
  });

  it("fails at lem when Coq does not build, and boot never runs", async () => {
    const c = makeCheckout(root, "coq-failure", {
      variant: (repo) =>
        patchFile(
          repo,
          "Protopraxis/formal_verification/coq/baseline/PXL_Rules.v",
          "Lemma coherence",
          "Lemma broken : False.\nProof. exact I. Qed.\n\nLemma coherence",
        ),
    });
    const before = readFileSync(c.auditLog);
    const o = await validate(optionsFor(c, script));
    expectFailure(
      o,
      "lem",
      /^lem: `python3 test_lem_discharge.py`: expected exit 0, found exit 1; last output: .*PXL_Rules\.v.*Overall status: FAIL/,
    );
    expect(o.result.seconds["boot"]).toBeUndefined();
    expect(o.result.auditEntriesAfter).toBe(2);
    expect(readFileSync(c.auditLog)).toEqual(before);
  });

  it("fails at lem when a stdout marker is missing despite exit 0", async () => {
    const c = makeCheckout(root, "missing-marker", {
      variant: (repo) => patchFile(repo, "test_lem_discharge.py", `print(f"Overall status: {`, `print(f"Overall result: {`),
    });
    const before = readFileSync(c.auditLog);
    const o = await validate(optionsFor(c, script));
    expectFailure(
      o,
      "lem",
      "lem: `python3 test_lem_discharge.py`: expected stdout marker(s) ['Overall status: PASS'], found none; last output:",
    );
    expect(readFileSync(c.auditLog)).toEqual(before);
  });

  it("fails at boot when the agent reports SANDBOXED; the boot entry is still recorded", async () => {
    const c = makeCheckout(root, "sandboxed", {
      variant: (repo) => patchFile(repo, AGENT_SCRIPT, "aligned = rebuilt and not lem_assumptions and not admitted", "aligned = False"),
    });
    const seeded = entries(c.auditLog);
    const o = await validate(optionsFor(c, script));
    expectFailure(
      o,
      "boot",
      "boot: `python3 scripts/boot_aligned_agent.py`: expected exit 0, found exit 1; expected 'Current status: ALIGNED', found '[LOGOS-AGENT-OMEGA] Current status: SANDBOXED'",
    );
    expect(o.result).toMatchObject({ auditEntriesBefore: 2, auditEntriesAfter: 3, historyFile: null, footprint: { status: "skipped" } });
    const after = entries(c.auditLog);
    expect(after.slice(0, 2)).toEqual(seeded);
    expect(after[2]).toMatchObject({ rebuild_success: true, agent_hash: AGENT_HASH });
  });

  it("detects a workload that truncates the audit log and keeps the earlier history", async () => {
    const c = makeCheckout(root, "truncating", {
      variant: (repo) => patchFile(repo, AGENT_SCRIPT, "entries = _load_previous(path)", "entries = []"),
    });
    const before = readFileSync(c.auditLog);
    const o = await validate(optionsFor(c, script));
    expectFailure(
      o,
      "audit",
      new RegExp(
        "^audit: expected the 2 earlier entries as an unchanged prefix, found only 1 entries \\(history truncated\\); " +
          `earlier history \\(2 entries\\) kept in ${escapeRe(c.auditLog)}\\.history-\\d{8}T\\d{12}Z\\.json$`,
      ),
    );
    expect(o.result.auditEntriesAfter).toBe(1);
    expect(entries(c.auditLog)).toHaveLength(1);
    const side = o.result.historyFile;
    expect(side).not.toBeNull();
    expect(path.dirname(side ?? "")).toBe(c.stateDir);
    expect(readFileSync(side ?? "")).toEqual(before);
  });

  it("refuses to run on a corrupt audit log, leaving it byte-identical", async () => {
    const corrupt = seededHistory(2).slice(0, 120);
    const c = makeCheckout(root, "corrupt-audit", { audit: corrupt });
    const o = await validate(optionsFor(c, script));
    expectFailure(
      o,
      "snapshot",
      new RegExp(`^snapshot: expected a JSON array in audit log ${escapeRe(c.auditLog)} before the run, found invalid JSON \\(.+\\)$`),
    );
    expect(readFileSync(c.auditLog, "utf8")).toBe(corrupt);
    expect(readdirSync(c.stateDir).filter((f) => f.includes(".history-"))).toEqual([]);
    nothingRan(c);
  });

  it("kills a hung step at its timeout, with its whole process group", async () => {
    const c = makeCheckout(root, "hung", {
      variant: (repo) =>
        patchFile(repo, "test_lem_discharge.py", "def main() -> int:\n", "def main() -> int:\n    import time\n\n    time.sleep(600)\n"),
    });
    const before = readFileSync(c.auditLog);
    const o = await validate(optionsFor(c, script, { timeouts: { lem: 3 } }));
    expectFailure(
      o,
      "lem",
      "lem: `python3 test_lem_discharge.py`: expected exit 0 within 3s, found no exit: timed out after 3s and was killed",
    );
    expect(o.ssh.ms).toBeLessThan(30_000);
    expect(readFileSync(c.auditLog)).toEqual(before);
    expect(processesIn(c.repoDir), "no process of the hung step may survive").toEqual([]);
  });

  it("kills the running step and reports its stage when the validation itself is terminated", async () => {
    const c = makeCheckout(root, "terminated", {
      variant: (repo) =>
        patchFile(repo, "test_lem_discharge.py", "def main() -> int:\n", "def main() -> int:\n    import time\n\n    time.sleep(600)\n"),
    });
    const before = readFileSync(c.auditLog);
    const [program, ...args] = validationArgv(optionsFor(c, script));
    const child = spawn(program ?? "python3", args, {
      env: { ...process.env, LOGOS_STATE_DIR: c.stateDir },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d.toString()));
    const lemStarted = new Promise<void>((resolve) =>
      child.stderr.on("data", (d) => {
        stderr += d.toString();
        if (stderr.includes("lem: python3")) resolve();
      }),
    );
    const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    const guardTimer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    await lemStarted;
    await new Promise((r) => setTimeout(r, 500));
    child.kill("SIGTERM");
    const code = await exited;
    clearTimeout(guardTimer);
    expect(code, stderr).toBe(VALIDATION_EXIT_CODES.lem);
    const result = parseValidationResult(stdout);
    expect(result).toMatchObject({ status: "fail", stage: "lem" });
    expect(result.errors[0]).toBe("lem: expected to run to completion, found signal SIGTERM");
    expect(readFileSync(c.auditLog)).toEqual(before);
    expect(processesIn(c.repoDir), "the step's process group must be gone").toEqual([]);
  });

  it("reports an unreachable node clearly and quickly (nothing listening)", async () => {
    const ssh = await pair.run("logos-unreachable", buildValidationCommand(optionsFor(makeCheckout(root, "unreachable"), script)), {
      timeoutMs: 60_000,
    });
    expect(ssh.code).toBe(255);
    expect(ssh.stderr).toMatch(/stdio forwarding failed|Connection refused|open failed/);
    expect(ssh.stdout).toBe("");
    expect(ssh.ms).toBeLessThan(15_000);
  });

  it("gives up on a node that accepts TCP but never speaks SSH within the per-dial timeout", async () => {
    const ssh = await pair.run("logos-silent", "true", { timeoutMs: 60_000, extraOptions: ["ConnectTimeout=3"] });
    expect(ssh.code).toBe(255);
    expect(ssh.stderr).toMatch(/Connection timed out during banner exchange/);
    expect(ssh.ms).toBeGreaterThanOrEqual(2_500);
    expect(ssh.ms).toBeLessThan(15_000);
  });

  it("serialises two validations at once on one node; both are recorded", async () => {
    const c = makeCheckout(root, "concurrent");
    const seeded = entries(c.auditLog);
    const [a, b] = await Promise.all([validate(optionsFor(c, script)), validate(optionsFor(c, script))]);
    for (const o of [a, b]) expect(o.ssh.code, o.ssh.stderr).toBe(0);
    const ordered = [a.result, b.result].sort((x, y) => (x.auditEntriesBefore ?? 0) - (y.auditEntriesBefore ?? 0));
    expect(ordered.map((r) => [r.auditEntriesBefore, r.auditEntriesAfter])).toEqual([
      [2, 3],
      [3, 4],
    ]);
    // The second one waited for the first's whole run.
    const waited = ordered[1]?.seconds["lock"] ?? 0;
    expect(waited).toBeGreaterThan(((ordered[0]?.seconds["lem"] ?? 0) + (ordered[0]?.seconds["boot"] ?? 0)) * 0.8);
    const after = entries(c.auditLog);
    expect(after).toHaveLength(4);
    expect(after.slice(0, 2)).toEqual(seeded);
  });

  it("gates on the independent footprint under strictFootprint", async () => {
    const c = makeCheckout(root, "strict-footprint");
    const o = await validate(optionsFor(c, script, { strictFootprint: true, allowedAxioms: ["PXL_Axioms.grounding_total"] }));
    expectFailure(
      o,
      "footprint",
      "footprint: expected the axioms of PXL.PXL_Internal_LEM.pxl_excluded_middle within the allowed set (['PXL_Axioms.grounding_total']), found ['PXL_Axioms.grounded_decides']",
    );
    expect(o.result.auditEntriesAfter).toBe(3); // the workload itself passed and recorded its boot
  });

  it("reports a failed archive upload without failing the validation", async () => {
    const c = makeCheckout(root, "archive-failure");
    const o = await validate(optionsFor(c, script, { archiveCommand: "echo 'bucket unreachable' >&2; exit 3" }));
    expect(o.ssh.code, o.ssh.stderr).toBe(0);
    expect(o.result).toMatchObject({ status: "pass", archive: { status: "failed" } });
    expect(o.result.warnings).toEqual(["archive: archive command: expected exit 0, found exit 3; output: bucket unreachable"]);
  });
});
