import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  coqPin,
  renderUserData,
  STATE_DEVICE_FILE,
  STATE_DISK_SCRIPT_SOURCE,
  TOOLCHAIN_PACKAGES,
  UBUNTU_2404_COQ,
  type BootstrapOptions,
} from "../../infra/bootstrap";

const base: BootstrapOptions = {
  role: "core",
  hostname: "logos-core-0",
  sshUser: "logos",
  sshAuthorizedKeys: [
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOperatorKeyForSnapshot000000000000000000 operator",
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDeployKeyForSnapshot00000000000000000000 deploy",
  ],
  repo: { url: "https://git.example.org/logos/logos-system.git", ref: "0123456789abcdef0123456789abcdef01234567", dir: "/opt/logos/repo" },
  stateDir: "/var/lib/logos/state",
  stateDevice: "/dev/disk/by-id/google-logos-state",
};

function doc(o: BootstrapOptions): Record<string, any> {
  const text = renderUserData(o);
  expect(text.startsWith("#cloud-config\n")).toBe(true);
  return parse(text) as Record<string, any>;
}

function file(d: Record<string, any>, path: string): string {
  const f = (d.write_files as Array<{ path: string; content: string }>).find((x) => x.path === path);
  if (!f) throw new Error(`no ${path} in user-data`);
  return f.content;
}

describe("renderUserData", () => {
  it("matches the snapshot for a core node", () => {
    expect(renderUserData(base)).toMatchSnapshot();
  });

  it("installs the toolchain from Ubuntu packages", () => {
    expect(doc(base).packages).toEqual([...TOOLCHAIN_PACKAGES]);
    expect(TOOLCHAIN_PACKAGES).toEqual(["coq", "python3.12", "make", "git"]);
  });

  it("disables passwords and root, key-only for the one user", () => {
    const d = doc(base);
    expect(d.ssh_pwauth).toBe(false);
    expect(d.disable_root).toBe(true);
    expect(d.users[0]).toMatchObject({ name: "logos", lock_passwd: true, ssh_authorized_keys: base.sshAuthorizedKeys });
    expect(file(d, "/etc/ssh/sshd_config.d/60-logos.conf")).toContain("PasswordAuthentication no");
  });

  it("mounts the state disk before the checkout and exports LOGOS_STATE_DIR", () => {
    const d = doc(base);
    const cmds = d.runcmd as string[][];
    const mountAt = cmds.findIndex((c) => c[0] === "/opt/logos/bin/logos-state-disk");
    const checkoutAt = cmds.findIndex((c) => c[0] === "/opt/logos/bin/logos-checkout");
    expect(cmds[mountAt]).toEqual([
      "/opt/logos/bin/logos-state-disk",
      "/dev/disk/by-id/google-logos-state",
      "/var/lib/logos/state",
      "logos",
    ]);
    expect(checkoutAt).toBeGreaterThan(mountAt);
    expect(cmds[checkoutAt]).toEqual(["/opt/logos/bin/logos-checkout", base.repo.url, base.repo.ref, "/opt/logos/repo", "logos"]);
    expect(file(d, "/etc/profile.d/logos.sh")).toBe("export LOGOS_STATE_DIR=/var/lib/logos/state\n");
    expect(JSON.stringify(cmds)).toContain("LOGOS_STATE_DIR=/var/lib/logos/state");
  });

  it("burst nodes keep state on the boot disk and carry extra files and commands", () => {
    const d = doc({
      ...base,
      role: "burst",
      hostname: undefined,
      stateDevice: undefined,
      files: [{ path: "/etc/x", content: "y", permissions: "0600" }],
      commands: [["echo", "hi"]],
    });
    expect(d.hostname).toBeUndefined();
    expect((d.runcmd as string[][]).some((c) => c[0] === "/opt/logos/bin/logos-state-disk")).toBe(false);
    expect(file(d, "/etc/x")).toBe("y");
    expect((d.runcmd as string[][]).at(-1)).toEqual(["echo", "hi"]);
  });

  it("packs large files with gzip so user-data fits AWS's 16 KiB, and the packed bytes round-trip", () => {
    const big = "x".repeat(40_000) + "\n# end\n";
    const text = renderUserData({ ...base, files: [{ path: "/opt/big", content: big, permissions: "0755" }] });
    expect(Buffer.byteLength(text)).toBeLessThan(16 * 1024);
    const f = (parse(text).write_files as Array<{ path: string; content: string; encoding?: string }>).find((x) => x.path === "/opt/big")!;
    expect(f.encoding).toBe("gz+b64");
    expect(gunzipSync(Buffer.from(f.content, "base64")).toString()).toBe(big);
    // Deterministic: the same input renders the same bytes.
    expect(renderUserData({ ...base, files: [{ path: "/opt/big", content: big, permissions: "0755" }] })).toBe(text);
  });

  it("installs exactly the pinned Coq as cloud-init [name, version] pairs in place of the unpinned package, and holds it", () => {
    const pin = coqPin(UBUNTU_2404_COQ);
    expect(pin).toEqual({
      packages: ["coq=8.18.0+dfsg-1build2", "libcoq-core-ocaml=8.18.0+dfsg-1build2", "libcoq-stdlib=8.18.0+dfsg-1build2"],
      commands: [["apt-mark", "hold", "coq", "libcoq-core-ocaml", "libcoq-stdlib"]],
    });
    const d = doc({ ...base, packages: [...pin.packages, "gpg"], commands: pin.commands });
    expect(d.packages).toEqual([
      "python3.12",
      "make",
      "git",
      "gpg",
      ["coq", "8.18.0+dfsg-1build2"],
      ["libcoq-core-ocaml", "8.18.0+dfsg-1build2"],
      ["libcoq-stdlib", "8.18.0+dfsg-1build2"],
    ]);
    expect((d.runcmd as string[][]).at(-1)).toEqual(["apt-mark", "hold", "coq", "libcoq-core-ocaml", "libcoq-stdlib"]);
    expect(coqPin("")).toEqual({ packages: [], commands: [] });
  });

  it("names the state disk's device in a root-owned file on core nodes only, for the validation's mount check", () => {
    const d = doc(base);
    expect(file(d, STATE_DEVICE_FILE)).toBe("/dev/disk/by-id/google-logos-state\n");
    const entry = (d.write_files as Array<{ path: string; owner: string; permissions: string }>).find((f) => f.path === STATE_DEVICE_FILE);
    expect(entry).toMatchObject({ owner: "root:root", permissions: "0644" });
    const burst = doc({ ...base, role: "burst", stateDevice: undefined });
    expect((burst.write_files as Array<{ path: string }>).some((f) => f.path === STATE_DEVICE_FILE)).toBe(false);
  });

  it("the checkout script verifies HEAD against the pinned ref (run for real on a local repo)", () => {
    const script = file(doc(base), "/opt/logos/bin/logos-checkout");
    const dir = mkdtempSync(join(tmpdir(), "logos-checkout-"));
    const origin = join(dir, "origin");
    const git = (cwd: string, ...args: string[]): string =>
      execFileSync("git", ["-c", "user.email=t@example.org", "-c", "user.name=t", ...args], { cwd })
        .toString()
        .trim();
    execFileSync("mkdir", ["-p", origin]);
    git(origin, "init", "-q");
    writeFileSync(join(origin, "a.txt"), "1");
    git(origin, "add", "a.txt");
    git(origin, "commit", "-qm", "one");
    const first = git(origin, "rev-parse", "HEAD");
    writeFileSync(join(origin, "a.txt"), "2");
    git(origin, "commit", "-qam", "two");
    const scriptPath = join(dir, "checkout.sh");
    writeFileSync(scriptPath, script);
    const owner = execFileSync("id", ["-un"]).toString().trim();
    const out = execFileSync("sh", [scriptPath, origin, first, join(dir, "repo"), owner]).toString();
    expect(out).toContain(`at ${first}`);
    expect(git(join(dir, "repo"), "rev-parse", "HEAD")).toBe(first);
    // A ref that does not exist fails, and says so.
    expect(() => execFileSync("sh", [scriptPath, origin, "f".repeat(40), join(dir, "repo"), owner], { stdio: "pipe" })).toThrow();
  });
});

/**
 * The state-disk script run for real, with fake blkid / mkfs.ext4 / mount /
 * mountpoint / chown first on PATH that record their calls: when does it
 * format, when does it refuse.
 */
describe("the state-disk script against fake disk tools", () => {
  const FAKE_UUID = "3f1c2a9e-1111-4222-8333-944455556666";

  /** Any block device: the script only checks `-b`, the fakes never touch it. */
  function someBlockDevice(dir: string): string {
    for (const name of readdirSync("/dev")) {
      try {
        if (statSync(join("/dev", name)).isBlockDevice()) return join("/dev", name);
      } catch {
        // vanished or unreadable: try the next one
      }
    }
    const node = join(dir, "fake-disk");
    const made = spawnSync("mknod", [node, "b", "7", "250"]);
    if (made.status !== 0) throw new Error("this test needs a block device in /dev, or root to mknod one");
    return node;
  }

  function runScript(probeExit: number, runs = 1) {
    const dir = mkdtempSync(join(tmpdir(), "logos-state-disk-"));
    const bin = join(dir, "bin");
    mkdirSync(bin);
    const calls = join(dir, "calls.log");
    const record = (tool: string, body = "") =>
      writeFileSync(join(bin, tool), `#!/bin/sh\necho "${tool} $*" >> "${calls}"\n${body}\n`, { mode: 0o755 });
    record("blkid", `case "$1" in -p) exit ${probeExit} ;; -s) echo ${FAKE_UUID} ;; esac`);
    record("mkfs.ext4");
    record("mount");
    record("mountpoint", "exit 1");
    record("chown");
    const device = someBlockDevice(dir);
    const link = join(dir, "by-id-state");
    symlinkSync(device, link);
    const fstab = join(dir, "fstab");
    writeFileSync(fstab, "# fstab\n");
    const script = join(dir, "logos-state-disk");
    writeFileSync(script, STATE_DISK_SCRIPT_SOURCE, { mode: 0o755 });
    const mnt = join(dir, "state");
    const results = Array.from({ length: runs }, () =>
      spawnSync("sh", [script, link, mnt, "logos"], {
        encoding: "utf8",
        timeout: 30_000,
        env: { PATH: `${bin}:/usr/bin:/bin`, LOGOS_FSTAB: fstab },
      }),
    );
    const real = realpathSync(device);
    return {
      results,
      real,
      mnt,
      calls: existsSync(calls) ? readFileSync(calls, "utf8").trim().split("\n") : [],
      fstab: readFileSync(fstab, "utf8"),
    };
  }

  it("formats a disk blkid finds empty (exit 2), then records it in fstab and mounts it", () => {
    const r = runScript(2);
    expect(r.results[0]?.status, r.results[0]?.stderr).toBe(0);
    expect(r.calls).toEqual([
      `blkid -p ${r.real}`,
      `mkfs.ext4 -q -L logos-state ${r.real}`,
      `blkid -s UUID -o value ${r.real}`,
      `mountpoint -q ${r.mnt}`,
      `mount ${r.mnt}`,
      `chown logos:logos ${r.mnt}`,
    ]);
    expect(r.fstab).toBe(`# fstab\nUUID=${FAKE_UUID} ${r.mnt} ext4 defaults,nofail,x-systemd.device-timeout=60 0 2\n`);
  });

  it("never formats a disk that carries a filesystem (exit 0), and adds its fstab line once", () => {
    const r = runScript(0, 2);
    for (const done of r.results) expect(done.status, done.stderr).toBe(0);
    expect(r.calls.filter((c) => c.startsWith("mkfs"))).toEqual([]);
    expect(r.calls.filter((c) => c.startsWith("mount "))).toEqual([`mount ${r.mnt}`, `mount ${r.mnt}`]);
    expect(r.fstab.match(/UUID=/g)).toHaveLength(1);
  });

  it.each([4, 8])("refuses to format or mount when blkid cannot probe (exit %i)", (code) => {
    const r = runScript(code);
    expect(r.results[0]?.status).toBe(1);
    expect(r.results[0]?.stderr).toBe(`logos-state-disk: blkid could not probe ${r.real} (exit ${code}); refusing to format\n`);
    expect(r.calls).toEqual([`blkid -p ${r.real}`]);
    expect(r.fstab).toBe("# fstab\n");
  });
});
