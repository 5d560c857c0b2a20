/**
 * The node script's audit and footprint logic, driven directly through
 * python3 (no Coq, no SSH): the cases the e2e suite does not reach.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
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

/** check_audit over a log that held `before` and now holds `after` (raw text, or null for removed). */
function audit(before: unknown[], after: string | null, added: [number, number]) {
  const dir = mkdtempSync(path.join(tmpdir(), "logos-audit-"));
  dirs.push(dir);
  const log = path.join(dir, "alignment_LOGOS-AGENT-OMEGA.json");
  const beforeText = JSON.stringify(before, null, 2);
  writeFileSync(log, beforeText);
  const report = py(`
from pathlib import Path
log = Path(${JSON.stringify(log)})
before = v.read_audit(log, "snapshot", "before the run")
${after === null ? "log.unlink()" : `log.write_text(${JSON.stringify(after)})`}
r = v.Report(node="n", agent_hash=${JSON.stringify(AGENT_HASH)})
v.check_audit(log, before, range(${added[0]}, ${added[1]}), ${JSON.stringify(AGENT_HASH)}, r)
print(json.dumps({"errors": r.errors, "after": r.audit_after, "history": r.history_file}))
`);
  const history = readdirSync(dir).filter((f) => f.includes(".history-"));
  return { ...report, beforeText, historyText: history[0] ? readFileSync(path.join(dir, history[0]), "utf8") : null };
}

describe("check_audit", () => {
  const two = [entry(1), entry(2)];

  it("accepts the earlier entries as a prefix plus exactly one new entry, in any formatting", () => {
    const r = audit(two, JSON.stringify([...two, entry(3)]), [1, 2]);
    expect(r).toMatchObject({ errors: [], after: 3, history: null, historyText: null });
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

  it("fails on two new entries without writing a side file: nothing was lost", () => {
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
