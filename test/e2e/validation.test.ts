/**
 * End to end: the component's exact command, run through a real bastion sshd
 * into a real node sshd (`ssh -J`, pinned host keys), against a git checkout
 * of the workload fixture built by real Coq. One case per fault in the
 * validation design; each asserts exit code, stage, message and the audit log.
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import {
  VALIDATION_EXIT_CODES,
  buildValidationCommand,
  parseValidationResult,
  shellJoin,
  validationArgv,
  type ValidationOptions,
} from "../../infra/node/validation";
import { entries, escapeRe, expectFailure, historyFiles, nothingRan, pyList, validateOn, type Outcome } from "./harness/outcome";
import { startSilentListener, startSshPair, type SshPair } from "./harness/sshd";
import {
  AGENT_HASH,
  AGENT_SCRIPT,
  FIXTURE_AXIOMS,
  FIXTURE_THEOREMS,
  INTERNAL_LEM,
  installScript,
  makeCheckout,
  optionsFor,
  patchFile,
  seededHistory,
  sha256,
} from "./harness/workload";

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

const validate = (options: ValidationOptions | string): Promise<Outcome> => validateOn(pair, options);

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
      // The theorem sits inside `Module PXL_Internal_LEM` and is re-stated at
      // top level elsewhere: both are found, both gate, axioms fully qualified.
      footprint: {
        status: "ok",
        gating: true,
        theorem: "pxl_excluded_middle",
        resolved: FIXTURE_THEOREMS,
        axioms: FIXTURE_AXIOMS,
        disallowed: [],
        closed: false,
      },
      warnings: [],
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
    expect(historyFiles(c.stateDir)).toEqual([]);
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

  it("serialises two validations that share a checkout but not a state directory", async () => {
    const c = makeCheckout(root, "shared-checkout");
    const otherState = path.join(root, "shared-checkout", "state-b");
    mkdirSync(otherState);
    writeFileSync(path.join(otherState, path.basename(c.auditLog)), seededHistory(2));
    const [a, b] = await Promise.all([validate(optionsFor(c, script)), validate(optionsFor(c, script, { stateDir: otherState }))]);
    for (const o of [a, b]) {
      expect(o.ssh.code, o.ssh.stderr).toBe(0);
      expect(o.result).toMatchObject({ status: "pass", auditEntriesBefore: 2, auditEntriesAfter: 3 });
    }
    // One of them waited on the checkout's lock for the other's whole build.
    const [first, second] = [a.result, b.result].sort((x, y) => (x.seconds["lock"] ?? 0) - (y.seconds["lock"] ?? 0));
    expect(second?.seconds["lock"] ?? 0).toBeGreaterThan(((first?.seconds["lem"] ?? 0) + (first?.seconds["boot"] ?? 0)) * 0.8);
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

  it("gates on the footprint by default: an axiom outside the pinned list fails the node", async () => {
    const c = makeCheckout(root, "footprint-pin");
    const seeded = entries(c.auditLog);
    const o = await validate(optionsFor(c, script, { allowedAxioms: ["PXL.PXL_Axioms.grounded_decides"] }));
    expectFailure(
      o,
      "footprint",
      `footprint: expected the axioms of ${FIXTURE_THEOREMS.join(", ")} within the allowed set (['PXL.PXL_Axioms.grounded_decides']), ` +
        "found ['PXL.PXL_Internal_LEM.PXL_Internal_LEM.grounding_witness'] outside it",
    );
    expect(o.result.footprint).toMatchObject({ gating: true, disallowed: ["PXL.PXL_Internal_LEM.PXL_Internal_LEM.grounding_witness"] });
    // The workload itself passed and recorded its boot; the earlier entries are intact.
    expect(o.result.auditEntriesAfter).toBe(3);
    expect(entries(c.auditLog).slice(0, 2)).toEqual(seeded);
  });

  it("refuses at footprint a lemma admitted as a one-line `Fact … Proof. Admitted.` that both workload scanners miss", async () => {
    const c = makeCheckout(root, "one-line-admitted", {
      variant: (repo) =>
        patchFile(
          repo,
          INTERNAL_LEM,
          "Lemma grounded_lem : forall p : Prop, p \\/ ~ p.\nProof.\n  intro p.\n  apply grounded_decides.\n  apply grounding_witness.\nQed.",
          "Fact grounded_lem : forall p : Prop, p \\/ ~ p. Proof. Admitted.",
        ),
    });
    const seeded = readFileSync(c.auditLog, "utf8");
    const o = await validate(optionsFor(c, script));
    expectFailure(
      o,
      "footprint",
      `footprint: expected the axioms of ${FIXTURE_THEOREMS.join(", ")} within the allowed set (${pyList(FIXTURE_AXIOMS)}), ` +
        "found ['PXL.PXL_Internal_LEM.PXL_Internal_LEM.grounded_lem'] outside it",
    );
    // lem printed PASS and boot ALIGNED: only the footprint saw the admitted lemma.
    expect(o.result.errors).toHaveLength(1);
    expect(o.result.footprint.axioms).toEqual(["PXL.PXL_Internal_LEM.PXL_Internal_LEM.grounded_lem"]);
    const after = readFileSync(c.auditLog, "utf8");
    expect(entries(c.auditLog)).toHaveLength(3);
    expect(JSON.parse(after).slice(0, 2)).toEqual(JSON.parse(seeded));
    expect(historyFiles(c.stateDir)).toEqual([]);
  });

  it("fails at boot on a deeper `Admitted.` that only the boot script's recursive scan catches", async () => {
    const c = makeCheckout(root, "deeper-admitted", {
      variant: (repo) =>
        patchFile(
          repo,
          "Protopraxis/formal_verification/coq/baseline/extensions/PXL_Modal_Extensions.v",
          "  now apply box_dia.\nQed.",
          "Admitted.",
        ),
    });
    const seeded = entries(c.auditLog);
    const o = await validate(optionsFor(c, script));
    expectFailure(
      o,
      "boot",
      "boot: `python3 scripts/boot_aligned_agent.py`: expected exit 0, found exit 1; expected 'Current status: ALIGNED', found '[LOGOS-AGENT-OMEGA] Current status: SANDBOXED'",
    );
    expect(o.result.seconds["lem"]).toBeGreaterThan(0); // lem ran and passed: its one-level scan missed the file
    expect(o.result.errors).toHaveLength(1);
    const after = entries(c.auditLog);
    expect(after.slice(0, 2)).toEqual(seeded);
    expect(after[2]).toMatchObject({ admitted_stubs: ["extensions/PXL_Modal_Extensions.v"] });
  });

  it("with strictFootprint false, passes but says so loudly on stderr and in the result", async () => {
    const c = makeCheckout(root, "footprint-lenient");
    const o = await validate(optionsFor(c, script, { strictFootprint: false, allowedAxioms: [] }));
    expect(o.ssh.code, o.ssh.stderr).toBe(0);
    const outside = `found ${pyList(FIXTURE_AXIOMS)} outside it`;
    expect(o.result.warnings).toEqual([
      "footprint: does NOT gate (--no-strict-footprint): axioms outside the allowed list only warn",
      `footprint: expected the axioms of ${FIXTURE_THEOREMS.join(", ")} within the allowed set (none), ${outside}`,
    ]);
    expect(o.result.footprint).toMatchObject({ status: "ok", gating: false, disallowed: FIXTURE_AXIOMS });
    expect(o.ssh.stderr).toContain("WARNING footprint: does NOT gate");
    expect(o.ssh.stderr).toMatch(
      new RegExp(`node e2e-node: PASS in [\\d.]+s with 2 WARNING\\(S\\): footprint: does NOT gate .*${escapeRe(outside)}`),
    );
  });

  it("pins the ref as a full 40-hex commit: a bumped pin passes, HEAD, a branch or a short id are refused", async () => {
    const c = makeCheckout(root, "ref-forms", { variant: (repo) => writeFileSync(path.join(repo, "NOTES.md"), "the bumped commit\n") });
    const before = readFileSync(c.auditLog);
    for (const given of ["HEAD", "master", c.ref.slice(0, 12), c.ref.toUpperCase().slice(0, 39)]) {
      const argv = validationArgv(optionsFor(c, script));
      argv[argv.indexOf("--ref") + 1] = given;
      const o = await validate(shellJoin(["env", `LOGOS_STATE_DIR=${c.stateDir}`, ...argv]));
      expectFailure(o, "usage", `usage: --ref: expected a full 40-hex commit id, found '${given}'`);
      expect(readFileSync(c.auditLog)).toEqual(before);
      nothingRan(c);
    }
    // The old pin is refused at the guard, the bumped one passes.
    expectFailure(
      await validate(optionsFor(c, script, { ref: c.baseRef })),
      "guard-ref",
      `guard-ref: expected HEAD at pinned ref ${c.baseRef}, found ${c.ref}`,
    );
    expect(readFileSync(c.auditLog)).toEqual(before);
    const bumped = await validate(optionsFor(c, script, { ref: c.ref }));
    expect(bumped.ssh.code, bumped.ssh.stderr).toBe(0);
    expect(bumped.result).toMatchObject({ status: "pass", ref: c.ref, auditEntriesBefore: 2, auditEntriesAfter: 3 });
  });

  it("accepts a log holding a single JSON object as a one-entry history, as the workload does", async () => {
    const single = `${JSON.stringify(JSON.parse(seededHistory(1))[0], null, 2)}\n`;
    const c = makeCheckout(root, "single-object", { audit: single });
    const o = await validate(optionsFor(c, script));
    expect(o.ssh.code, o.ssh.stderr).toBe(0);
    expect(o.result).toMatchObject({ status: "pass", auditEntriesBefore: 1, auditEntriesAfter: 2, historyFile: null });
    const after = entries(c.auditLog);
    expect(after[0]).toEqual(JSON.parse(single));
    expect(after[1]).toMatchObject({ agent_hash: AGENT_HASH });
    expect(historyFiles(c.stateDir)).toEqual([]);
  });

  it("reports a failed archive upload without failing the validation", async () => {
    const c = makeCheckout(root, "archive-failure");
    const o = await validate(optionsFor(c, script, { archiveCommand: "echo 'bucket unreachable' >&2; exit 3" }));
    expect(o.ssh.code, o.ssh.stderr).toBe(0);
    expect(o.result).toMatchObject({ status: "pass", archive: { status: "failed" } });
    expect(o.result.warnings).toEqual(["archive: archive command: expected exit 0, found exit 3; output: bucket unreachable"]);
  });
});
