/**
 * Bastion capacity, end to end: 30 validations at once — the most a
 * `pulumi up` can hold in flight (`ROLLOUT_BATCH_MAX`) — through ONE sshd
 * bastion configured with the bastion cloud-init's own capacity lines. All
 * pass, none is dropped, and the bastion's sshd process tree stays small.
 *
 * CPU on a 2-core machine is bounded by spreading the 30 over a few node
 * checkouts: the validator's lock serialises runs per checkout, so every SSH
 * connection through the bastion is open from the start (the hop carries 30
 * at once) while only a few Coq builds run at the same time.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { BASTION_SSHD_CAPACITY } from "../../infra/bootstrap";
import { buildValidationCommand, parseValidationResult, type ValidationResult } from "../../infra/node/validation";
import { ROLLOUT_BATCH_MAX } from "../../infra/rollout";
import { SSHD, startSshPair, type SshPair } from "./harness/sshd";
import { installScript, makeCheckout, optionsFor, type Checkout } from "./harness/workload";

const AT_ONCE = ROLLOUT_BATCH_MAX;
const CHECKOUTS = 3;
/**
 * A quarter of the memory of the smallest bastion type (t3.micro, e2-micro,
 * B1s: 1 GiB), for the sshd tree's proportional set size (shared pages counted
 * once; the RSS sum counts the shared sshd binary and libraries per process).
 */
const BASTION_MEMORY_BUDGET_MIB = 256;

let pair: SshPair;
let root: string;
let script: string;

beforeAll(async () => {
  pair = await startSshPair({ bastionSettings: BASTION_SSHD_CAPACITY });
  root = mkdtempSync(path.join(tmpdir(), "logos-e2e-bastion-"));
  script = installScript(root);
});

afterAll(async () => {
  await pair?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

/** The pid and its descendants, from /proc. */
function processTree(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Field 4 of /proc/<pid>/stat, after the parenthesised command name.
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      parent.set(Number(entry), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // The process ended while we looked.
    }
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) for (const [child, ppid] of parent) if (ppid === tree[i]) tree.push(child);
  return tree;
}

/** Sum of RSS and PSS (KiB) over a process tree; PSS counts shared pages once. */
function treeMemoryKiB(pid: number): { rss: number; pss: number; processes: number } {
  let rss = 0;
  let pss = 0;
  let processes = 0;
  for (const p of processTree(pid)) {
    try {
      const rollup = readFileSync(`/proc/${p}/smaps_rollup`, "utf8");
      rss += Number(/^Rss:\s+(\d+) kB/m.exec(rollup)?.[1] ?? 0);
      pss += Number(/^Pss:\s+(\d+) kB/m.exec(rollup)?.[1] ?? 0);
      processes += 1;
    } catch {
      // Gone between listing and reading.
    }
  }
  return { rss, pss, processes };
}

describe(`bastion capacity: ${AT_ONCE} validations at once through one sshd bastion`, () => {
  it("runs the bastion with the cloud-init's capacity settings", () => {
    const effective = spawnSync(SSHD, ["-T", "-f", path.join(pair.dir, "bastion_sshd_config")], { encoding: "utf8", timeout: 10_000 });
    expect(effective.status, effective.stderr).toBe(0);
    expect(effective.stdout).toMatch(/^maxstartups 64:30:128$/m);
  });

  it("passes all of them, drops none, and keeps the bastion's memory small", async () => {
    const checkouts: Checkout[] = Array.from({ length: CHECKOUTS }, (_, i) => makeCheckout(root, `node-${i}`));
    const seeded = checkouts.map((c) => JSON.parse(readFileSync(c.auditLog, "utf8")) as unknown[]);

    let peak = { rss: 0, pss: 0, processes: 0 };
    const sample = () => {
      const now = treeMemoryKiB(pair.bastionPid);
      if (now.rss > peak.rss) peak = now;
    };
    const sampler = setInterval(sample, 100);
    const started = Date.now();
    const runs = await Promise.all(
      Array.from({ length: AT_ONCE }, (_, i) => {
        const c = checkouts[i % CHECKOUTS] as Checkout;
        const options = optionsFor(c, script, {
          nodeName: `node-${i % CHECKOUTS}`,
          timeouts: { lock: 540, lem: 180, boot: 180, footprint: 60, archive: 30 },
        });
        // One dial attempt with a long limit: the component retries dials (12 x 20 s), which here could hide a drop.
        return pair.run("logos-node", buildValidationCommand(options), { timeoutMs: 580_000, extraOptions: ["ConnectTimeout=60"] });
      }),
    );
    clearInterval(sampler);
    sample();
    const seconds = (Date.now() - started) / 1000;

    const results: ValidationResult[] = runs.map((r, i) => {
      expect(r.timedOut, `run ${i} timed out`).toBe(false);
      expect(r.code, `run ${i}: ${r.stderr}`).toBe(0);
      return parseValidationResult(r.stdout);
    });
    expect(results.every((r) => r.status === "pass")).toBe(true);

    // Every run recorded exactly once: per checkout, the seeded history plus one entry per run on it.
    checkouts.forEach((c, i) => {
      const after = JSON.parse(readFileSync(c.auditLog, "utf8")) as unknown[];
      expect(after.slice(0, seeded[i]?.length)).toEqual(seeded[i]);
      expect(after).toHaveLength((seeded[i]?.length ?? 0) + AT_ONCE / CHECKOUTS);
    });

    // The bastion accepted every connection and never throttled or dropped one.
    const log = pair.bastionLog();
    expect(log.match(/Accepted publickey/g)?.length ?? 0).toBe(AT_ONCE);
    expect(log).not.toMatch(/MaxStartups|drop connection/);

    const mib = (kib: number) => Math.round((kib / 1024) * 10) / 10;
    console.log(
      `bastion: ${AT_ONCE} validations through one sshd in ${seconds.toFixed(1)} s; peak sshd tree ` +
        `${mib(peak.rss)} MiB RSS (${mib(peak.pss)} MiB PSS) over ${peak.processes} processes; ` +
        `per validation ${(runs.reduce((t, r) => t + r.ms, 0) / runs.length / 1000).toFixed(1)} s wall on average`,
    );
    expect(peak.processes).toBeGreaterThanOrEqual(AT_ONCE); // sampled while all were connected
    expect(mib(peak.pss)).toBeLessThan(BASTION_MEMORY_BUDGET_MIB);
  });
});
