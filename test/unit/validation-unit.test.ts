import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

import { describe, expect, it } from "vitest";

import {
  VALIDATION_RESULT_PATH,
  VALIDATION_SCRIPT_PATH,
  VALIDATION_SCRIPT_SOURCE,
  TRUSTED_SIGNERS_FILE,
  renderValidationUnit,
  scriptDigest,
} from "../../infra/node/validation";

const options = {
  repoDir: "/opt/logos/repo",
  agentHash: "a09d35345ad8dcee4d56ecf49eada0a7425ff6082353002e4473a6d582e85bda",
  ref: "0123456789abcdef0123456789abcdef01234567",
  stateDir: "/var/lib/logos/state",
  user: "logos",
  archiveCommand: `aws s3 cp "$LOGOS_AUDIT_LOG" "s3://logos-archive/$LOGOS_NODE/" # 100%`,
};

describe("renderValidationUnit", () => {
  it("renders the boot-time oneshot unit", () => {
    expect(renderValidationUnit(options).content).toMatchInlineSnapshot(`
      "# Rendered by logos-compute: proof-gated workflow validation at boot.
      [Unit]
      Description=LOGOS proof-gated workflow validation
      Wants=network-online.target
      After=network-online.target cloud-final.service
      RequiresMountsFor=/var/lib/logos/state /opt/logos/repo
      ConditionPathExists=/opt/logos/bin/validate_proof.py

      [Service]
      Type=oneshot
      RemainAfterExit=yes
      User=logos
      Environment=LOGOS_STATE_DIR=/var/lib/logos/state
      StateDirectory=logos/validation
      ExecStart=/usr/bin/python3 /opt/logos/bin/validate_proof.py --repo-dir /opt/logos/repo --agent-hash a09d35345ad8dcee4d56ecf49eada0a7425ff6082353002e4473a6d582e85bda --ref 0123456789abcdef0123456789abcdef01234567 --archive-command "aws s3 cp \\"$$LOGOS_AUDIT_LOG\\" \\"s3://logos-archive/$$LOGOS_NODE/\\" # 100%%" --result-file /var/lib/logos/validation/last.json --lock-timeout 900 --lem-timeout 900 --boot-timeout 900 --footprint-timeout 300 --archive-timeout 300
      TimeoutStartSec=3420
      StandardOutput=journal
      StandardError=journal

      [Install]
      WantedBy=cloud-init.target
      "
    `);
  });

  it("ships the script and the unit, and starts it without blocking cloud-final", () => {
    const unit = renderValidationUnit(options);
    expect(unit.files.map((f) => [f.path, f.permissions])).toEqual([
      [VALIDATION_SCRIPT_PATH, "0755"],
      ["/etc/systemd/system/logos-validate-proof.service", "0644"],
    ]);
    expect(unit.files[0]?.content).toContain("EXIT_CODES");
    expect(unit.commands).toEqual([
      ["systemctl", "daemon-reload"],
      ["systemctl", "enable", "logos-validate-proof.service"],
      ["systemctl", "start", "--no-block", "logos-validate-proof.service"],
    ]);
    expect(unit.content).toContain(`--result-file ${VALIDATION_RESULT_PATH}`);
  });

  it("rejects paths that a space-separated unit setting cannot hold", () => {
    expect(() => renderValidationUnit({ ...options, stateDir: "/var/lib/logos state" })).toThrow(
      'validation.stateDir ("/var/lib/logos state") must not contain whitespace in a systemd unit',
    );
  });

  it("passes systemd-analyze verify when systemd is installed", () => {
    const probe = spawnSync("systemd-analyze", ["--version"], { timeout: 10_000 });
    if (probe.status !== 0) return; // not every developer machine has systemd; CI's Debian image does
    const dir = mkdtempSync(path.join(tmpdir(), "logos-unit-"));
    try {
      const script = path.join(dir, "validate_proof.py");
      writeFileSync(script, "");
      const unit = renderValidationUnit({ ...options, scriptPath: script, user: "root" });
      const file = path.join(dir, unit.name);
      writeFileSync(file, unit.content);
      const done = spawnSync("systemd-analyze", ["verify", file], { encoding: "utf8", timeout: 30_000 });
      expect(done.stderr).toBe("");
      expect(done.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("scriptDigest", () => {
  it("is the SHA-256 of the shipped script", () => {
    const done = spawnSync("sha256sum", [VALIDATION_SCRIPT_SOURCE], { encoding: "utf8", timeout: 10_000 });
    expect(scriptDigest()).toBe(done.stdout.split(" ")[0]);
    expect(scriptDigest()).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe("renderValidationUnit with trusted signers", () => {
  const pgp = "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmDMEZabc\n=AbCd\n-----END PGP PUBLIC KEY BLOCK-----";
  const ssh = "release@logos.invalid ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJYTGUdmiYKXH";

  it("reads multi-line OpenPGP keys from a file the bootstrap writes, since ExecStart is one line", () => {
    const unit = renderValidationUnit({ ...options, trustedSigners: [ssh, pgp] });
    const execStart = unit.content.split("\n").find((l) => l.startsWith("ExecStart="));
    expect(execStart).toContain(`--trusted-signers-file ${TRUSTED_SIGNERS_FILE}`);
    expect(execStart).not.toContain("--trusted-signer ");
    expect(unit.content).not.toContain("BEGIN PGP");
    const file = unit.files.find((f) => f.path === TRUSTED_SIGNERS_FILE);
    expect(JSON.parse(file?.content ?? "null")).toEqual([ssh, pgp]);
    expect(file?.permissions).toBe("0644");
  });

  it("adds no signers file without signers", () => {
    const unit = renderValidationUnit(options);
    expect(unit.files.map((f) => f.path)).not.toContain(TRUSTED_SIGNERS_FILE);
    expect(unit.content).not.toContain("--trusted-signers-file");
  });
});
