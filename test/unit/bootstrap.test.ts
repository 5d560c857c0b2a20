import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { renderUserData, TOOLCHAIN_PACKAGES, type BootstrapOptions } from "../../infra/bootstrap";

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

  it("the state-disk script formats only a disk with no filesystem and never an existing one", () => {
    const script = file(doc(base), "/opt/logos/bin/logos-state-disk");
    // Parse check with a real shell.
    const dir = mkdtempSync(join(tmpdir(), "logos-boot-"));
    const path = join(dir, "state-disk.sh");
    writeFileSync(path, script);
    execFileSync("sh", ["-n", path]);
    expect(script).toMatch(/blkid -p "\$real"/);
    expect(script).toMatch(/if \[ "\$probe" -eq 2 \]; then[\s\S]*mkfs\.ext4/);
    expect(script).toMatch(/refusing to format/);
    expect(script.match(/mkfs/g)).toHaveLength(1);
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
