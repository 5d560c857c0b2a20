/**
 * End to end on a real state disk: a small ext4 image loop-mounted as the
 * state directory. Core nodes validate only on their mounted state disk; a
 * disk too full for the log's copy refuses before anything runs; a disk that
 * fills up while the workload rewrites the log leaves the earlier history
 * intact in its pre-run copy. Each case asserts exit code, stage, message and
 * the audit log's bytes.
 */
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { ValidationOptions } from "../../infra/node/validation";
import { mountSmallDisk, type SmallDisk } from "./harness/disk";
import { entries, escapeRe, expectFailure, historyFiles, nothingRan, validateOn, type Outcome } from "./harness/outcome";
import { startSshPair, type SshPair } from "./harness/sshd";
import { AGENT_HASH, AGENT_SCRIPT, installScript, makeCheckout, optionsFor, patchFile, seededHistory } from "./harness/workload";

let pair: SshPair;
let root: string;
let script: string;
const disks: SmallDisk[] = [];

beforeAll(async () => {
  pair = await startSshPair();
  root = mkdtempSync(path.join(tmpdir(), "logos-e2e-disk-"));
  script = installScript(root);
});

afterAll(async () => {
  const problems: string[] = [];
  for (const d of disks) {
    try {
      d.unmount();
    } catch (e) {
      problems.push((e as Error).message);
    }
  }
  await pair?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
  if (problems.length > 0) throw new Error(problems.join("\n"));
});

function disk(name: string, sizeMiB = 8): SmallDisk {
  const d = mountSmallDisk(path.join(root, "disks", name), sizeMiB);
  disks.push(d);
  return d;
}

/** The file the bootstrap writes on core nodes, naming the state disk (here through a by-id style symlink). */
function deviceFile(name: string, device: string): string {
  const link = path.join(root, `${name}.by-id`);
  symlinkSync(device, link);
  const file = path.join(root, `${name}.state-device`);
  writeFileSync(file, `${link}\n`);
  return file;
}

const validate = (options: ValidationOptions): Promise<Outcome> => validateOn(pair, options);

describe("state disk: core nodes validate only on their mounted state disk", () => {
  it("refuses a state directory that is not a mount point: nothing runs, no fresh log appears", async () => {
    const attached = disk("unmounted-a");
    const c = makeCheckout(root, "unmounted");
    const before = readFileSync(c.auditLog);
    const o = await validate(optionsFor(c, script, { stateDeviceFile: deviceFile("unmounted", attached.device) }));
    expectFailure(
      o,
      "state-disk",
      new RegExp(
        `^state-disk: expected ${escapeRe(c.stateDir)} to be the mount point of the state disk ${escapeRe(path.join(root, "unmounted.by-id"))}, ` +
          "found a plain directory on \\S+ \\(\\S+\\) mounted at /\\S*; nothing ran: attach and mount the disk " +
          "\\(see /var/log/cloud-init-output\\.log\\)$",
      ),
    );
    expect(readFileSync(c.auditLog)).toEqual(before);
    expect(historyFiles(c.stateDir)).toEqual([]);
    expect(o.result.auditEntriesBefore).toBeNull();
    nothingRan(c);
  });

  it("refuses a state directory mounted from another device than the bootstrap named", async () => {
    const expected = disk("expected-b");
    const other = disk("other-c");
    const c = makeCheckout(root, "other-device", { stateDir: other.mountPoint });
    const before = readFileSync(c.auditLog);
    const o = await validate(optionsFor(c, script, { stateDeviceFile: deviceFile("other-device", expected.device) }));
    expectFailure(
      o,
      "state-disk",
      new RegExp(
        `^state-disk: expected ${escapeRe(other.mountPoint)} mounted from the state disk ${escapeRe(path.join(root, "other-device.by-id"))} ` +
          `\\(${escapeRe(expected.device)}, device 7:\\d+\\), found ${escapeRe(other.device)} \\(ext4\\) mounted at ${escapeRe(other.mountPoint)} ` +
          "\\(device 7:\\d+\\); nothing ran$",
      ),
    );
    expect(readFileSync(c.auditLog)).toEqual(before);
    nothingRan(c);
  });

  it("refuses when the bootstrap named no state disk", async () => {
    const c = makeCheckout(root, "no-device-file");
    const missing = path.join(root, "no-such.state-device");
    const o = await validate(optionsFor(c, script, { stateDeviceFile: missing }));
    expectFailure(o, "state-disk", `state-disk: expected the node's bootstrap to name the state disk in ${missing}, found no such file`);
    nothingRan(c);
  });
});

describe("full disk: history before harm", () => {
  it("refuses to start when the disk lacks room for the log's copy, its rewrite and the margin", async () => {
    const d = disk("nearly-full");
    const c = makeCheckout(root, "nearly-full", { stateDir: d.mountPoint, audit: seededHistory(40) });
    const before = readFileSync(c.auditLog);
    d.fillLeaving(512 * 1024);
    const o = await validate(optionsFor(c, script, { stateDeviceFile: deviceFile("nearly-full", d.device) }));
    const size = before.length;
    expectFailure(
      o,
      "space",
      new RegExp(
        `^space: expected at least ${2 * size + 65536 + 1048576} bytes free on the file system of ${escapeRe(d.mountPoint)} ` +
          `\\(a ${size}-byte copy of the audit log, its rewrite by the workload with a new entry, ${size + 65536} bytes, ` +
          "and a 1048576-byte margin\\), found \\d+; nothing ran: free space on the state disk or grow it$",
      ),
    );
    expect(o.result.auditEntriesBefore).toBe(40);
    expect(readFileSync(c.auditLog)).toEqual(before);
    expect(historyFiles(c.stateDir)).toEqual([]);
    nothingRan(c);
  });

  it("keeps the earlier history intact when the disk fills while the workload rewrites the log, and recovers once restored", async () => {
    const d = disk("fills-up");
    // The boot script truncates the log for its rewrite, as the workload does,
    // and meanwhile another writer takes every free block.
    const c = makeCheckout(root, "fills-up", {
      stateDir: d.mountPoint,
      variant: (repo) =>
        patchFile(
          repo,
          AGENT_SCRIPT,
          '    path.write_text(json.dumps(entries, indent=2) + "\\n", encoding="utf-8")\n',
          [
            '    with path.open("w", encoding="utf-8") as handle:',
            '        with open(directory / "other-writer.bin", "wb", buffering=0) as hog:',
            "            for chunk in (65536, 4096, 512, 1):  # down to the last byte, also of blocks freed late",
            "                for _ in range(2):",
            "                    try:",
            "                        while True:",
            '                            hog.write(b"\\0" * chunk)',
            "                    except OSError:",
            "                        os.sync()",
            '        handle.write(json.dumps(entries, indent=2) + "\\n")',
            "",
          ].join("\n"),
        ),
    });
    const stateDeviceFile = deviceFile("fills-up", d.device);
    const before = readFileSync(c.auditLog);

    const o = await validate(optionsFor(c, script, { stateDeviceFile }));
    expectFailure(o, "boot", /^boot: `python3 scripts\/boot_aligned_agent\.py`: expected exit 0, found exit 1; .*No space left on device/);
    const copy = o.result.historyFile ?? "";
    expect(o.result.errors[1]).toMatch(
      new RegExp(
        `^audit: expected a JSON array in audit log ${escapeRe(c.auditLog)} after the run, found invalid JSON \\(.+\\); ` +
          `earlier history \\(2 entries\\) kept in ${escapeRe(copy)}$`,
      ),
    );
    expect(path.dirname(copy)).toBe(d.mountPoint);
    expect(readFileSync(copy)).toEqual(before); // written and fsynced before the workload ran
    expect(() => entries(c.auditLog)).toThrow(); // the workload left the log damaged
    expect(historyFiles(c.stateDir)).toEqual([path.basename(copy)]);

    // Space freed, log still damaged: the next run refuses and names the copy to restore.
    rmSync(path.join(d.mountPoint, "other-writer.bin"));
    const damaged = readFileSync(c.auditLog);
    const clean = makeCheckout(root, "fills-up-clean", { stateDir: d.mountPoint, audit: null });
    const refused = await validate(optionsFor(clean, script, { stateDeviceFile }));
    expectFailure(
      refused,
      "snapshot",
      new RegExp(
        `^snapshot: expected a JSON array in audit log ${escapeRe(c.auditLog)} before the run, found invalid JSON \\(.+\\); ` +
          `the newest kept copy of its earlier history is ${escapeRe(copy)}: check it, restore it with ` +
          `\`mv ${escapeRe(copy)} ${escapeRe(c.auditLog)}\` and validate again$`,
      ),
    );
    expect(readFileSync(c.auditLog)).toEqual(damaged);
    nothingRan(clean);

    // Restored as the message says: the history continues where it was.
    renameSync(copy, c.auditLog);
    const recovered = await validate(optionsFor(clean, script, { stateDeviceFile }));
    expect(recovered.ssh.code, recovered.ssh.stderr).toBe(0);
    expect(recovered.result).toMatchObject({ status: "pass", auditEntriesBefore: 2, auditEntriesAfter: 3, historyFile: null });
    const after = entries(c.auditLog);
    expect(after.slice(0, 2)).toEqual(JSON.parse(before.toString("utf8")));
    expect(after[2]).toMatchObject({ agent_hash: AGENT_HASH });
    // A run that left the history intact removes its redundant pre-run copy.
    expect(historyFiles(c.stateDir)).toEqual([]);
    expect(existsSync(copy)).toBe(false);
  });
});
