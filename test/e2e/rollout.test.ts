/**
 * End to end: a new pinned commit rolls out to a running core node through the
 * validation step itself (`checkout`): under the validator's lock the node
 * fetches the commit, checks it out detached, verifies HEAD, then validates.
 * Real bastion and node sshd, real git remote, real Coq.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { VALIDATION_EXIT_CODES, buildValidationCommand, parseValidationResult, type ValidationOptions } from "../../infra/node/validation";
import { agentScriptDigestAt, appendLine, cloneForNode, git, makeOrigin, pushCommit, type NodeClone, type Origin } from "./harness/remote";
import { startSshPair, type SshPair } from "./harness/sshd";
import { AGENT_HASH, AGENT_SCRIPT, FIXTURE_AXIOMS, installScript } from "./harness/workload";

let pair: SshPair;
let root: string;
let script: string;
let origin: Origin;
let node: NodeClone;
const holders: ChildProcess[] = [];

beforeAll(async () => {
  pair = await startSshPair();
  root = mkdtempSync(path.join(tmpdir(), "logos-e2e-rollout-"));
  script = installScript(root);
  origin = makeOrigin(root, "workload");
  node = cloneForNode(root, "node", origin);
});

afterAll(async () => {
  for (const h of holders) h.kill("SIGKILL");
  await pair?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

function options(ref: string, extra: Partial<ValidationOptions> = {}): ValidationOptions {
  return {
    repoDir: node.repoDir,
    stateDir: node.stateDir,
    agentHash: AGENT_HASH,
    agentScriptDigest: refExists(ref) ? agentScriptDigestAt(origin, ref) : undefined,
    ref,
    checkout: true,
    nodeName: "e2e-node",
    scriptPath: script,
    timeouts: { lock: 300, lem: 180, boot: 180, footprint: 60, archive: 30 },
    allowedAxioms: FIXTURE_AXIOMS,
    waitForBoot: true,
    ...extra,
  };
}

function refExists(ref: string): boolean {
  try {
    git(origin.upstream, "cat-file", "-e", `${ref}^{commit}`);
    return true;
  } catch {
    return false;
  }
}

async function validate(o: ValidationOptions) {
  const ssh = await pair.run("logos-node", buildValidationCommand(o), { timeoutMs: 300_000 });
  expect(ssh.timedOut, "ssh run must finish within its limit").toBe(false);
  try {
    return { ssh, result: parseValidationResult(ssh.stdout) };
  } catch (e) {
    throw new Error(`${(e as Error).message}\nexit ${ssh.code}\nstderr:\n${ssh.stderr}`, { cause: e });
  }
}

const head = () => git(node.repoDir, "rev-parse", "HEAD");
const entries = () => JSON.parse(readFileSync(node.auditLog, "utf8")) as unknown[];

describe("commit rollout inside the validation (real sshd, real git, real Coq)", () => {
  it("checks out the pinned commit on a fresh clone and validates it", async () => {
    expect(existsSync(path.join(node.repoDir, AGENT_SCRIPT)), "the bootstrap's clone has no tree yet").toBe(false);
    const o = await validate(options(origin.first));
    expect(o.ssh.code, o.ssh.stderr).toBe(0);
    expect(o.result).toMatchObject({
      status: "pass",
      ref: origin.first,
      auditEntriesBefore: 2,
      auditEntriesAfter: 3,
      checkout: { status: "done", fetched: false },
    });
    expect(head()).toBe(origin.first);
  });

  it("rolls a running node to a new commit: fetched, checked out, validated, audit log exactly one entry longer", async () => {
    const before = readFileSync(node.auditLog);
    const seen = entries();
    const second = pushCommit(origin, "second commit", appendLine("NOTES.md", "a later commit of the workload"));
    const o = await validate(options(second));
    expect(o.ssh.code, o.ssh.stderr).toBe(0);
    expect(o.result).toMatchObject({
      status: "pass",
      stage: "complete",
      ref: second,
      auditEntriesBefore: seen.length,
      auditEntriesAfter: seen.length + 1,
      checkout: { status: "done", from: origin.first, fetched: true },
    });
    expect(o.ssh.stderr).toContain(`checkout: HEAD at ${second} (from ${origin.first}, fetched)`);
    console.log(
      `rollout of one node: checkout (fetch + detached checkout + HEAD) ${o.result.seconds["checkout"]} s, ` +
        `whole validation ${o.result.seconds["total"]} s, ${(o.ssh.ms / 1000).toFixed(1)} s over ssh -J`,
    );
    expect(head()).toBe(second);
    expect(readFileSync(path.join(node.repoDir, "NOTES.md"), "utf8")).toContain("a later commit of the workload");
    // Nothing lost: the earlier bytes are the start of the new log, one entry added.
    const after = entries();
    expect(after).toHaveLength(seen.length + 1);
    expect(after.slice(0, seen.length)).toEqual(seen);
    expect(before.length).toBeLessThan(readFileSync(node.auditLog).length);
  });

  it("refuses a ref the remote does not have at stage checkout, with HEAD and the audit log untouched", async () => {
    const before = readFileSync(node.auditLog);
    const was = head();
    const missing = "0123456789abcdef0123456789abcdef01234567";
    const o = await validate(options(missing));
    expect(o.ssh.code, o.ssh.stderr).toBe(VALIDATION_EXIT_CODES.checkout);
    expect(o.result).toMatchObject({ status: "fail", stage: "checkout", exitCode: 25, auditEntriesBefore: null });
    expect(o.result.errors[0]).toMatch(
      new RegExp(`^checkout: expected commit ${missing} from origin \\(${escapeRe(origin.remote)}\\), found no such commit after fetching`),
    );
    expect(o.ssh.stderr).toContain("node e2e-node: FAILED at stage checkout (exit 25)");
    console.log(`a ref missing from origin fails at checkout after ${(o.ssh.ms / 1000).toFixed(1)} s over ssh -J`);
    expect(readFileSync(node.auditLog)).toEqual(before);
    expect(head()).toBe(was);
  });

  it("restores a tracked file edited on the node before the guards read it", async () => {
    const was = head();
    const agent = path.join(node.repoDir, AGENT_SCRIPT);
    writeFileSync(agent, `${readFileSync(agent, "utf8")}# edited on the node\n`);
    const seen = entries().length;
    // Without the rollout step the edit is caught by the digest guard ...
    const guarded = await validate(options(was, { checkout: false }));
    expect(guarded.result.stage).toBe("guard-file-digest");
    // ... with it, the tree is exactly the pinned commit again and validates.
    const o = await validate(options(was));
    expect(o.ssh.code, o.ssh.stderr).toBe(0);
    expect(o.result).toMatchObject({ status: "pass", fileDigest: agentScriptDigestAt(origin, was), auditEntriesAfter: seen + 1 });
    expect(readFileSync(agent, "utf8")).not.toContain("# edited on the node");
  });

  it("switches the tree only under the validator's lock", async () => {
    const was = head();
    const third = pushCommit(origin, "third commit", appendLine("NOTES.md", "third"));
    const before = readFileSync(node.auditLog);
    // The validator locks the checkout and the state directory themselves.
    const holder = holdLock(node.stateDir);
    await holder.ready;
    const o = await validate(options(third, { timeouts: { lock: 2, lem: 180, boot: 180, footprint: 60, archive: 30 } }));
    holder.release();
    expect(o.ssh.code, o.ssh.stderr).toBe(VALIDATION_EXIT_CODES.lock);
    expect(o.result.stage).toBe("lock");
    expect(head(), "a held lock keeps the tree where it was").toBe(was);
    expect(readFileSync(node.auditLog)).toEqual(before);
  });

  it("brings a node to the pin without running the workload (checkoutOnly, for validate: false)", async () => {
    const fourth = pushCommit(origin, "fourth commit", appendLine("NOTES.md", "fourth"));
    const before = readFileSync(node.auditLog);
    const o = await validate(options(fourth, { checkoutOnly: true }));
    expect(o.ssh.code, o.ssh.stderr).toBe(0);
    expect(o.result).toMatchObject({
      status: "pass",
      stage: "complete",
      ref: fourth,
      auditEntriesBefore: null,
      checkout: { status: "done" },
    });
    expect(o.result.seconds["lem"]).toBeUndefined();
    expect(head()).toBe(fourth);
    expect(readFileSync(node.auditLog)).toEqual(before);
  });
});

function holdLock(file: string): { ready: Promise<void>; release(): void } {
  const child = spawn(
    "python3",
    [
      "-c",
      "import fcntl,os,sys,time\nfd=os.open(sys.argv[1],os.O_RDONLY)\nfcntl.flock(fd,fcntl.LOCK_EX)\nprint('held',flush=True)\ntime.sleep(120)",
      file,
    ],
    { stdio: ["ignore", "pipe", "ignore"] },
  );
  holders.push(child);
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.on("data", () => resolve());
    child.once("exit", (code) => reject(new Error(`lock holder exited early (${code})`)));
  });
  return { ready, release: () => child.kill("SIGKILL") };
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
