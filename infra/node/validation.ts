/**
 * Proof validation on a node: the shell command the `ProofValidation`
 * component runs over SSH, the boot-time systemd unit for burst nodes, and the
 * parser of the script's JSON result. Pure (no Pulumi imports): the e2e tests
 * run exactly these strings against real sshd + Coq.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { REBUILD_SLA_MINUTES, slaStepTimeouts } from "../sla";

/** The script in this repository; the single source shipped to nodes. */
export const VALIDATION_SCRIPT_SOURCE = path.join(__dirname, "validate_proof.py");
/** Where the boot-time copy of the script lives on burst nodes (root-owned, from cloud-init). */
export const VALIDATION_SCRIPT_PATH = "/opt/logos/bin/validate_proof.py";
/**
 * Where `ProofValidation` copies the script on core nodes. Relative paths are
 * resolved from the SSH user's home by both SFTP and the remote shell, so the
 * copy needs no root-owned directory and no change to the VM's user-data.
 */
export const VALIDATION_SCRIPT_REMOTE_COPY = "logos-validate_proof.py";
/** Where the boot unit writes the JSON result for monitoring. */
export const VALIDATION_RESULT_PATH = "/var/lib/logos/validation/last.json";
export const VALIDATION_UNIT_NAME = "logos-validate-proof.service";
/** The burst unit's trusted signers (public keys and allowed-signers lines only: nothing secret). */
export const TRUSTED_SIGNERS_FILE = "/etc/logos/trusted-signers.json";

/** Stage names, in the order of their exit codes; `complete` means pass. */
export const VALIDATION_STAGES = [
  "usage",
  "first-boot",
  "guard-agent-hash",
  "guard-file-digest",
  "guard-ref",
  "guard-signature",
  "guard-coq",
  "state-disk",
  "sandbox",
  "lock",
  "checkout",
  "snapshot",
  "space",
  "lem",
  "boot",
  "audit",
  "footprint",
  "archive",
  "internal",
] as const;
export type ValidationFailureStage = (typeof VALIDATION_STAGES)[number];
export type ValidationStage = ValidationFailureStage | "complete";

/** Exit code of `validate_proof.py` per stage (must match EXIT_CODES in the script). */
export const VALIDATION_EXIT_CODES: Readonly<Record<ValidationStage, number>> = {
  complete: 0,
  usage: 2,
  "first-boot": 5,
  "guard-agent-hash": 11,
  "guard-file-digest": 12,
  "guard-ref": 13,
  "guard-signature": 14,
  "guard-coq": 15,
  "state-disk": 16,
  sandbox: 17,
  lock: 20,
  checkout: 25,
  snapshot: 30,
  space: 35,
  lem: 40,
  boot: 50,
  audit: 60,
  footprint: 70,
  archive: 80,
  internal: 99,
};

/** Per-step limits on the node, seconds; the defaults derive from the 15-minute rebuild SLA (`slaStepTimeouts`). */
export interface ValidationTimeouts {
  /** Waiting for the node's first boot (cloud-init) when `waitForBoot` is set. @default 1800 */
  readonly firstBoot: number;
  /** Waiting for another validation on the same node. @default 900 */
  readonly lock: number;
  /** `python3 test_lem_discharge.py`. @default 900 */
  readonly lem: number;
  /** `python3 scripts/boot_aligned_agent.py`. @default 900 */
  readonly boot: number;
  /** The independent `coqc` footprint check. @default 300 */
  readonly footprint: number;
  /** The archive upload command. @default 300 */
  readonly archive: number;
}

export const DEFAULT_VALIDATION_TIMEOUTS: ValidationTimeouts = slaStepTimeouts(REBUILD_SLA_MINUTES * 60);

export interface ValidationOptions {
  /** Checkout of the workload repository on the node. */
  readonly repoDir: string;
  /** Pinned `EXPECTED_AGENT_HASH` (64 hex digits). */
  readonly agentHash: string;
  /** Pinned SHA-256 of `scripts/boot_aligned_agent.py`. @default not checked */
  readonly agentScriptDigest?: string;
  /** Pinned commit (full 40-hex id) that HEAD must equal. @default not checked */
  readonly ref?: string;
  /**
   * Roll the node to `ref` first: under the validator's lock, fetch the
   * commit when the clone lacks it, check it out detached and verify HEAD,
   * then validate. How a changed `repoRef` reaches running core nodes
   * without touching their user-data. Needs `ref` as a full commit id.
   * @default false: the checkout is validated as it is
   */
  readonly checkout?: boolean;
  /**
   * Only the checkout of `checkout`, no workload run (nodes whose validation
   * is switched off still follow `ref`).
   * @default false
   */
  readonly checkoutOnly?: boolean;
  /** `LOGOS_STATE_DIR`: where the audit log lives. */
  readonly stateDir: string;
  /**
   * File in which the node's bootstrap names the state disk's device
   * (`STATE_DEVICE_FILE` on core nodes). When set, the validation refuses to
   * run (stage `state-disk`) unless `stateDir` is the mount point of that device.
   * @default not checked (burst nodes keep their state on the boot disk)
   */
  readonly stateDeviceFile?: string;
  /**
   * Shell command that uploads `$LOGOS_AUDIT_LOG` to the cloud's archive. It
   * appears in deployment logs and error messages: it must carry no secret
   * (use the node's instance identity for credentials).
   * @default no upload
   */
  readonly archiveCommand?: string;
  /** @default DEFAULT_VALIDATION_TIMEOUTS per step */
  readonly timeouts?: Partial<ValidationTimeouts>;
  /**
   * The gated theorem: a name (`pxl_excluded_middle`) or a qualified name; every
   * theorem it names in the kernel is checked, however nested in modules.
   * @default "pxl_excluded_middle"
   */
  readonly footprintTheorem?: string;
  /**
   * Axioms outside `allowedAxioms` fail the node at stage `footprint`; false
   * turns that into a loud warning.
   * @default true
   */
  readonly strictFootprint?: boolean;
  /** Fully qualified axioms the theorem may use. @default none: the theorem must be closed */
  readonly allowedAxioms?: readonly string[];
  /** Bytes kept free on the state disk beyond the log's copy and rewrite. @default 1 MiB (the script's default) */
  readonly freeSpaceMarginBytes?: number;
  /**
   * Who may sign the pinned commit: SSH allowed-signers lines
   * (`principal ssh-ed25519 AAAA…`) or armored OpenPGP public keys. When any
   * is given, HEAD must carry a signature `git verify-commit` accepts from
   * one of them (stage `guard-signature`).
   * @default none: signatures are not checked
   */
  readonly trustedSigners?: readonly string[];
  /**
   * The pinned `coq` package version (`8.18.0+dfsg-1build2`): `coqc --version`
   * must report its upstream part, and the installed package must be it where
   * dpkg knows it (stage `guard-coq`).
   * @default not checked
   */
  readonly coqVersion?: string;
  /**
   * Confine the two workload commands' writes to the state dir, the checkout
   * and a private temp dir (Landlock); false only warns.
   * @default true
   */
  readonly writeSandbox?: boolean;
  /** Make a failed archive upload gate. @default false (reported as a warning) */
  readonly strictArchive?: boolean;
  /** Node name used in the script's messages. @default the node's hostname */
  readonly nodeName?: string;
  /** Path of the script on the node. @default VALIDATION_SCRIPT_PATH */
  readonly scriptPath?: string;
  /** Interpreter on the node. @default "python3" */
  readonly python?: string;
  /** Also write the JSON result to this file. @default not written */
  readonly resultFile?: string;
  /**
   * Wait for the node's first boot (cloud-init: packages, state disk,
   * checkout) before validating; a no-op where cloud-init is absent.
   * `ProofValidation` sets it: the command can reach a node that is still
   * installing Coq.
   * @default false
   */
  readonly waitForBoot?: boolean;
}

export interface ValidationFootprint {
  readonly status: "ok" | "failed" | "skipped";
  /** The name asked for. */
  readonly theorem?: string;
  /** Whether axioms outside the allowed list fail the node. */
  readonly gating?: boolean;
  /** Every fully qualified theorem the name matched. */
  readonly resolved?: readonly string[];
  /** Their axioms, fully qualified. */
  readonly axioms?: readonly string[];
  readonly disallowed?: readonly string[];
  readonly closed?: boolean;
  readonly error?: string;
}

export interface ValidationSignature {
  readonly status: "verified" | "failed" | "skipped";
  readonly signer?: string | null;
  readonly key?: string | null;
  readonly trusted?: string;
}

export interface ValidationSandbox {
  readonly status: "landlock" | "off";
  readonly abi?: number;
  readonly writable?: readonly string[];
}

export interface ValidationArchive {
  readonly status: "uploaded" | "failed" | "skipped";
  readonly error?: string;
}

export interface ValidationCheckout {
  /** `done` when HEAD was brought to the pinned ref; `skipped` without `checkout`. */
  readonly status: "done" | "failed" | "skipped";
  /** HEAD before the checkout (null on a clone without a checkout). */
  readonly from?: string | null;
  /** Whether the commit had to be fetched from origin. */
  readonly fetched?: boolean;
}

/** The JSON line `validate_proof.py` prints last on stdout. */
export interface ValidationResult {
  readonly version: number;
  readonly status: "pass" | "fail";
  readonly stage: ValidationStage;
  readonly exitCode: number;
  readonly node: string;
  readonly agentHash: string;
  readonly fileDigest: string | null;
  readonly ref: string | null;
  readonly auditEntriesBefore: number | null;
  readonly auditEntriesAfter: number | null;
  readonly auditLog: string | null;
  readonly historyFile: string | null;
  readonly footprint: ValidationFootprint;
  readonly archive: ValidationArchive;
  /** Absent in results of scripts older than the rollout step. */
  readonly checkout?: ValidationCheckout;
  /** Absent in results of scripts older than these guards. */
  readonly signature?: ValidationSignature;
  /** The Coq that built the proof: `coqc --version`, the pin, and the Debian package where known. */
  readonly coq?: { readonly version: string | null; readonly pinned: string | null; readonly package?: string };
  readonly sandbox?: ValidationSandbox;
  readonly seconds: Readonly<Record<string, number>>;
  readonly errors: readonly string[];
  readonly warnings: readonly string[];
}

const HEX64 = /^[0-9a-f]{64}$/;
const HEX40 = /^[0-9a-f]{40}$/;
const PGP_BLOCK = "-----BEGIN PGP PUBLIC KEY BLOCK-----";
/** principals [options] key-type base64-key [comment] (ssh-keygen(1), ALLOWED SIGNERS), as the script accepts it. */
const ALLOWED_SIGNER = /^\S+\s+(?:\S+\s+)?(?:ssh-ed25519|ssh-rsa|ecdsa-sha2-\S+|sk-\S+)\s+[A-Za-z0-9+/]+=*(?:\s.*)?$/;
/** A Debian package version whose upstream part is Coq's x.y(.z), as the script accepts it. */
export const COQ_PIN = /^(?:\d+:)?(\d+\.\d+(?:\.\d+)?)(?:[+~-][A-Za-z0-9.+~-]*)?$/;

/** An SSH allowed-signers line or an armored OpenPGP public key. */
export function isTrustedSigner(s: string): boolean {
  return s.includes(PGP_BLOCK) || ALLOWED_SIGNER.test(s.trim());
}

/** A Coq qualified identifier, as the script accepts it. */
export const COQ_QUALID = /^[\p{L}_][\p{L}\p{N}_']*(\.[\p{L}_][\p{L}\p{N}_']*)*$/u;
const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Quotes one word for a POSIX shell (`sh`, `bash`, `dash`): the shell reads back exactly `value`. */
export function shellQuote(value: string): string {
  if (value.includes("\0")) {
    throw new Error("shellQuote: a shell word cannot contain a NUL byte");
  }
  if (SAFE_WORD.test(value)) {
    return value;
  }
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** Joins argv into one shell command line, each word quoted. */
export function shellJoin(argv: readonly string[]): string {
  return argv.map(shellQuote).join(" ");
}

/** Every problem with the options at once, each naming its property. */
export function validationOptionProblems(o: ValidationOptions): string[] {
  const problems: string[] = [];
  if (!HEX64.test(o.agentHash)) {
    problems.push(`validation.agentHash (${JSON.stringify(o.agentHash)}) must be 64 lowercase hex digits`);
  }
  if (o.agentScriptDigest !== undefined && !HEX64.test(o.agentScriptDigest)) {
    problems.push(`validation.agentScriptDigest (${JSON.stringify(o.agentScriptDigest)}) must be 64 lowercase hex digits`);
  }
  if ((o.checkout || o.checkoutOnly) && !(o.ref !== undefined && HEX40.test(o.ref))) {
    problems.push(
      `validation.ref (${JSON.stringify(o.ref ?? null)}) must be a full commit id (40 lowercase hex digits) when validation.checkout is set`,
    );
  } else if (o.ref !== undefined && !HEX40.test(o.ref)) {
    problems.push(`validation.ref (${JSON.stringify(o.ref)}) must be a full 40-hex commit id (lowercase)`);
  }
  for (const key of ["repoDir", "stateDir"] as const) {
    if (!o[key].startsWith("/")) {
      problems.push(`validation.${key} (${JSON.stringify(o[key])}) must be an absolute path`);
    }
  }
  if (o.stateDeviceFile !== undefined && !o.stateDeviceFile.startsWith("/")) {
    problems.push(`validation.stateDeviceFile (${JSON.stringify(o.stateDeviceFile)}) must be an absolute path`);
  }
  if (o.footprintTheorem !== undefined && !COQ_QUALID.test(o.footprintTheorem)) {
    problems.push(
      `validation.footprintTheorem (${JSON.stringify(o.footprintTheorem)}) must be a Coq name such as pxl_excluded_middle or A.B.name`,
    );
  }
  for (const [i, axiom] of (o.allowedAxioms ?? []).entries()) {
    if (!COQ_QUALID.test(axiom)) {
      problems.push(`validation.allowedAxioms[${i}] (${JSON.stringify(axiom)}) must be a fully qualified Coq name`);
    }
  }
  for (const [i, signer] of (o.trustedSigners ?? []).entries()) {
    if (!isTrustedSigner(signer)) {
      problems.push(
        `validation.trustedSigners[${i}] (${JSON.stringify(signer.slice(0, 60))}) must be an SSH allowed-signers line (principal key-type key) or an armored OpenPGP public key`,
      );
    }
  }
  if (o.coqVersion !== undefined && !COQ_PIN.test(o.coqVersion)) {
    problems.push(`validation.coqVersion (${JSON.stringify(o.coqVersion)}) must be a coq package version such as 8.18.0+dfsg-1build2`);
  }
  if (o.freeSpaceMarginBytes !== undefined && !(Number.isInteger(o.freeSpaceMarginBytes) && o.freeSpaceMarginBytes >= 0)) {
    problems.push(`validation.freeSpaceMarginBytes (${String(o.freeSpaceMarginBytes)}) must be a whole number of bytes >= 0`);
  }
  for (const [step, seconds] of Object.entries(o.timeouts ?? {})) {
    if (!(typeof seconds === "number" && Number.isFinite(seconds) && seconds > 0)) {
      problems.push(`validation.timeouts.${step} (${String(seconds)}) must be a positive number of seconds`);
    }
  }
  return problems;
}

function timeoutsOf(o: ValidationOptions): ValidationTimeouts {
  return { ...DEFAULT_VALIDATION_TIMEOUTS, ...o.timeouts };
}

/** The script's argv (without interpreter and environment). */
export function validationArgv(o: ValidationOptions): string[] {
  const problems = validationOptionProblems(o);
  if (problems.length > 0) {
    throw new Error(`invalid proof validation options:\n  ${problems.join("\n  ")}`);
  }
  const t = timeoutsOf(o);
  const argv = [o.python ?? "python3", o.scriptPath ?? VALIDATION_SCRIPT_PATH, "--repo-dir", o.repoDir];
  argv.push("--agent-hash", o.agentHash);
  if (o.agentScriptDigest !== undefined) argv.push("--agent-script-digest", o.agentScriptDigest);
  if (o.ref !== undefined) argv.push("--ref", o.ref);
  if (o.checkoutOnly) argv.push("--checkout-only");
  else if (o.checkout) argv.push("--checkout");
  if (o.stateDeviceFile !== undefined) argv.push("--state-device-file", o.stateDeviceFile);
  if (o.nodeName !== undefined) argv.push("--node-name", o.nodeName);
  if (o.archiveCommand !== undefined) argv.push("--archive-command", o.archiveCommand);
  if (o.footprintTheorem !== undefined) argv.push("--theorem", o.footprintTheorem);
  if (o.strictFootprint === false) argv.push("--no-strict-footprint");
  for (const axiom of o.allowedAxioms ?? []) argv.push("--allowed-axiom", axiom);
  if (o.freeSpaceMarginBytes !== undefined) argv.push("--free-space-margin", String(o.freeSpaceMarginBytes));
  for (const signer of o.trustedSigners ?? []) argv.push("--trusted-signer", signer);
  if (o.coqVersion !== undefined) argv.push("--coq-version", o.coqVersion);
  if (o.writeSandbox === false) argv.push("--no-write-sandbox");
  if (o.strictArchive) argv.push("--strict-archive");
  if (o.resultFile !== undefined) argv.push("--result-file", o.resultFile);
  argv.push(
    "--lock-timeout",
    String(t.lock),
    "--lem-timeout",
    String(t.lem),
    "--boot-timeout",
    String(t.boot),
    "--footprint-timeout",
    String(t.footprint),
    "--archive-timeout",
    String(t.archive),
  );
  return argv;
}

/**
 * The exact command line `ProofValidation` runs on a core node (and the e2e
 * tests run through `ssh -J`). `env` sets `LOGOS_STATE_DIR` whatever the
 * login shell is; every value is quoted. With `waitForBoot`, the bounded
 * first-boot wait runs first and the script learns how it ended.
 */
export function buildValidationCommand(o: ValidationOptions): string {
  const run = shellJoin(["env", `LOGOS_STATE_DIR=${o.stateDir}`, ...validationArgv(o)]);
  if (!o.waitForBoot) return run;
  const seconds = timeoutsOf(o).firstBoot;
  return `${waitForBoot(seconds)}${run} --first-boot-seconds "$first_boot_seconds" --first-boot "$first_boot" --first-boot-wait ${seconds}`;
}

/**
 * Blocks until cloud-init has finished, for at most `seconds`, and records
 * how the wait ended in `$first_boot`: `done`, `error` (cloud-init exits 1,
 * or 2 for recoverable errors since 23.4), `timeout` (`timeout` exits 124)
 * or `none` where cloud-init is absent; and in `$first_boot_seconds` how
 * long it took, which the script reports as `seconds["first-boot"]` (the
 * only part of a node's turnaround its own clock does not see). The script
 * fails on `timeout` and warns on `error`; its `state-disk` stage decides
 * whether a failed boot left the node without its disk.
 */
export function waitForBoot(seconds: number): string {
  return (
    "first_boot=none; first_boot_seconds=0; if command -v cloud-init >/dev/null 2>&1; then " +
    `first_boot_started=$(date +%s); timeout ${seconds} cloud-init status --wait >/dev/null 2>&1; ` +
    "case $? in 0) first_boot=done ;; 124) first_boot=timeout ;; *) first_boot=error ;; esac; " +
    "first_boot_seconds=$(( $(date +%s) - first_boot_started )); fi; "
  );
}

/** Sum of the step limits plus slack: the longest a validation can legitimately take. */
export function validationBudgetSeconds(o: ValidationOptions): number {
  const t = timeoutsOf(o);
  return (o.waitForBoot ? t.firstBoot : 0) + t.lock + t.lem + t.boot + t.footprint + t.archive + 120;
}

/** A file for the node's cloud-init `write_files` (structurally the bootstrap's file entry). */
export interface NodeFile {
  readonly path: string;
  readonly content: string;
  readonly permissions: string;
  readonly owner?: string;
}

export interface ValidationUnitOptions extends ValidationOptions {
  /** User the unit runs as: owner of the checkout and the state directory. */
  readonly user: string;
}

export interface ValidationUnit {
  readonly name: string;
  readonly path: string;
  readonly content: string;
  /** Files to add to the burst bootstrap: the script and the unit. */
  readonly files: readonly NodeFile[];
  /**
   * Commands for the bootstrap's run list, after the checkout. `--no-block`
   * matters: the unit is ordered after cloud-final, which is still running
   * these commands.
   */
  readonly commands: readonly (readonly string[])[];
}

/** Quotes one word for a unit file; ExecStart also expands `$`, so it doubles it there. */
function systemdQuote(word: string, exec = false): string {
  let escaped = word.replaceAll("%", "%%");
  if (exec) escaped = escaped.replaceAll("$", () => "$$");
  if (/^[A-Za-z0-9_@+=:,./-]+$/.test(escaped)) {
    return escaped;
  }
  return `"${escaped.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
}

/** Paths in space-separated unit settings (RequiresMountsFor=) cannot be quoted. */
function unitPath(setting: string, value: string): string {
  if (/\s/.test(value)) {
    throw new Error(`${setting} (${JSON.stringify(value)}) must not contain whitespace in a systemd unit`);
  }
  return value.replaceAll("%", "%%");
}

/**
 * The boot-time validation for burst nodes: a oneshot unit that runs the same
 * script after cloud-init has finished (checkout present, state disk mounted)
 * and writes the JSON result to VALIDATION_RESULT_PATH for monitoring.
 */
export function renderValidationUnit(o: ValidationUnitOptions): ValidationUnit {
  const scriptPath = o.scriptPath ?? VALIDATION_SCRIPT_PATH;
  const resultFile = o.resultFile ?? VALIDATION_RESULT_PATH;
  const python = o.python ?? "/usr/bin/python3";
  // An armored OpenPGP key spans lines, which a unit's ExecStart cannot carry: the unit reads the signers from a file.
  const signers = o.trustedSigners ?? [];
  const argv = [
    ...validationArgv({ ...o, trustedSigners: [], scriptPath, resultFile, python }),
    ...(signers.length > 0 ? ["--trusted-signers-file", TRUSTED_SIGNERS_FILE] : []),
  ];
  const resultDir = path.posix.dirname(resultFile);
  const content = [
    "# Rendered by logos-compute: proof-gated workflow validation at boot.",
    "[Unit]",
    "Description=LOGOS proof-gated workflow validation",
    "Wants=network-online.target",
    "After=network-online.target cloud-final.service",
    `RequiresMountsFor=${unitPath("validation.stateDir", o.stateDir)} ${unitPath("validation.repoDir", o.repoDir)}`,
    `ConditionPathExists=${unitPath("validation.scriptPath", scriptPath)}`,
    "",
    "[Service]",
    "Type=oneshot",
    "RemainAfterExit=yes",
    `User=${systemdQuote(o.user)}`,
    `Environment=${systemdQuote(`LOGOS_STATE_DIR=${o.stateDir}`)}`,
    // systemd creates it owned by `user`, so the script can write its result.
    ...(resultDir.startsWith("/var/lib/") ? [`StateDirectory=${systemdQuote(resultDir.slice("/var/lib/".length))}`] : []),
    `ExecStart=${argv.map((word) => systemdQuote(word, true)).join(" ")}`,
    `TimeoutStartSec=${validationBudgetSeconds(o)}`,
    "StandardOutput=journal",
    "StandardError=journal",
    "",
    "[Install]",
    "WantedBy=cloud-init.target",
    "",
  ].join("\n");
  const unitFile = `/etc/systemd/system/${VALIDATION_UNIT_NAME}`;
  return {
    name: VALIDATION_UNIT_NAME,
    path: unitFile,
    content,
    files: [
      { path: scriptPath, content: readFileSync(VALIDATION_SCRIPT_SOURCE, "utf8"), permissions: "0755" },
      { path: unitFile, content, permissions: "0644" },
      ...(signers.length > 0
        ? [{ path: TRUSTED_SIGNERS_FILE, content: `${JSON.stringify(signers, null, 2)}\n`, permissions: "0644" }]
        : []),
    ],
    commands: [
      ["systemctl", "daemon-reload"],
      ["systemctl", "enable", VALIDATION_UNIT_NAME],
      ["systemctl", "start", "--no-block", VALIDATION_UNIT_NAME],
    ],
  };
}

/** SHA-256 (hex) of the validation script as it will be shipped. */
export function scriptDigest(): string {
  return createHash("sha256").update(readFileSync(VALIDATION_SCRIPT_SOURCE)).digest("hex");
}

const STAGE_SET: ReadonlySet<string> = new Set<string>(["complete", ...VALIDATION_STAGES]);

/**
 * The typed result from the script's stdout: the last non-empty line must be
 * the JSON object. Throws with the reason and the end of the output otherwise.
 */
export function parseValidationResult(stdout: string): ValidationResult {
  const lines = stdout.split(/\r?\n/).filter((line) => line.trim() !== "");
  const last = lines.at(-1);
  const shown = (s: string) => (s.length > 200 ? `${s.slice(0, 200)}…` : s);
  if (last === undefined) {
    throw new Error("proof validation printed no result: expected a JSON line last on stdout, found empty output");
  }
  let value: unknown;
  try {
    value = JSON.parse(last);
  } catch {
    throw new Error(`proof validation result: expected a JSON line last on stdout, found ${JSON.stringify(shown(last))}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error(`proof validation result: expected a JSON object, found ${JSON.stringify(shown(last))}`);
  }
  const r = value as Record<string, unknown>;
  const problems: string[] = [];
  if (r["status"] !== "pass" && r["status"] !== "fail") problems.push(`status (${JSON.stringify(r["status"])}) must be "pass" or "fail"`);
  if (typeof r["stage"] !== "string" || !STAGE_SET.has(r["stage"]))
    problems.push(`stage (${JSON.stringify(r["stage"])}) must be a known stage`);
  if (typeof r["exitCode"] !== "number") problems.push("exitCode must be a number");
  if (typeof r["node"] !== "string") problems.push("node must be a string");
  if (typeof r["agentHash"] !== "string") problems.push("agentHash must be a string");
  if (!Array.isArray(r["errors"])) problems.push("errors must be an array");
  if (typeof r["seconds"] !== "object" || r["seconds"] === null) problems.push("seconds must be an object");
  if ((r["status"] === "pass") !== (r["stage"] === "complete")) problems.push("status pass must go with stage complete");
  if (problems.length > 0) {
    throw new Error(`proof validation result is malformed: ${problems.join("; ")}`);
  }
  return value as ValidationResult;
}

/** One line naming node and stage, for deployment errors and summaries. */
export function describeValidation(r: ValidationResult): string {
  if (r.status === "pass") {
    return `node ${r.node}: proof validation passed (audit ${r.auditEntriesBefore} -> ${r.auditEntriesAfter} entries)`;
  }
  return `node ${r.node}: proof validation failed at stage ${r.stage} (exit ${r.exitCode}): ${r.errors[0] ?? "no message"}`;
}

/**
 * What the component does with the remote command's stdout: the parsed
 * result when it is a pass, otherwise an error naming node and stage. (The
 * script exits non-zero on failure, so the command itself already fails; this
 * also catches a zero exit with a failing or missing result.)
 */
export function acceptValidationOutput(nodeName: string, stdout: string): ValidationResult {
  let parsed: ValidationResult;
  try {
    parsed = parseValidationResult(stdout);
  } catch (e) {
    throw new Error(`node ${nodeName}: ${(e as Error).message}`, { cause: e });
  }
  if (parsed.status !== "pass") {
    throw new Error(describeValidation(parsed));
  }
  return parsed;
}
