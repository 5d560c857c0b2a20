/**
 * A workload "origin" for rollout tests: an upstream working repository, a
 * bare remote the node fetches from, and a node clone made the way the core
 * bootstrap makes it (`git clone --no-checkout`, so the tree is empty until
 * the first validation checks out the pinned commit).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import * as path from "node:path";

import { AGENT_SCRIPT, AUDIT_LOG, makeCheckout, seededHistory, sha256 } from "./workload";

export interface Origin {
  /** Working repository where new commits are made. */
  readonly upstream: string;
  /** Bare repository the node's `origin` points at. */
  readonly remote: string;
  /** The first commit (the fixture). */
  readonly first: string;
}

export interface NodeClone {
  readonly repoDir: string;
  readonly stateDir: string;
  readonly auditLog: string;
}

export function git(cwd: string, ...args: string[]): string {
  const done = spawnSync(
    "git",
    ["-c", "user.name=logos-e2e", "-c", "user.email=e2e@logos.invalid", "-c", "commit.gpgsign=false", ...args],
    { cwd, encoding: "utf8", timeout: 60_000 },
  );
  if (done.status !== 0) throw new Error(`git ${args.join(" ")} in ${cwd} failed: ${done.stderr}`);
  return done.stdout.trim();
}

export function makeOrigin(root: string, name: string): Origin {
  const upstream = makeCheckout(root, `${name}-upstream`, { audit: null }).repoDir;
  const remote = path.join(root, `${name}-remote.git`);
  git(root, "clone", "--quiet", "--bare", upstream, remote);
  return { upstream, remote, first: git(upstream, "rev-parse", "HEAD") };
}

/** Commits `change` in the upstream repository and pushes it; returns the new commit. */
export function pushCommit(origin: Origin, message: string, change: (repoDir: string) => void): string {
  change(origin.upstream);
  git(origin.upstream, "add", "-A");
  git(origin.upstream, "commit", "--quiet", "--allow-empty", "-m", message);
  const branch = git(origin.upstream, "symbolic-ref", "--short", "HEAD");
  git(origin.upstream, "push", "--quiet", origin.remote, `HEAD:refs/heads/${branch}`);
  return git(origin.upstream, "rev-parse", "HEAD");
}

/** A node's clone as the core bootstrap leaves it, plus a state dir seeded with `history` entries. */
export function cloneForNode(root: string, name: string, origin: Origin, history = 2): NodeClone {
  const base = path.join(root, name);
  const repoDir = path.join(base, "repo");
  const stateDir = path.join(base, "state");
  mkdirSync(stateDir, { recursive: true });
  git(base, "clone", "--quiet", "--no-checkout", origin.remote, repoDir);
  const auditLog = path.join(stateDir, AUDIT_LOG);
  writeFileSync(auditLog, seededHistory(history));
  return { repoDir, stateDir, auditLog };
}

/** SHA-256 of the agent script as committed in `commit` (what `agentScriptDigest` pins). */
export function agentScriptDigestAt(origin: Origin, commit: string): string {
  const done = spawnSync("git", ["show", `${commit}:${AGENT_SCRIPT}`], { cwd: origin.upstream, timeout: 30_000 });
  if (done.status !== 0) throw new Error(`git show ${commit}:${AGENT_SCRIPT} failed: ${done.stderr.toString()}`);
  return sha256(done.stdout);
}

/** Appends a line to a file of the upstream tree (created when absent). */
export function appendLine(file: string, line: string): (repoDir: string) => void {
  return (repoDir) => {
    const full = path.join(repoDir, file);
    writeFileSync(full, `${existsSync(full) ? readFileSync(full, "utf8") : ""}${line}\n`);
  };
}
