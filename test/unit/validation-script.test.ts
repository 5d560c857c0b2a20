/**
 * The node script's audit and footprint logic, driven directly through
 * python3 (no Coq, no SSH): the cases the e2e suite does not reach.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

import { afterAll, describe, expect, it } from "vitest";

import { VALIDATION_SCRIPT_SOURCE } from "../../infra/node/validation";

const AGENT_HASH = "a09d35345ad8dcee4d56ecf49eada0a7425ff6082353002e4473a6d582e85bda";
const dirs: string[] = [];

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Runs `body` with the script imported as `v`; returns what it prints as JSON. */
function py(body: string): any {
  const driver = [
    "import importlib.util, json, sys",
    `spec = importlib.util.spec_from_file_location("v", ${JSON.stringify(VALIDATION_SCRIPT_SOURCE)})`,
    'v = importlib.util.module_from_spec(spec); sys.modules["v"] = v; spec.loader.exec_module(v)',
    body,
  ].join("\n");
  const done = spawnSync("python3", ["-c", driver], { encoding: "utf8", timeout: 30_000 });
  expect(done.status, done.stderr).toBe(0);
  return JSON.parse(done.stdout);
}

const entry = (i: number, hash = AGENT_HASH) => ({
  agent_id: "LOGOS-AGENT-OMEGA",
  agent_hash: hash,
  verified_at: `t${i}`,
  lem_assumptions: [],
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

/**
 * The validator's audit flow over a log that held `before` (JSON text) and
 * now holds `after` (raw text, or null for removed): snapshot, pre-run copy,
 * the change, check_audit.
 */
function audit(before: unknown[] | string, after: string | null, added: [number, number]) {
  const dir = tempDir("logos-audit-");
  const log = path.join(dir, "alignment_LOGOS-AGENT-OMEGA.json");
  const beforeText = typeof before === "string" ? before : JSON.stringify(before, null, 2);
  writeFileSync(log, beforeText);
  const report = py(`
from pathlib import Path
log = Path(${JSON.stringify(log)})
before = v.read_audit(log, "snapshot", "before the run")
copy = v.write_history_copy(log, before) if before.digests else None
copied = copy.read_bytes().decode() if copy else None
${after === null ? "log.unlink()" : `log.write_text(${JSON.stringify(after)})`}
r = v.Report(node="n", agent_hash=${JSON.stringify(AGENT_HASH)})
v.check_audit(log, before, range(${added[0]}, ${added[1]}), ${JSON.stringify(AGENT_HASH)}, r, copy)
print(json.dumps({"errors": r.errors, "before": len(before.digests), "after": r.audit_after, "history": r.history_file, "copied": copied}))
`);
  const history = readdirSync(dir).filter((f) => f.includes(".history-"));
  return { ...report, beforeText, historyText: history[0] ? readFileSync(path.join(dir, history[0]), "utf8") : null };
}

describe("check_audit", () => {
  const two = [entry(1), entry(2)];

  it("accepts the earlier entries as a prefix plus exactly one new entry, in any formatting; the pre-run copy goes", () => {
    const r = audit(two, JSON.stringify([...two, entry(3)]), [1, 2]);
    expect(r).toMatchObject({ errors: [], after: 3, history: null, historyText: null });
    expect(r.copied).toBe(r.beforeText); // it existed, byte for byte, while the workload ran
  });

  it("takes a single JSON object as a one-entry history, which the workload wraps in a list", () => {
    const single = JSON.stringify(entry(1), null, 2);
    const r = audit(single, JSON.stringify([entry(1), entry(2)]), [1, 2]);
    expect(r).toMatchObject({ errors: [], before: 1, after: 2, history: null, historyText: null });
  });

  it("detects a single-object log replaced by another object", () => {
    const r = audit(JSON.stringify(entry(1)), JSON.stringify([entry(9), entry(2)]), [1, 2]);
    expect(r.errors[0]).toMatch(
      /^audit: expected the earlier entries unchanged, found entries \[0\] rewritten; earlier history \(1 entries\) kept in /,
    );
    expect(r.historyText).toBe(r.beforeText);
  });

  it("detects a rewritten earlier entry and keeps the earlier bytes", () => {
    const r = audit(two, JSON.stringify([entry(1), { ...entry(2), verified_at: "forged" }, entry(3)]), [1, 2]);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(
      /^audit: expected the earlier entries unchanged, found entries \[1\] rewritten; earlier history \(2 entries\) kept in /,
    );
    expect(r.historyText).toBe(r.beforeText);
  });

  it("detects a removed log", () => {
    const r = audit(two, null, [1, 2]);
    expect(r.errors[0]).toMatch(
      /^audit: expected the audit log .* to still exist, found it removed; earlier history \(2 entries\) kept in /,
    );
    expect(r.historyText).toBe(r.beforeText);
  });

  it("detects a log left unparseable", () => {
    const r = audit(two, '[{"agent_id": ', [1, 2]);
    expect(r.errors[0]).toMatch(/^audit: expected a JSON array in audit log .* after the run, found invalid JSON/);
    expect(r.historyText).toBe(r.beforeText);
  });

  it("detects the unreadable-log reset the workload itself performs", () => {
    const r = audit(two, JSON.stringify([{ warning: "previous_log_unreadable" }, entry(3)]), [1, 2]);
    expect(r.errors[0]).toMatch(/^audit: expected the earlier entries unchanged, found entries \[0, 1\] rewritten/);
  });

  it("fails on two new entries and keeps no side file: nothing was lost", () => {
    const r = audit(two, JSON.stringify([...two, entry(3), entry(4)]), [1, 2]);
    expect(r).toMatchObject({ errors: ["audit: expected 1 new entry, found 2"], history: null, historyText: null });
  });

  it("fails when a run that must not write did write", () => {
    const r = audit(two, JSON.stringify([...two, entry(3)]), [0, 1]);
    expect(r.errors).toEqual(["audit: expected 0 new entries, found 1"]);
  });

  it("checks the new entry carries the pinned agent hash", () => {
    const r = audit(two, JSON.stringify([...two, entry(3, "c".repeat(64))]), [1, 2]);
    expect(r.errors).toEqual([`audit: expected the new entry's agent_hash ${AGENT_HASH}, found '${"c".repeat(64)}'`]);
  });
});

describe("parse_assumptions", () => {
  it.each([
    ["closed", "Closed under the global context\n", [true, []]],
    [
      "axioms with wrapped types",
      "Axioms:\nPXL_Axioms.grounding_total : forall p : Prop, Grounded p\nPXL_Axioms.grounded_decides\n  : forall p : Prop, Grounded p -> p \\/ ~ p\n",
      [false, ["PXL_Axioms.grounding_total", "PXL_Axioms.grounded_decides"]],
    ],
    ["only the Axioms section counts", "Section Variables:\nx : nat\nAxioms:\nA.b : True\n", [false, ["A.b"]]],
  ])("%s", (_label, transcript, expected) => {
    expect(py(`print(json.dumps(v.parse_assumptions(${JSON.stringify(transcript)})))`)).toEqual(expected);
  });
});

describe("declared_agent_hash", () => {
  it.each([
    ["a plain assignment", `EXPECTED_AGENT_HASH = "${AGENT_HASH}"\n`, AGENT_HASH],
    ["an annotated assignment", `EXPECTED_AGENT_HASH: str = "${AGENT_HASH.toUpperCase()}"\n`, AGENT_HASH],
  ])("reads %s", (_label, source, expected) => {
    expect(py(`print(json.dumps(v.declared_agent_hash(${JSON.stringify(source)}, "boot.py")))`)).toBe(expected);
  });

  it.each([
    ["missing", "X = 1\n", "found 0 assignment(s)"],
    ["assigned twice", `EXPECTED_AGENT_HASH = "a"\nEXPECTED_AGENT_HASH = "b"\n`, "found 2 assignment(s)"],
    ["computed", "EXPECTED_AGENT_HASH = compute()\n", "found 1 assignment(s), not all string literals"],
  ])("rejects a hash that is %s", (_label, source, found) => {
    const r = py(`
try:
    v.declared_agent_hash(${JSON.stringify(source)}, "boot.py")
    print(json.dumps(None))
except v.StageFailure as e:
    print(json.dumps([e.stage, str(e)]))
`);
    expect(r).toEqual(["guard-agent-hash", `expected exactly one literal string EXPECTED_AGENT_HASH in boot.py, ${found}`]);
  });
});

/**
 * The whole script on a workload-shaped repository whose two commands are
 * small stand-ins (no Coq, no SSH): each gate below is shown stopping a run
 * that would otherwise pass.
 */
describe("validate_proof.py end to end on stand-in workload scripts", () => {
  interface FakeRepo {
    readonly repo: string;
    readonly state: string;
    readonly log: string;
  }

  function fakeRepo(o: { declaredHash?: string; lemOutput?: string; lemExit?: number } = {}): FakeRepo {
    const repo = tempDir("logos-fake-repo-");
    const state = path.join(repo, "..", `${path.basename(repo)}-state`);
    mkdirSync(state);
    dirs.push(state);
    mkdirSync(path.join(repo, "scripts"));
    const lemOutput = o.lemOutput ?? "Assumptions of pxl_excluded_middle:\n  <none>\nOverall status: PASS\n";
    writeFileSync(
      path.join(repo, "test_lem_discharge.py"),
      [
        "import pathlib, sys",
        'pathlib.Path(__file__).with_name("lem-ran").touch()',
        `sys.stdout.write(${JSON.stringify(lemOutput)})`,
        `sys.exit(${o.lemExit ?? 0})`,
        "",
      ].join("\n"),
    );
    writeFileSync(
      path.join(repo, "scripts", "boot_aligned_agent.py"),
      [
        "import json, os, pathlib",
        `EXPECTED_AGENT_HASH = "${o.declaredHash ?? AGENT_HASH}"`,
        'pathlib.Path(__file__).parent.parent.joinpath("boot-ran").touch()',
        'log = pathlib.Path(os.environ["LOGOS_STATE_DIR"]) / "alignment_LOGOS-AGENT-OMEGA.json"',
        "entries = json.loads(log.read_text()) if log.exists() else []",
        'entries.append({"agent_id": "LOGOS-AGENT-OMEGA", "agent_hash": EXPECTED_AGENT_HASH})',
        "log.write_text(json.dumps(entries))",
        'print("[LOGOS-AGENT-OMEGA] Current status: ALIGNED")',
        "",
      ].join("\n"),
    );
    const log = path.join(state, "alignment_LOGOS-AGENT-OMEGA.json");
    writeFileSync(log, JSON.stringify([entry(1)], null, 2));
    return { repo, state, log };
  }

  /**
   * No _CoqProject in the stand-in: the footprint can only warn, so it runs
   * non-gating here. The write sandbox needs Landlock in the kernel; the e2e
   * suite runs it, these stay portable.
   */
  function validate(r: FakeRepo, extra: string[] = []) {
    const done = spawnSync(
      "python3",
      [
        VALIDATION_SCRIPT_SOURCE,
        ...["--repo-dir", r.repo, "--state-dir", r.state, "--agent-hash", AGENT_HASH, "--node-name", "unit-node"],
        ...["--no-strict-footprint", "--no-write-sandbox", "--lock-timeout", "1", ...extra],
      ],
      { encoding: "utf8", timeout: 60_000 },
    );
    const lines = done.stdout.trim().split("\n");
    return {
      code: done.status,
      stderr: done.stderr,
      result: JSON.parse(lines.at(-1) ?? "null") as { stage: string; errors: string[]; warnings: string[]; status: string },
      ran: (name: string) => existsSync(path.join(r.repo, name)),
    };
  }

  it("passes on stand-ins that print every marker: the baseline the cases below break", () => {
    const r = fakeRepo();
    const o = validate(r);
    expect(o.code, o.stderr).toBe(0);
    expect(o.result.status).toBe("pass");
    expect(o.ran("lem-ran") && o.ran("boot-ran")).toBe(true);
    expect(JSON.parse(readFileSync(r.log, "utf8"))).toHaveLength(2);
  });

  it("stops at the agent-hash guard before anything runs when EXPECTED_AGENT_HASH differs from the pin", () => {
    const r = fakeRepo({ declaredHash: "b".repeat(64) });
    const before = readFileSync(r.log);
    const o = validate(r);
    expect(o.code).toBe(11);
    expect(o.result.stage).toBe("guard-agent-hash");
    expect(o.result.errors).toEqual([
      `guard-agent-hash: expected EXPECTED_AGENT_HASH ${AGENT_HASH} in scripts/boot_aligned_agent.py, found ${"b".repeat(64)}`,
    ]);
    expect(o.ran("lem-ran")).toBe(false);
    expect(readFileSync(r.log)).toEqual(before);
  });

  it.each([
    ["prints `Overall status: FAIL` and exits 0", "  <none>\nOverall status: FAIL\n"],
    ["prints a look-alike `Overall status: PASSED_WITH_ERRORS`", "  <none>\nOverall status: PASSED_WITH_ERRORS\n"],
  ])("fails at lem when the rebuild report %s; boot never runs", (_label, output) => {
    const r = fakeRepo({ lemOutput: output });
    const before = readFileSync(r.log);
    const o = validate(r);
    expect(o.code).toBe(40);
    expect(o.result.errors[0]).toBe(
      `lem: \`python3 test_lem_discharge.py\`: expected stdout marker(s) ['Overall status: PASS'], found none; last output: ${output
        .trim()
        .split("\n")
        .map((l) => l.trim())
        .join(" | ")}`,
    );
    expect(o.ran("boot-ran")).toBe(false);
    expect(readFileSync(r.log)).toEqual(before);
  });

  it("fails at first-boot when the bounded wait for cloud-init ran out", () => {
    const r = fakeRepo();
    const o = validate(r, ["--first-boot", "timeout", "--first-boot-wait", "1800"]);
    expect(o.code).toBe(5);
    expect(o.result.errors).toEqual([
      "first-boot: expected the node's first boot (cloud-init) to finish within 1800s, found it still running; see /var/log/cloud-init-output.log and validate again when it has finished",
    ]);
    expect(o.ran("lem-ran")).toBe(false);
  });

  it("reports how long the first-boot wait took next to its own steps' seconds", () => {
    const seconds = (args: string[]) => (validate(fakeRepo(), args).result as unknown as { seconds: Record<string, number> }).seconds;
    const passed = seconds(["--first-boot", "done", "--first-boot-seconds", "212"]);
    expect(passed["first-boot"]).toBe(212);
    expect(passed.total).toBeLessThan(212);
    expect(passed.lem).toBeGreaterThan(0);
    expect(seconds(["--first-boot", "timeout", "--first-boot-seconds", "1800"])["first-boot"]).toBe(1800);
  });

  it("warns loudly, and still validates, when cloud-init finished with errors", () => {
    const o = validate(fakeRepo(), ["--first-boot", "error"]);
    expect(o.code, o.stderr).toBe(0);
    expect(o.result.warnings).toContain(
      "first-boot: cloud-init finished with errors (see /var/log/cloud-init-output.log); the stages below check what the validation needs",
    );
    expect(o.stderr).toMatch(/node unit-node: PASS in [\d.]+s with \d WARNING\(S\): .*first-boot: cloud-init finished with errors/);
  });

  it.each(["HEAD", "main", "0123456789ab", "0".repeat(64)])("refuses --ref %s: only a full 40-hex commit pins a run", (ref) => {
    const r = fakeRepo();
    const o = validate(r, ["--ref", ref]);
    expect(o.code).toBe(2);
    expect(o.result.errors).toEqual([`usage: --ref: expected a full 40-hex commit id, found '${ref}'`]);
    expect(o.ran("lem-ran")).toBe(false);
  });

  it("refuses at guard-coq, before anything runs, a Coq that is not the pinned one", () => {
    const r = fakeRepo();
    const o = validate(r, ["--coq-version", "1.2.3+dfsg-1"]);
    expect(o.code).toBe(15);
    expect(o.result.errors[0]).toMatch(/^guard-coq: expected coqc 1\.2\.3 /);
    expect(o.ran("lem-ran")).toBe(false);
  });

  it("reports every malformed guard flag at once", () => {
    const r = fakeRepo();
    const signers = path.join(r.state, "..", `${path.basename(r.state)}-signers.json`);
    writeFileSync(signers, '{"not": "a list"}');
    dirs.push(signers);
    const o = validate(r, ["--trusted-signer", "ssh-ed25519 AAAAC3Nz", "--trusted-signers-file", signers, "--coq-version", "latest"]);
    expect(o.code).toBe(2);
    expect(o.result.errors).toEqual([
      "usage: --trusted-signers-file: expected a JSON array of strings; " +
        "--trusted-signer: expected an SSH allowed-signers line (principal key-type key) or an armored OpenPGP public key, found 'ssh-ed25519 AAAAC3Nz'; " +
        "--coq-version: expected a package version such as 8.18.0+dfsg-1build2, found 'latest'",
    ]);
  });

  it("refuses at space, with nothing run and no copy written, when the margin cannot be kept", () => {
    const r = fakeRepo();
    const before = readFileSync(r.log);
    const o = validate(r, ["--free-space-margin", String(2 ** 60)]);
    expect(o.code).toBe(35);
    expect(o.result.errors[0]).toMatch(
      new RegExp(
        `^space: expected at least \\d+ bytes free on the file system of ${r.state} \\(a ${before.length}-byte copy of the audit log, .*nothing ran`,
      ),
    );
    expect(o.ran("lem-ran")).toBe(false);
    expect(readdirSync(r.state).filter((f) => f.includes(".history-"))).toEqual([]);
  });

  it("refuses at state-disk when the state directory is not a mount point", () => {
    const r = fakeRepo();
    const deviceFile = path.join(r.state, "..", `${path.basename(r.state)}.device`);
    writeFileSync(deviceFile, "/dev/disk/by-id/google-logos-state\n");
    dirs.push(deviceFile);
    const o = validate(r, ["--state-device-file", deviceFile]);
    expect(o.code).toBe(16);
    expect(o.result.errors[0]).toMatch(
      new RegExp(
        `^state-disk: expected ${r.state} to be the mount point of the state disk /dev/disk/by-id/google-logos-state, found a plain directory on `,
      ),
    );
    expect(o.ran("lem-ran")).toBe(false);
  });

  it.each(["checkout", "state directory"])("waits for, then gives up on, a lock another validation holds on the %s", async (which) => {
    const r = fakeRepo();
    const held = which === "checkout" ? r.repo : r.state;
    // Another validation: a process holding flock on the directory.
    const holder = spawn(
      "python3",
      [
        "-c",
        `import fcntl, os, sys, time\nfd = os.open(${JSON.stringify(held)}, os.O_RDONLY)\nfcntl.flock(fd, fcntl.LOCK_EX)\nprint("held", flush=True)\ntime.sleep(30)`,
      ],
      {
        stdio: ["ignore", "pipe", "ignore"],
      },
    );
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout.on("data", (d: Buffer) => d.toString().includes("held") && resolve());
        holder.on("exit", (code) => reject(new Error(`the lock holder exited early (${code})`)));
      });
      const o = validate(r);
      expect(o.code).toBe(20);
      expect(o.result.errors).toEqual([`lock: expected the lock on ${held} within 1s, found it still held by another validation`]);
      expect(o.ran("lem-ran")).toBe(false);
    } finally {
      holder.kill("SIGKILL");
    }
  });
});

describe("has_marker", () => {
  it.each([
    ["Overall status: PASS", "Overall status: PASS", true],
    ["  Overall status: PASS  ", "Overall status: PASS", true],
    ["Overall status: FAIL", "Overall status: PASS", false],
    ["Overall status: PASSED", "Overall status: PASS", false],
    ["  <none>", "<none>", true],
    ["  - <none>x", "<none>", false],
    ["[LOGOS-AGENT-OMEGA] Current status: ALIGNED", "Current status: ALIGNED", true],
    ["[LOGOS-AGENT-OMEGA] Current status: ALIGNED_NOT", "Current status: ALIGNED", false],
  ])("%j has %j: %s", (line, marker, expected) => {
    expect(py(`print(json.dumps(v.has_marker(${JSON.stringify(line)}, ${JSON.stringify(marker)})))`)).toBe(expected);
  });
});

describe("footprint helpers", () => {
  it("reads fully qualified constants from Locate, ignoring other kinds and the shorter-name notes", () => {
    const transcript = [
      "Constant PXL.PXL_Internal_LEM.PXL_Internal_LEM.pxl_excluded_middle",
      "  (shorter name to refer to it in current context is PXL_Internal_LEM.PXL_Internal_LEM.pxl_excluded_middle)",
      "Notation PXL.PXL_Definitions.pxl_excluded_middle",
      "Constant PXL.PXL_LEM_Discharge.pxl_excluded_middle",
    ].join("\n");
    expect(py(`print(json.dumps(v.located_constants(${JSON.stringify(transcript)})))`)).toEqual([
      "PXL.PXL_Internal_LEM.PXL_Internal_LEM.pxl_excluded_middle",
      "PXL.PXL_LEM_Discharge.pxl_excluded_middle",
    ]);
  });

  it.each([
    ["a library-level axiom", "PXL_Axioms.grounded_decides", "PXL.PXL_Axioms.grounded_decides"],
    ["an axiom in a module of the same name", "PXL_Internal_LEM.PXL_Internal_LEM.w", "PXL.PXL_Internal_LEM.PXL_Internal_LEM.w"],
    ["a longer name printed because two libraries share a last component", "Ext.Util.u", "PXL.Ext.Util.u"],
    ["a name already fully qualified", "PXL.PXL_Axioms.grounded_decides", "PXL.PXL_Axioms.grounded_decides"],
    ["a standard-library axiom", "Classical_Prop.classic", "Coq.Logic.Classical_Prop.classic"],
    ["a name no library holds (left to Locate)", "classic", null],
    ["a name two libraries could hold (left to Locate)", "Util.v", null],
  ])("qualifies %s from Print Libraries", (_label, printed, expected) => {
    const libraries = [
      "Coq.Init.Logic",
      "Coq.Logic.Classical_Prop",
      "PXL.PXL_Axioms",
      "PXL.PXL_Internal_LEM",
      "PXL.Ext.Util",
      "PXL.Core.Util",
    ];
    expect(py(`print(json.dumps(v.qualify_from_libraries(${JSON.stringify(printed)}, ${JSON.stringify(libraries)})))`)).toBe(expected);
  });

  it("reads the loaded libraries from Print Libraries", () => {
    const transcript = "Loaded library files: \n  Coq.Init.Notations\n  PXL.PXL_Axioms\n\n";
    expect(py(`print(json.dumps(v.loaded_libraries(${JSON.stringify(transcript)})))`)).toEqual(["Coq.Init.Notations", "PXL.PXL_Axioms"]);
  });

  it("maps _CoqProject units to library names, the most specific mapping first, and skips other flags", () => {
    const repo = tempDir("logos-coqproject-");
    writeFileSync(
      path.join(repo, "_CoqProject"),
      [
        "# kernel",
        "-Q theories PXL",
        "-R theories/ext PXL.Ext",
        '-arg "-w -notation-overridden"',
        "-I plugins",
        "theories/PXL_Internal_LEM.v",
        "theories/ext/Deep/Unit.v  # a deeper unit",
        "",
      ].join("\n"),
    );
    const r = py(`
from pathlib import Path
p = v.read_coq_project(Path(${JSON.stringify(repo)}))
print(json.dumps({"flags": p.flags, "libraries": [p.library(u) for u in p.units]}))
`);
    expect(r).toEqual({
      flags: ["-Q", path.join(repo, "theories"), "PXL", "-R", path.join(repo, "theories/ext"), "PXL.Ext"],
      libraries: ["PXL.PXL_Internal_LEM", "PXL.Ext.Deep.Unit"],
    });
  });
});
