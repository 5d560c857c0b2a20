/**
 * The core node's availability script, run with the real python3 against
 * files in a temporary directory and a stand-in `systemctl` that records
 * what it was asked: which results count, what the marker is told, what the
 * heartbeat line holds, and that the log rotates.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AVAILABILITY_SCRIPT_SOURCE } from "../../infra/monitoring-bootstrap";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const PASS = {
  version: 1,
  status: "pass",
  stage: "complete",
  exitCode: 0,
  node: "logos-core-1",
  ref: "0123456789abcdef0123456789abcdef01234567",
  auditEntriesBefore: 2,
  auditEntriesAfter: 3,
  seconds: { lem: 300.5, boot: 310.25, total: 640.1 },
  errors: [],
  warnings: [],
};

interface Run {
  status: number | null;
  stderr: string;
  /** What the stand-in systemctl was asked, one call per line. */
  systemctl: string[];
  heartbeats: Record<string, unknown>[];
  dir: string;
}

function run(
  result: unknown | undefined,
  opts: { heartbeat?: boolean; systemctlExit?: number; maxBytes?: number; dir?: string } = {},
): Run {
  const dir = opts.dir ?? mkdtempSync(path.join(tmpdir(), "logos-availability-"));
  if (!opts.dir) dirs.push(dir);
  const resultFile = path.join(dir, "last.json");
  if (result !== undefined) writeFileSync(resultFile, typeof result === "string" ? result : JSON.stringify(result));
  const calls = path.join(dir, "systemctl.calls");
  const systemctl = path.join(dir, "systemctl");
  writeFileSync(systemctl, `#!/bin/sh\necho "$*" >> ${JSON.stringify(calls)}\necho refused >&2\nexit ${opts.systemctlExit ?? 0}\n`);
  chmodSync(systemctl, 0o755);
  const log = path.join(dir, "log", "heartbeat.jsonl");
  const argv = [
    AVAILABILITY_SCRIPT_SOURCE,
    "--result",
    resultFile,
    "--marker-unit",
    "logos-core-validated.service",
    "--systemctl",
    systemctl,
  ];
  if (opts.heartbeat) argv.push("--heartbeat-log", log);
  if (opts.maxBytes !== undefined) argv.push("--max-log-bytes", String(opts.maxBytes));
  const done = spawnSync("python3", argv, { encoding: "utf8", timeout: 30_000 });
  return {
    status: done.status,
    stderr: done.stderr,
    systemctl: existsSync(calls) ? readFileSync(calls, "utf8").trim().split("\n") : [],
    heartbeats: existsSync(log)
      ? readFileSync(log, "utf8")
          .trim()
          .split("\n")
          .map((l) => JSON.parse(l))
      : [],
    dir,
  };
}

describe("availability.py", () => {
  it("starts the marker for a pass of a full validation", () => {
    const r = run(PASS);
    expect(r.status, r.stderr).toBe(0);
    expect(r.systemctl).toEqual(["start logos-core-validated.service"]);
    expect(r.stderr).toContain("node logos-core-1 counts: last validation passed");
  });

  it.each([
    ["a failed validation", { ...PASS, status: "fail", stage: "lem", exitCode: 40 }, "last validation failed at stage lem"],
    [
      "a checkout-only run (validation switched off)",
      { ...PASS, auditEntriesBefore: null, auditEntriesAfter: null, seconds: { checkout: 0.1, total: 0.3 } },
      "last run only checked out the pinned commit (validation switched off)",
    ],
    ["no result yet", undefined, "no readable validation result in"],
    ["a torn result", '{"status": "pa', "no readable validation result in"],
    ["a result that is not an object", "[1, 2]", "no readable validation result in"],
  ])("stops the marker for %s", (_what, result, why) => {
    const r = run(result);
    expect(r.status, r.stderr).toBe(0);
    expect(r.systemctl).toEqual(["stop logos-core-validated.service"]);
    expect(r.stderr).toContain(why);
  });

  it("with --heartbeat-log appends one line per run that no result alert can take for a result", () => {
    const r = run(PASS, { heartbeat: true });
    run({ ...PASS, status: "fail", stage: "boot" }, { heartbeat: true, dir: r.dir });
    const lines = run(PASS, { heartbeat: true, dir: r.dir }).heartbeats;
    expect(lines).toHaveLength(3);
    expect(lines.map((l) => l.validated)).toEqual([1, 0, 1]);
    expect(lines[0]).toMatchObject({
      kind: "heartbeat",
      node: "logos-core-1",
      validated: 1,
      reason: "last validation passed",
      ref: PASS.ref,
      stage: "complete",
    });
    expect(String(lines[0].time)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    for (const line of lines) {
      // The failure alerts match `status`, the SLA alerts `seconds`: a heartbeat carries neither.
      expect(line).not.toHaveProperty("status");
      expect(line).not.toHaveProperty("seconds");
    }
  });

  it("names the host when there is no result to take the node's name from", () => {
    const [line] = run(undefined, { heartbeat: true }).heartbeats;
    expect(line).toMatchObject({ kind: "heartbeat", validated: 0 });
    expect(typeof line.node).toBe("string");
    expect(line).not.toHaveProperty("stage");
  });

  it("renames the log to <log>.1 past --max-log-bytes, as log agents expect of a rotation", () => {
    const first = run(PASS, { heartbeat: true, maxBytes: 400 });
    const log = path.join(first.dir, "log", "heartbeat.jsonl");
    const one = statSync(log).size;
    expect(one).toBeGreaterThan(200);
    run(PASS, { heartbeat: true, maxBytes: 400, dir: first.dir });
    expect(existsSync(`${log}.1`)).toBe(true);
    expect(statSync(`${log}.1`).size).toBe(one);
    expect(statSync(log).size).toBe(one);
  });

  it("fails the unit, naming the command, when systemctl refuses the marker; the heartbeat is still written", () => {
    const r = run(PASS, { heartbeat: true, systemctlExit: 5 });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("start logos-core-validated.service` to succeed, found exit 5: refused");
    expect(r.heartbeats).toHaveLength(1);
  });
});
