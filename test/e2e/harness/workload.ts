/**
 * Node checkouts of the workload fixture for the e2e tests and the bench: a
 * temporary copy made into a git repository (so HEAD is a real commit), an
 * optional fault variant committed on top, and a state directory seeded with
 * an earlier audit history.
 */
import { createHash } from "node:crypto";
import { copyFileSync, cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import * as path from "node:path";

import { VALIDATION_SCRIPT_SOURCE, type ValidationOptions } from "../../../infra/node/validation";

export const FIXTURE_DIR = path.resolve(__dirname, "../../fixtures/workload");
export const AGENT_HASH = "a09d35345ad8dcee4d56ecf49eada0a7425ff6082353002e4473a6d582e85bda";
export const AGENT_SCRIPT = "scripts/boot_aligned_agent.py";
export const AUDIT_LOG = "alignment_LOGOS-AGENT-OMEGA.json";
/** Every statement of the gated theorem in the fixture: nested in a module, and re-stated at top level. */
export const FIXTURE_THEOREMS = ["PXL.PXL_Internal_LEM.PXL_Internal_LEM.pxl_excluded_middle", "PXL.PXL_LEM_Discharge.pxl_excluded_middle"];
/** Their axioms, fully qualified: what an operator pins as `allowedAxioms` for the fixture. */
export const FIXTURE_AXIOMS = ["PXL.PXL_Axioms.grounded_decides", "PXL.PXL_Internal_LEM.PXL_Internal_LEM.grounding_witness"];
export const INTERNAL_LEM = "Protopraxis/formal_verification/coq/baseline/PXL_Internal_LEM.v";

const BUILD_PRODUCT = /^(CoqMakefile.*|\.CoqMakefile\.d|.*\.(vo|vok|vos|glob|aux)|\.lia\.cache|\.nia\.cache|state|__pycache__)$/;

export interface Checkout {
  readonly repoDir: string;
  readonly stateDir: string;
  readonly auditLog: string;
  /** HEAD after the variant was committed. */
  readonly ref: string;
  /** The commit before the variant (equal to `ref` without one). */
  readonly baseRef: string;
  /** SHA-256 of scripts/boot_aligned_agent.py as checked out. */
  readonly agentScriptDigest: string;
}

function git(cwd: string, ...args: string[]): string {
  const done = spawnSync(
    "git",
    ["-c", "user.name=logos-e2e", "-c", "user.email=e2e@logos.invalid", "-c", "commit.gpgsign=false", ...args],
    {
      cwd,
      encoding: "utf8",
      timeout: 30_000,
    },
  );
  if (done.status !== 0) throw new Error(`git ${args.join(" ")} in ${cwd} failed: ${done.stderr}`);
  return done.stdout.trim();
}

export function sha256(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

/** Replaces `from` with `to` in a checkout file; throws when `from` is absent, so a drifted fixture fails loudly. */
export function patchFile(repoDir: string, file: string, from: string, to: string): void {
  const full = path.join(repoDir, file);
  const text = readFileSync(full, "utf8");
  if (!text.includes(from)) throw new Error(`variant patch: ${JSON.stringify(from)} not found in ${file}`);
  writeFileSync(full, text.replace(from, to));
}

/** An earlier audit history in the format the boot script writes. */
export function seededHistory(count: number): string {
  const entries = Array.from({ length: count }, (_, i) => ({
    agent_id: "LOGOS-AGENT-OMEGA",
    agent_hash: AGENT_HASH,
    verified_at: `2026-01-0${i + 1}T00:00:00+00:00`,
    rebuild_success: true,
    lem_assumptions: [],
    admitted_stubs: [],
    coq_theorem_index: { pxl_excluded_middle: "PXL_Internal_LEM.v" },
    coq_theorem_index_failed: false,
    provenance_error: null,
  }));
  return `${JSON.stringify(entries, null, 2)}\n`;
}

export function makeCheckout(
  root: string,
  name: string,
  o: { variant?: (repoDir: string) => void; audit?: string | null; stateDir?: string } = {},
): Checkout {
  const base = path.join(root, name);
  const repoDir = path.join(base, "repo");
  const stateDir = o.stateDir ?? path.join(base, "state");
  mkdirSync(base, { recursive: true });
  cpSync(FIXTURE_DIR, repoDir, { recursive: true, filter: (src) => !BUILD_PRODUCT.test(path.basename(src)) });
  git(repoDir, "init", "-q");
  git(repoDir, "add", "-A");
  git(repoDir, "commit", "-q", "-m", "workload fixture");
  const baseRef = git(repoDir, "rev-parse", "HEAD");
  if (o.variant) {
    o.variant(repoDir);
    git(repoDir, "add", "-A");
    git(repoDir, "commit", "-q", "--allow-empty", "-m", `fault variant: ${name}`);
  }
  mkdirSync(stateDir, { recursive: true });
  const auditLog = path.join(stateDir, AUDIT_LOG);
  const audit = o.audit === undefined ? seededHistory(2) : o.audit;
  if (audit !== null) writeFileSync(auditLog, audit);
  return {
    repoDir,
    stateDir,
    auditLog,
    ref: git(repoDir, "rev-parse", "HEAD"),
    baseRef,
    agentScriptDigest: sha256(readFileSync(path.join(repoDir, AGENT_SCRIPT))),
  };
}

/** Stands in for CopyToRemote: the script at its own path on the "node". */
export function installScript(root: string): string {
  const target = path.join(root, "bin", "validate_proof.py");
  mkdirSync(path.dirname(target), { recursive: true });
  copyFileSync(VALIDATION_SCRIPT_SOURCE, target);
  return target;
}

/** Options as the component would pass them, with short limits for tests. */
export function optionsFor(c: Checkout, scriptPath: string, extra: Partial<ValidationOptions> = {}): ValidationOptions {
  return {
    repoDir: c.repoDir,
    stateDir: c.stateDir,
    agentHash: AGENT_HASH,
    agentScriptDigest: c.agentScriptDigest,
    ref: c.ref,
    nodeName: "e2e-node",
    scriptPath,
    timeouts: { firstBoot: 30, lock: 300, lem: 180, boot: 180, footprint: 60, archive: 30 },
    allowedAxioms: FIXTURE_AXIOMS,
    // As ProofValidation runs it: the boot wait is part of the exact command.
    waitForBoot: true,
    ...extra,
  };
}
