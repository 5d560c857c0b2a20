/**
 * End to end: the per-node sync step (`node_sync.py`, run by `NodeSync`)
 * through a real sshd bastion and node. It replaces the login user's
 * authorized keys (a rotated operator key logs in, the old one no longer
 * does, the deploy key keeps working), writes the evolving files, runs the
 * command list once, changes nothing on a second run, grows a real
 * loop-mounted ext4 state disk online after its device grew, and an
 * unreachable node or a bad manifest fails with a message that names it.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import {
  buildSyncCommand,
  manifestText,
  parseSyncResult,
  SYNC_EXIT_CODES,
  SYNC_SCRIPT_SOURCE,
  type SyncManifest,
} from "../../infra/node/sync";
import { mountSmallDisk, type SmallDisk } from "./harness/disk";
import { startSshPair, type SshPair } from "./harness/sshd";

const MiB = 1024 * 1024;

/** Whether this process may grow a mounted filesystem (capability 24, CAP_SYS_RESOURCE, in CapEff). */
function hasCapSysResource(): boolean {
  const hex = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync("/proc/self/status", "utf8"))?.[1] ?? "0";
  return (BigInt(`0x${hex}`) & (1n << 24n)) !== 0n;
}

let pair: SshPair;
let root: string;
let script: string;
const disks: SmallDisk[] = [];

beforeAll(async () => {
  pair = await startSshPair();
  root = mkdtempSync(path.join(tmpdir(), "logos-e2e-sync-"));
  script = path.join(root, "logos-node_sync.py");
  copyFileSync(SYNC_SCRIPT_SOURCE, script);
});

afterAll(async () => {
  for (const d of disks) d.unmount();
  await pair?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

function keygen(name: string): { key: string; pub: string } {
  const key = path.join(root, name);
  const done = spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", name, "-f", key], { encoding: "utf8" });
  if (done.status !== 0) throw new Error(done.stderr);
  return { key, pub: readFileSync(`${key}.pub`, "utf8").trim() };
}

/** Logs in to the node directly (no bastion, no harness identity) with one key only. */
function loginWith(key: string): number | null {
  const done = spawnSync(
    "ssh",
    [
      ...["-F", "/dev/null", "-i", key, "-p", String(pair.nodePort)],
      ...["-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null"],
      ...["-o", "LogLevel=ERROR", `${pair.user}@127.0.0.1`, "true"],
    ],
    { encoding: "utf8", timeout: 30_000 },
  );
  return done.status;
}

async function sync(m: SyncManifest, target = "logos-node") {
  return pair.run(target, buildSyncCommand(script), { stdin: manifestText(m), timeoutMs: 120_000 });
}

describe("node sync step (real sshd bastion and node)", () => {
  it("replaces authorized keys and files, runs the commands once, and is idempotent", async () => {
    const authorizedKeys = path.join(pair.dir, "authorized_keys");
    const deployKey = readFileSync(authorizedKeys, "utf8").trim();
    const oldOperator = keygen("operator-old");
    const newOperator = keygen("operator-new");
    // As the node's first boot left it: the old operator key and the deploy key.
    writeFileSync(authorizedKeys, `${oldOperator.pub}\n${deployKey}\n`, { mode: 0o600 });
    expect(loginWith(oldOperator.key)).toBe(0);
    expect(loginWith(newOperator.key)).not.toBe(0);

    const dir = path.join(root, "files");
    const ran = path.join(root, "commands.log");
    const manifest = (uploader: string): SyncManifest => ({
      version: 1,
      node: "logos-core-0",
      user: pair.user,
      authorizedKeys: [newOperator.pub, deployKey],
      authorizedKeysFile: authorizedKeys,
      files: [
        { path: path.join(dir, "bin", "logos-archive-upload"), content: uploader, permissions: "0755" },
        { path: path.join(dir, "etc", "agent.json"), content: '{"interval": 60}\n', permissions: "0640", owner: "root:root" },
      ],
      // Installed on this machine: nothing to install, and the step must see that.
      packages: ["coreutils"],
      commands: [["sh", "-c", `echo ran >> '${ran}'`]],
      stampDir: path.join(root, "stamp"),
    });

    const first = await sync(manifest("#!/bin/sh\necho v1\n"));
    expect(first.code, first.stderr).toBe(0);
    const r1 = parseSyncResult("logos-core-0", first.stdout);
    expect(r1).toMatchObject({ keysChanged: true, packagesInstalled: [], commandsRun: 1, stateDisk: { status: "skipped" } });
    expect(r1.filesChanged).toHaveLength(2);
    expect(readFileSync(authorizedKeys, "utf8")).toBe(`${newOperator.pub}\n${deployKey}\n`);
    expect(statSync(authorizedKeys).mode & 0o777).toBe(0o600);
    expect(readFileSync(path.join(dir, "bin", "logos-archive-upload"), "utf8")).toBe("#!/bin/sh\necho v1\n");
    expect(statSync(path.join(dir, "bin", "logos-archive-upload")).mode & 0o777).toBe(0o755);
    expect(statSync(path.join(dir, "etc", "agent.json")).mode & 0o777).toBe(0o640);
    // The rotation took effect at once: the old operator key is out, the new one and the deploy key are in.
    expect(loginWith(oldOperator.key)).not.toBe(0);
    expect(loginWith(newOperator.key)).toBe(0);

    const again = await sync(manifest("#!/bin/sh\necho v1\n"));
    expect(again.code, again.stderr).toBe(0);
    expect(parseSyncResult("logos-core-0", again.stdout)).toMatchObject({ keysChanged: false, filesChanged: [], commandsRun: 0 });
    expect(readFileSync(ran, "utf8")).toBe("ran\n");

    // A new uploader (a new version of the program): only that file changes, and the commands run again.
    const next = await sync(manifest("#!/bin/sh\necho v2\n"));
    expect(next.code, next.stderr).toBe(0);
    expect(parseSyncResult("logos-core-0", next.stdout)).toMatchObject({
      keysChanged: false,
      filesChanged: [path.join(dir, "bin", "logos-archive-upload")],
      commandsRun: 1,
    });
    expect(readFileSync(path.join(dir, "bin", "logos-archive-upload"), "utf8")).toBe("#!/bin/sh\necho v2\n");
    expect(readFileSync(ran, "utf8")).toBe("ran\nran\n");
  });

  it("grows the mounted ext4 state disk online once its device is larger, keeping what it holds", async () => {
    const disk = mountSmallDisk(path.join(root, "state"), 8);
    disks.push(disk);
    writeFileSync(path.join(disk.mountPoint, "audit.json"), "[1,2,3]\n");
    const deviceFile = path.join(root, "state-device");
    writeFileSync(deviceFile, `${disk.device}\n`);
    const manifest: SyncManifest = {
      version: 1,
      node: "logos-core-1",
      user: pair.user,
      authorizedKeys: readFileSync(path.join(pair.dir, "authorized_keys"), "utf8").trim().split("\n"),
      authorizedKeysFile: path.join(pair.dir, "authorized_keys"),
      files: [],
      packages: [],
      commands: [],
      stateDeviceFile: deviceFile,
      stateDir: disk.mountPoint,
      stampDir: path.join(root, "stamp-grow"),
    };
    const unchanged = await sync(manifest);
    expect(unchanged.code, unchanged.stderr).toBe(0);
    expect(parseSyncResult("logos-core-1", unchanged.stdout).stateDisk.status).toBe("current");

    // What a larger stateDiskGiB does on the cloud: the block device grows under the mounted filesystem.
    const sizeBefore = disk.free();
    expect(spawnSync("truncate", ["-s", "24M", `${disk.mountPoint}.img`]).status).toBe(0);
    expect(spawnSync("losetup", ["-c", disk.device]).status).toBe(0);

    const grown = await sync(manifest);
    if (!hasCapSysResource()) {
      // The kernel grows a mounted ext4 only for CAP_SYS_RESOURCE, which root on a VM has and a
      // container may lack: the step must then have decided to grow, and fail saying what and why.
      expect(grown.code).toBe(SYNC_EXIT_CODES.grow);
      expect(grown.stderr).toContain(
        `logos-sync: node logos-core-1: FAILED at grow: growing the ext4 filesystem on ${disk.device} (${disk.mountPoint}) from ${8 * MiB} to ${24 * MiB} bytes: \`resize2fs ${disk.device}\` exited 1`,
      );
      expect(grown.stderr).toContain("Permission denied to resize filesystem");
      expect(readFileSync(path.join(disk.mountPoint, "audit.json"), "utf8")).toBe("[1,2,3]\n");
      return;
    }
    expect(grown.code, grown.stderr).toBe(0);
    const r = parseSyncResult("logos-core-1", grown.stdout);
    expect(r.stateDisk).toMatchObject({
      status: "grown",
      deviceBytes: 24 * MiB,
      filesystemBytes: 24 * MiB,
      filesystemBytesBefore: 8 * MiB,
    });
    expect(disk.free()).toBeGreaterThan(sizeBefore + 15 * MiB);
    expect(readFileSync(path.join(disk.mountPoint, "audit.json"), "utf8")).toBe("[1,2,3]\n");

    const after = await sync(manifest);
    expect(parseSyncResult("logos-core-1", after.stdout).stateDisk.status).toBe("current");
  });

  it("refuses a manifest that would lock everyone out, naming the node and the step", async () => {
    const authorizedKeys = path.join(pair.dir, "authorized_keys");
    const before = readFileSync(authorizedKeys, "utf8");
    const bad = await sync({
      version: 1,
      node: "logos-core-2",
      user: pair.user,
      authorizedKeys: ["not a key"],
      authorizedKeysFile: authorizedKeys,
      files: [],
      packages: [],
      commands: [],
    });
    expect(bad.code).toBe(SYNC_EXIT_CODES.keys);
    expect(bad.stderr).toContain(`logos-sync: node logos-core-2: FAILED at keys: refusing to write authorized_keys for ${pair.user}`);
    expect(readFileSync(authorizedKeys, "utf8")).toBe(before);
  });

  it("fails clearly and quickly on a node it cannot reach", async () => {
    const ssh = await sync(
      { version: 1, node: "logos-core-9", user: pair.user, authorizedKeys: ["x"], files: [], packages: [], commands: [] },
      "logos-unreachable",
    );
    expect(ssh.code).toBe(255);
    expect(ssh.stderr).toMatch(/stdio forwarding failed|Connection refused|open failed/);
    expect(ssh.stdout).toBe("");
    expect(ssh.ms).toBeLessThan(15_000);
  });
});
