import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";

import {
  VALIDATION_EXIT_CODES,
  VALIDATION_SCRIPT_PATH,
  VALIDATION_SCRIPT_SOURCE,
  VALIDATION_STAGES,
  buildValidationCommand,
  waitForBoot,
  shellJoin,
  shellQuote,
  validationArgv,
  validationBudgetSeconds,
  type ValidationOptions,
} from "../../infra/node/validation";

const AGENT_HASH = "a09d35345ad8dcee4d56ecf49eada0a7425ff6082353002e4473a6d582e85bda";
const base: ValidationOptions = { repoDir: "/opt/logos/repo", agentHash: AGENT_HASH, stateDir: "/var/lib/logos/state" };

/** What /bin/sh passes to a program for `line`, one argument per array element. */
function shellWords(line: string): string[] {
  const done = spawnSync("/bin/sh", ["-c", `printf '%s\\0' ${line}`], {
    encoding: "utf8",
    timeout: 10_000,
  });
  expect(done.status, done.stderr).toBe(0);
  return done.stdout.split("\0").slice(0, -1);
}

describe("shellQuote", () => {
  it.each([
    ["plain", "/opt/logos/repo", "/opt/logos/repo"],
    ["empty", "", "''"],
    ["space", "a b", "'a b'"],
    ["single quote", "it's", "'it'\\''s'"],
    ["dollar", "$HOME", "'$HOME'"],
    ["glob", "*.v", "'*.v'"],
    ["newline", "a\nb", "'a\nb'"],
    ["leading dash stays a word", "--x", "--x"],
  ])("%s", (_label, input, expected) => {
    expect(shellQuote(input)).toBe(expected);
  });

  it("rejects NUL, which no shell word can carry", () => {
    expect(() => shellQuote("a\0b")).toThrow("shellQuote: a shell word cannot contain a NUL byte");
  });

  it("round-trips any string through a real POSIX shell", () => {
    const word = fc.string({ unit: "binary", maxLength: 40 }).filter((s) => !s.includes("\0"));
    fc.assert(
      fc.property(fc.array(word, { minLength: 1, maxLength: 4 }), (words) => {
        expect(shellWords(shellJoin(words))).toEqual(words);
      }),
      { numRuns: 150 },
    );
  });

  it("quotes shell metacharacters so nothing is executed", () => {
    const hostile = "x; touch /tmp/logos-pwned-$$ `id` $(id) && |";
    expect(shellWords(shellQuote(hostile))).toEqual([hostile]);
  });
});

describe("buildValidationCommand", () => {
  it("runs the script with LOGOS_STATE_DIR set through env and default timeouts", () => {
    expect(buildValidationCommand(base)).toBe(
      `env LOGOS_STATE_DIR=/var/lib/logos/state python3 ${VALIDATION_SCRIPT_PATH} --repo-dir /opt/logos/repo ` +
        `--agent-hash ${AGENT_HASH} --lock-timeout 900 --lem-timeout 900 --boot-timeout 900 ` +
        "--footprint-timeout 300 --archive-timeout 300",
    );
  });

  it("waits for the first boot, bounded, when asked, then runs the same command told how the wait ended", () => {
    const cmd = buildValidationCommand({ ...base, waitForBoot: true, timeouts: { firstBoot: 600 } });
    expect(cmd).toBe(
      `${waitForBoot(600)}${buildValidationCommand({ ...base, timeouts: { firstBoot: 600 } })} ` +
        '--first-boot-seconds "$first_boot_seconds" --first-boot "$first_boot" --first-boot-wait 600',
    );
    expect(cmd).toContain("timeout 600 cloud-init status --wait");
    // The remote shell must parse it.
    expect(spawnSync("sh", ["-n", "-c", cmd]).status).toBe(0);
  });

  describe("the first-boot wait, against a fake cloud-init on PATH", () => {
    const bin = mkdtempSync(path.join(tmpdir(), "logos-fake-cloud-init-"));
    afterAll(() => rmSync(bin, { recursive: true, force: true }));

    /** What `$first_boot` and `$first_boot_seconds` hold after the wait, and how long it took. */
    function waitWith(cloudInit: string | null, seconds: number): { state: string; waited: number; ms: number } {
      const dir = mkdtempSync(path.join(bin, "case-"));
      if (cloudInit !== null) {
        writeFileSync(path.join(dir, "cloud-init"), `#!/bin/sh\n${cloudInit}\n`, { mode: 0o755 });
      }
      const started = Date.now();
      // PATH keeps only the fake and the coreutils `timeout` needs.
      const done = spawnSync("/bin/sh", ["-c", `${waitForBoot(seconds)}echo "$first_boot $first_boot_seconds"`], {
        encoding: "utf8",
        timeout: 30_000,
        env: { PATH: `${dir}:/usr/bin:/bin` },
      });
      expect(done.status, done.stderr).toBe(0);
      const [state, waited] = done.stdout.trim().split(" ");
      return { state, waited: Number(waited), ms: Date.now() - started };
    }

    it.each([
      ["finished", "exit 0", "done"],
      ["finished with a critical error", "exit 1", "error"],
      ["finished with recoverable errors (cloud-init >= 23.4)", "exit 2", "error"],
    ])("cloud-init %s -> %s", (_label, body, state) => {
      expect(waitWith(body, 5).state).toBe(state);
    });

    it("gives up after its limit while cloud-init is still running", () => {
      const r = waitWith("exec sleep 60", 1);
      expect(r.state).toBe("timeout");
      expect(r.ms).toBeLessThan(10_000);
    });

    it("measures how long the wait took, in whole seconds", () => {
      const r = waitWith("sleep 2; exit 0", 10);
      expect(r.state).toBe("done");
      expect(r.waited).toBeGreaterThanOrEqual(1);
      expect(r.waited).toBeLessThanOrEqual(Math.ceil(r.ms / 1000));
    });

    it("reports none where cloud-init is absent", () => {
      expect(waitWith(null, 5)).toMatchObject({ state: "none", waited: 0 });
    });
  });

  it("passes every option, quoted", () => {
    const argv = validationArgv({
      ...base,
      agentScriptDigest: "0".repeat(64),
      ref: "0123456789abcdef0123456789abcdef01234567",
      nodeName: "logos-core-0",
      archiveCommand: `aws s3 cp "$LOGOS_AUDIT_LOG" s3://logos-archive/`,
      stateDeviceFile: "/etc/logos/state-device",
      footprintTheorem: "PXL_Internal_LEM.pxl_excluded_middle",
      strictFootprint: false,
      allowedAxioms: ["PXL.PXL_Axioms.box_k"],
      freeSpaceMarginBytes: 4096,
      trustedSigners: ["release@logos.invalid ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJYTGUdmiYKXH"],
      coqVersion: "8.18.0+dfsg-1build2",
      writeSandbox: false,
      strictArchive: true,
      resultFile: "/var/lib/logos/validation/last.json",
      scriptPath: "logos-validate_proof.py",
      python: "/usr/bin/python3.12",
      timeouts: { lem: 60, boot: 61 },
    });
    expect(argv).toEqual([
      "/usr/bin/python3.12",
      "logos-validate_proof.py",
      "--repo-dir",
      "/opt/logos/repo",
      "--agent-hash",
      AGENT_HASH,
      "--agent-script-digest",
      "0".repeat(64),
      "--ref",
      "0123456789abcdef0123456789abcdef01234567",
      "--state-device-file",
      "/etc/logos/state-device",
      "--node-name",
      "logos-core-0",
      "--archive-command",
      `aws s3 cp "$LOGOS_AUDIT_LOG" s3://logos-archive/`,
      "--theorem",
      "PXL_Internal_LEM.pxl_excluded_middle",
      "--no-strict-footprint",
      "--allowed-axiom",
      "PXL.PXL_Axioms.box_k",
      "--free-space-margin",
      "4096",
      "--trusted-signer",
      "release@logos.invalid ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJYTGUdmiYKXH",
      "--coq-version",
      "8.18.0+dfsg-1build2",
      "--no-write-sandbox",
      "--strict-archive",
      "--result-file",
      "/var/lib/logos/validation/last.json",
      "--lock-timeout",
      "900",
      "--lem-timeout",
      "60",
      "--boot-timeout",
      "61",
      "--footprint-timeout",
      "300",
      "--archive-timeout",
      "300",
    ]);
  });

  it("yields the same argv after shell parsing, for arbitrary paths and node names", () => {
    const pathLike = fc
      .string({ minLength: 1, maxLength: 30 })
      .filter((s) => !s.includes("\0"))
      .map((s) => `/${s}`);
    fc.assert(
      fc.property(
        pathLike,
        pathLike,
        fc.string({ maxLength: 20 }).filter((s) => !s.includes("\0")),
        (repo, state, node) => {
          const o = { ...base, repoDir: repo, stateDir: state, nodeName: node };
          expect(shellWords(buildValidationCommand(o))).toEqual(["env", `LOGOS_STATE_DIR=${state}`, ...validationArgv(o)]);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("reports every invalid option at once", () => {
    expect(() =>
      buildValidationCommand({
        ...base,
        agentHash: "A09D",
        agentScriptDigest: "xyz",
        ref: "HEAD",
        repoDir: "repo",
        stateDir: "state",
        stateDeviceFile: "state-device",
        footprintTheorem: "pxl excluded",
        allowedAxioms: ["PXL.ok", "1bad"],
        freeSpaceMarginBytes: -1,
        trustedSigners: ["ssh-ed25519 AAAAC3Nz"],
        coqVersion: "latest",
        timeouts: { lem: 0, boot: Number.NaN },
      }),
    ).toThrow(
      [
        "invalid proof validation options:",
        '  validation.agentHash ("A09D") must be 64 lowercase hex digits',
        '  validation.agentScriptDigest ("xyz") must be 64 lowercase hex digits',
        '  validation.ref ("HEAD") must be a full 40-hex commit id (lowercase)',
        '  validation.repoDir ("repo") must be an absolute path',
        '  validation.stateDir ("state") must be an absolute path',
        '  validation.stateDeviceFile ("state-device") must be an absolute path',
        '  validation.footprintTheorem ("pxl excluded") must be a Coq name such as pxl_excluded_middle or A.B.name',
        '  validation.allowedAxioms[1] ("1bad") must be a fully qualified Coq name',
        '  validation.trustedSigners[0] ("ssh-ed25519 AAAAC3Nz") must be an SSH allowed-signers line (principal key-type key) or an armored OpenPGP public key',
        '  validation.coqVersion ("latest") must be a coq package version such as 8.18.0+dfsg-1build2',
        "  validation.freeSpaceMarginBytes (-1) must be a whole number of bytes >= 0",
        "  validation.timeouts.lem (0) must be a positive number of seconds",
        "  validation.timeouts.boot (NaN) must be a positive number of seconds",
      ].join("\n"),
    );
  });

  it("budgets the sum of the step limits plus slack", () => {
    const timeouts = { firstBoot: 6, lock: 1, lem: 2, boot: 3, footprint: 4, archive: 5 };
    expect(validationBudgetSeconds({ ...base, timeouts })).toBe(135);
    expect(validationBudgetSeconds({ ...base, timeouts, waitForBoot: true })).toBe(141);
  });
});

describe("exit codes", () => {
  it("match the script's table, one distinct code per stage", () => {
    const source = readFileSync(VALIDATION_SCRIPT_SOURCE, "utf8");
    const table = source.slice(source.indexOf("EXIT_CODES: dict[str, int] = {"), source.indexOf("}\n", source.indexOf("EXIT_CODES")));
    const fromScript = Object.fromEntries([...table.matchAll(/"([a-z-]+)": (\d+)/g)].map((m) => [m[1], Number(m[2])]));
    expect(fromScript).toEqual(VALIDATION_EXIT_CODES);
    expect(new Set(Object.values(VALIDATION_EXIT_CODES)).size).toBe(VALIDATION_STAGES.length + 1);
  });
});
