#!/usr/bin/env python3
"""Validate the proof-gated LOGOS workflow on this node.

One source, shipped to every node: run by the `ProofValidation` component over
SSH after `pulumi up`, and by a systemd oneshot unit at boot on burst nodes.
Standard library only; Python >= 3.11. One file on purpose, long as it is:
`CopyToRemote` and cloud-init ship it alone, pinned by its digest.

Steps, in order (the first failing step decides the stage and exit code):

0. first-boot  --first-boot says how the wait for the node's first boot
               (cloud-init) ended: `timeout` fails here, `error` is a loud
               warning (the stages below check what the validation needs).
1. state-disk  (--state-device-file) the state directory is the mount point of
               the device the node's bootstrap named; otherwise nothing runs,
               so a missing disk never yields a fresh, empty history.
2. lock        exclusive flock on the checkout and on the state directory (in
               a fixed order): two validations that share either never
               interleave.
   checkout    (with --checkout) under the lock and BEFORE the guards: fetch the
               pinned --ref from `origin` when the clone lacks it, check it out
               detached (--force: the tree becomes exactly that commit), and
               verify HEAD. This is how a new pinned commit rolls out to a
               running core node; a ref the remote does not have fails here,
               with the checkout and the audit log untouched.
3. guard       `EXPECTED_AGENT_HASH` in scripts/boot_aligned_agent.py equals
               --agent-hash; the file's SHA-256 equals --agent-script-digest
               (when given); `git HEAD` equals --ref (a full 40-hex commit,
               when given); with --trusted-signer(s), `git verify-commit`
               accepts HEAD's signature by one of them (SSH allowed-signers
               lines or OpenPGP public keys); with --coq-version, `coqc
               --version` (and the Debian package, where dpkg knows it) is
               that version. Nothing runs when any of them diverges.
4. snapshot    the audit log state/alignment_LOGOS-AGENT-OMEGA.json (under
               $LOGOS_STATE_DIR when set): entry count, bytes, per-entry digest.
               A JSON array, or a single object (which the workload itself
               treats as a one-entry history). Anything else stops here,
               before the workload could replace it with a fresh list.
5. space       enough free space on the state disk for a copy of the log, the
               workload's rewrite and a margin; then the copy
               (<log>.history-<UTC stamp>.json) is written and fsynced BEFORE
               the workload runs. It is removed again when the run leaves the
               earlier entries intact, and kept (and named) otherwise.
   sandbox     (--write-sandbox, the default) the two workload commands run
               under Landlock: writes only beneath the state dir, the checkout
               and a private temp dir (TMPDIR), and to /dev/null.
6. lem         `python3 test_lem_discharge.py`: exit 0, and the lines
               `Overall status: PASS` and `<none>` on stdout.
7. boot        `python3 scripts/boot_aligned_agent.py`: exit 0 and
               `Current status: ALIGNED` on stdout.
8. audit       the earlier entries are an unchanged prefix of the new array and
               exactly one entry was added (none when boot did not run).
9. footprint   the gated theorem (--theorem, a name or a qualified name) is
               located with `coqc` among the compiled files of _CoqProject,
               however it is nested in modules and sections; `Print
               Assumptions` of each fully qualified match gives the axioms,
               reported fully qualified. Any axiom outside --allowed-axiom
               fails the node; --no-strict-footprint turns that into a loud
               warning. (The workflow's own `<none>` comes from a
               `coqtop -batch` transcript that is always empty.)
10. archive    optional --archive-command (run by /bin/sh with LOGOS_AUDIT_LOG,
               LOGOS_AUDIT_HISTORY, LOGOS_VALIDATION_STATUS and LOGOS_NODE in
               the environment); a failed upload is reported as a warning, and
               gates only with --strict-archive.

The last line on stdout is exactly one JSON object:
  {status, stage, exitCode, node, agentHash, fileDigest, ref,
   auditEntriesBefore, auditEntriesAfter, auditLog, historyFile, footprint,
   archive, seconds: {...}, errors: [...], warnings: [...]}
`stage` is "complete" on success, otherwise the failed stage. Progress, every
warning and a final human-readable line go to stderr. --result-file also
writes the JSON atomically to a file (used by the boot unit for monitoring).

Exit codes (one per failed stage):
   0  complete           every gate passed
   2  usage              bad flags, or the repository/scripts are missing
   5  first-boot         the node's first boot had not finished within the wait
  11  guard-agent-hash   EXPECTED_AGENT_HASH differs from --agent-hash
  12  guard-file-digest  SHA-256 of boot_aligned_agent.py differs from the pin
  13  guard-ref          git HEAD differs from --ref (or cannot be read)
  14  guard-signature    HEAD is not signed by a trusted signer
  15  guard-coq          coqc (or the coq package) is not the pinned version
  16  state-disk         the state directory is not the mounted state disk
  17  sandbox            the write sandbox (Landlock) could not be set up
  20  lock               lock not acquired within --lock-timeout
  25  checkout           (--checkout) the pinned commit could not be fetched or checked out
  30  snapshot           audit log unreadable / not JSON before the run
  35  space              too little free space for the copy and the rewrite
  40  lem                test_lem_discharge.py failed, timed out or lacked a marker
  50  boot               boot_aligned_agent.py failed, timed out or not ALIGNED
  60  audit              audit log not append-only, or not exactly one new entry
  70  footprint          axioms outside the allowed list, or the check failed
  80  archive            (--strict-archive) the archive upload failed
  99  internal           unexpected error in the validator itself
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import datetime
import errno
import fcntl
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import stat
import struct
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, NoReturn

RESULT_VERSION = 1
AGENT_SCRIPT = Path("scripts") / "boot_aligned_agent.py"
LEM_SCRIPT = Path("test_lem_discharge.py")
AUDIT_LOG_NAME = "alignment_LOGOS-AGENT-OMEGA.json"
DEFAULT_THEOREM = "pxl_excluded_middle"
LEM_MARKERS = ("Overall status: PASS", "<none>")
BOOT_MARKER = "Current status: ALIGNED"
TAIL_LINES = 12
# Room for the workload's rewrite beyond the log's current size (its new entry).
REWRITE_SLACK_BYTES = 64 * 1024
DEFAULT_FREE_SPACE_MARGIN = 1024 * 1024
FIRST_BOOT_LOG = "/var/log/cloud-init-output.log"

EXIT_CODES: dict[str, int] = {
    "complete": 0,
    "usage": 2,
    "first-boot": 5,
    "guard-agent-hash": 11,
    "guard-file-digest": 12,
    "guard-ref": 13,
    "guard-signature": 14,
    "guard-coq": 15,
    "state-disk": 16,
    "sandbox": 17,
    "lock": 20,
    "checkout": 25,
    "snapshot": 30,
    "space": 35,
    "lem": 40,
    "boot": 50,
    "audit": 60,
    "footprint": 70,
    "archive": 80,
    "internal": 99,
}

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_HEX40 = re.compile(r"^[0-9a-f]{40}$")
_PGP_BLOCK = "-----BEGIN PGP PUBLIC KEY BLOCK-----"
# principals [options] key-type base64-key [comment] (ssh-keygen(1), ALLOWED SIGNERS)
_ALLOWED_SIGNER = re.compile(r"^\S+\s+(?:\S+\s+)?(?:ssh-ed25519|ssh-rsa|ecdsa-sha2-\S+|sk-\S+)\s+[A-Za-z0-9+/]+=*(?:\s.*)?$")
# A Debian package version whose upstream part starts with Coq's x.y(.z).
_COQ_PIN = re.compile(r"^(?:\d+:)?(\d+\.\d+(?:\.\d+)?)(?:[+~-][A-Za-z0-9.+~-]*)?$")
# A Coq qualified identifier: dot-separated idents (letters, digits, _ and ').
_QUALID = re.compile(r"^[^\W\d][\w']*(?:\.[^\W\d][\w']*)*$")


class StageFailure(Exception):
    """A gate failed; `stage` names it, the message says expected vs found."""

    def __init__(self, stage: str, message: str) -> None:
        super().__init__(message)
        self.stage = stage


@dataclass
class Report:
    node: str
    agent_hash: str
    status: str = "fail"
    stage: str = "internal"
    file_digest: str | None = None
    ref: str | None = None
    audit_before: int | None = None
    audit_after: int | None = None
    audit_log: str | None = None
    history_file: str | None = None
    footprint: dict[str, Any] = field(default_factory=lambda: {"status": "skipped"})
    archive: dict[str, Any] = field(default_factory=lambda: {"status": "skipped"})
    checkout: dict[str, Any] = field(default_factory=lambda: {"status": "skipped"})
    signature: dict[str, Any] = field(default_factory=lambda: {"status": "skipped"})
    coq: dict[str, Any] = field(default_factory=lambda: {"version": None, "pinned": None})
    sandbox: dict[str, Any] = field(default_factory=lambda: {"status": "off"})
    seconds: dict[str, float] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    first_failed: str | None = None
    current: str = "usage"  # the step running now; names the stage of an interruption

    def fail(self, stage: str, message: str) -> None:
        if self.first_failed is None:
            self.first_failed = stage
        self.errors.append(f"{stage}: {message}")
        log(f"FAIL {stage}: {message}")

    def warn(self, stage: str, message: str) -> None:
        """A problem that does not gate: recorded in the result and printed, never silent."""
        self.warnings.append(f"{stage}: {message}")
        log(f"WARNING {stage}: {message}")

    def to_json(self) -> dict[str, Any]:
        return {
            "version": RESULT_VERSION,
            "status": self.status,
            "stage": self.stage,
            "exitCode": EXIT_CODES[self.stage],
            "node": self.node,
            "agentHash": self.agent_hash,
            "fileDigest": self.file_digest,
            "ref": self.ref,
            "auditEntriesBefore": self.audit_before,
            "auditEntriesAfter": self.audit_after,
            "auditLog": self.audit_log,
            "historyFile": self.history_file,
            "footprint": self.footprint,
            "archive": self.archive,
            "checkout": self.checkout,
            "signature": self.signature,
            "coq": self.coq,
            "sandbox": self.sandbox,
            "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
            "errors": self.errors,
            "warnings": self.warnings,
        }


def log(message: str) -> None:
    # A vanished SSH client must not abort a run that holds the lock mid-way.
    try:
        print(f"[validate_proof] {message}", file=sys.stderr, flush=True)
    except OSError:
        pass


class Interrupted(Exception):
    """SIGTERM/SIGINT/SIGHUP arrived; the running step's process group was killed."""


_active_group: int | None = None


def _on_signal(signum: int, _frame: object) -> None:
    if _active_group is not None:
        _kill_group(_active_group, signal.SIGKILL)
    raise Interrupted(f"expected to run to completion, found signal {signal.Signals(signum).name}")


# --------------------------------------------------------------------------
# Arguments


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise StageFailure("usage", message)


def _timeout(value: str) -> float:
    seconds = float(value)
    if not seconds > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, found {value!r}")
    return seconds


def _bytes(value: str) -> int:
    count = int(value)
    if count < 0:
        raise argparse.ArgumentTypeError(f"expected a number of bytes >= 0, found {value!r}")
    return count


FIRST_BOOT_STATES = ("done", "error", "timeout", "none")


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = _Parser(prog="validate_proof.py", description="Validate the proof-gated LOGOS workflow on this node.")
    p.add_argument("--repo-dir", required=True, help="checkout of the workload repository")
    p.add_argument("--agent-hash", required=True, help="pinned EXPECTED_AGENT_HASH (64 hex digits)")
    p.add_argument("--agent-script-digest", help="pinned SHA-256 of scripts/boot_aligned_agent.py")
    p.add_argument("--ref", help="pinned commit (full 40-hex id) that HEAD must equal")
    p.add_argument("--state-dir", help="audit state directory (default: $LOGOS_STATE_DIR, else <repo>/state)")
    p.add_argument(
        "--state-device-file",
        help="file naming the state disk's device; the state dir must be its mount point (core nodes)",
    )
    p.add_argument("--first-boot", choices=FIRST_BOOT_STATES, default="none", help="how the wait for cloud-init ended")
    p.add_argument("--first-boot-wait", type=_timeout, help="seconds the first-boot wait was allowed (for messages)")
    p.add_argument("--first-boot-seconds", type=float, help="seconds the first-boot wait took (reported as seconds.first-boot)")
    p.add_argument("--archive-command", help="shell command that uploads $LOGOS_AUDIT_LOG")
    p.add_argument("--node-name", default=socket.gethostname(), help="node name used in messages")
    p.add_argument("--theorem", default=DEFAULT_THEOREM, help="gated theorem: a name or a (fully) qualified name")
    p.add_argument("--allowed-axiom", action="append", default=[], help="fully qualified axiom the theorem may use")
    p.add_argument(
        "--strict-footprint",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="axioms outside --allowed-axiom fail the node (default); --no-strict-footprint only warns",
    )
    p.add_argument("--strict-archive", action="store_true", help="make a failed archive upload gate")
    p.add_argument("--free-space-margin", type=_bytes, default=DEFAULT_FREE_SPACE_MARGIN, help="bytes kept free")
    p.add_argument("--python", default=sys.executable, help="interpreter for the workload scripts")
    p.add_argument("--result-file", help="also write the JSON result to this file")
    p.add_argument("--lock-timeout", type=_timeout, default=900.0)
    p.add_argument("--lem-timeout", type=_timeout, default=900.0)
    p.add_argument("--boot-timeout", type=_timeout, default=900.0)
    p.add_argument("--footprint-timeout", type=_timeout, default=300.0)
    p.add_argument("--archive-timeout", type=_timeout, default=300.0)
    p.add_argument("--git-timeout", type=_timeout, default=30.0)
    p.add_argument(
        "--checkout",
        action="store_true",
        help="under the lock, fetch and check out --ref (40 hex) before the guards",
    )
    p.add_argument(
        "--checkout-only",
        action="store_true",
        help="like --checkout, then stop: bring the node to --ref without running the workload",
    )
    p.add_argument("--fetch-timeout", type=_timeout, default=300.0)
    p.add_argument(
        "--trusted-signer",
        action="append",
        default=[],
        help="SSH allowed-signers line or armored OpenPGP public key; HEAD must carry a signature by one of them",
    )
    p.add_argument("--trusted-signers-file", help="JSON array of trusted signers (as --trusted-signer), for the boot unit")
    p.add_argument("--coq-version", help="pinned coq package version (e.g. 8.18.0+dfsg-1build2); coqc must report it")
    p.add_argument(
        "--write-sandbox",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="confine the workload's writes to the state dir, the checkout and a private temp dir (Landlock; default)",
    )
    return p.parse_args(argv)


def check_args(args: argparse.Namespace) -> None:
    """Every problem with the parsed flags at once (after the node name is known)."""
    problems: list[str] = []
    for flag, attr in (("--agent-hash", "agent_hash"), ("--agent-script-digest", "agent_script_digest")):
        given = getattr(args, attr)
        if given is not None:
            if not _HEX64.match(given.lower()):
                problems.append(f"{flag}: expected 64 hex digits, found {given!r}")
            setattr(args, attr, given.lower())
    if args.ref is not None:
        # A name (HEAD, a branch, a tag) or a short id can move or become
        # ambiguous; only a full commit id pins what every node runs.
        if not _HEX40.match(args.ref.lower()):
            problems.append(f"--ref: expected a full 40-hex commit id, found {args.ref!r}")
        args.ref = args.ref.lower()
    if not _QUALID.match(args.theorem):
        problems.append(f"--theorem: expected a Coq name such as pxl_excluded_middle or A.B.name, found {args.theorem!r}")
    for axiom in args.allowed_axiom:
        if not _QUALID.match(axiom):
            problems.append(f"--allowed-axiom: expected a fully qualified Coq name, found {axiom!r}")
    if args.trusted_signers_file:
        try:
            listed = json.loads(Path(args.trusted_signers_file).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            problems.append(f"--trusted-signers-file: expected a readable JSON array, found {exc}")
        else:
            if isinstance(listed, list) and all(isinstance(s, str) for s in listed):
                args.trusted_signer = [*args.trusted_signer, *listed]
            else:
                problems.append("--trusted-signers-file: expected a JSON array of strings")
    for signer in args.trusted_signer:
        if not (_PGP_BLOCK in signer or _ALLOWED_SIGNER.match(signer.strip())):
            problems.append(
                f"--trusted-signer: expected an SSH allowed-signers line (principal key-type key) or an armored OpenPGP "
                f"public key, found {signer.strip()[:60]!r}"
            )
    if args.coq_version is not None and not _COQ_PIN.match(args.coq_version):
        problems.append(f"--coq-version: expected a package version such as 8.18.0+dfsg-1build2, found {args.coq_version!r}")
    if problems:
        raise StageFailure("usage", "; ".join(problems))


# --------------------------------------------------------------------------
# Child processes


@dataclass
class Finished:
    argv: list[str]
    returncode: int | None  # None: killed after the timeout
    stdout: str
    stderr: str
    seconds: float


def run_bounded(
    argv: list[str], *, cwd: Path, env: dict[str, str], timeout: float, sandbox: WriteSandbox | None = None
) -> Finished:
    """Run argv in its own process group (inside `sandbox` when given); on timeout the whole group is killed."""
    started = time.monotonic()
    global _active_group
    proc = subprocess.Popen(
        argv,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
        start_new_session=True,
        # Runs in the child before exec, while the ruleset's fd is still open there.
        preexec_fn=sandbox.enter if sandbox is not None else None,
    )
    _active_group = proc.pid
    try:
        out, err = proc.communicate(timeout=timeout)
        code: int | None = proc.returncode
    except subprocess.TimeoutExpired:
        _kill_group(proc.pid, signal.SIGTERM)
        try:
            out, err = proc.communicate(timeout=5)
        except subprocess.TimeoutExpired:
            _kill_group(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
        code = None
    _kill_group(proc.pid, signal.SIGKILL)  # stragglers left by a finished leader
    _active_group = None
    return Finished(argv, code, out or "", err or "", time.monotonic() - started)


def _kill_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def tail(text: str, lines: int = TAIL_LINES) -> str:
    kept = [line for line in text.strip().splitlines() if line.strip()][-lines:]
    return " | ".join(kept) if kept else "<no output>"


def describe_exit(done: Finished, timeout: float) -> str | None:
    """None when exit 0, else 'expected exit 0, found ...'."""
    if done.returncode is None:
        return f"expected exit 0 within {timeout:g}s, found no exit: timed out after {timeout:g}s and was killed"
    if done.returncode != 0:
        return f"expected exit 0, found exit {done.returncode}"
    return None


# --------------------------------------------------------------------------
# Steps


def declared_agent_hash(source: str, filename: str) -> str:
    """The single literal module-level EXPECTED_AGENT_HASH assignment."""
    try:
        tree = ast.parse(source, filename=filename)
    except SyntaxError as exc:
        raise StageFailure("guard-agent-hash", f"expected {filename} to parse as Python, found {exc}") from exc
    values: list[object] = []
    for node in tree.body:
        targets: list[ast.expr] = []
        value: ast.expr | None = None
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign):
            targets, value = [node.target], node.value
        for target in targets:
            if isinstance(target, ast.Name) and target.id == "EXPECTED_AGENT_HASH":
                values.append(value.value if isinstance(value, ast.Constant) else None)
    if len(values) != 1 or not isinstance(values[0], str):
        raise StageFailure(
            "guard-agent-hash",
            f"expected exactly one literal string EXPECTED_AGENT_HASH in {filename}, found {len(values)} assignment(s)"
            + ("" if all(isinstance(v, str) for v in values) else ", not all string literals"),
        )
    return values[0].lower()


def guard(args: argparse.Namespace, repo: Path, report: Report, env: dict[str, str]) -> None:
    agent_script = repo / AGENT_SCRIPT
    source_bytes = agent_script.read_bytes()
    report.file_digest = hashlib.sha256(source_bytes).hexdigest()
    declared = declared_agent_hash(source_bytes.decode("utf-8", errors="replace"), str(AGENT_SCRIPT))
    if declared != args.agent_hash:
        raise StageFailure(
            "guard-agent-hash",
            f"expected EXPECTED_AGENT_HASH {args.agent_hash} in {AGENT_SCRIPT}, found {declared}",
        )
    if args.agent_script_digest is not None and report.file_digest != args.agent_script_digest:
        raise StageFailure(
            "guard-file-digest",
            f"expected SHA-256 {args.agent_script_digest} of {AGENT_SCRIPT}, found {report.file_digest}",
        )
    if args.ref is None:
        # Nothing pinned: HEAD is reported when it can be read, never gated on.
        try:
            report.ref = git_rev(repo, "HEAD", env, args.git_timeout)
        except StageFailure as exc:
            report.warn("ref", str(exc))
        return
    head = git_rev(repo, "HEAD", env, args.git_timeout)
    report.ref = head
    if head != args.ref:
        raise StageFailure("guard-ref", f"expected HEAD at pinned ref {args.ref}, found {head}")


def git_rev(repo: Path, rev: str, env: dict[str, str], timeout: float) -> str:
    if shutil.which("git", path=env.get("PATH")) is None:
        raise StageFailure("guard-ref", "expected `git` on PATH to read HEAD, found none")
    done = run_bounded(
        ["git", "-c", f"safe.directory={repo}", "-C", str(repo), "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"],
        cwd=repo,
        env=env,
        timeout=timeout,
    )
    if done.returncode != 0 or not done.stdout.strip():
        raise StageFailure("guard-ref", f"expected `{rev}` to name a commit in {repo}, found {tail(done.stderr) if done.stderr else 'nothing'}")
    return done.stdout.strip()


_SIGNATURE_FOUND = {
    "N": "no signature",
    "B": "a BAD signature (the commit does not match it)",
    "U": "a good signature by a key no trusted signer holds",
    "E": "a signature that cannot be checked against the trusted signers (unknown key)",
    "X": "a good signature that has expired",
    "Y": "a good signature by an expired key",
    "R": "a good signature by a revoked key",
}


def verify_signature(args: argparse.Namespace, repo: Path, env: dict[str, str], report: Report) -> None:
    """HEAD (== the pin, after guard-ref) must be signed by one of the trusted
    signers. The verification material exists only for this check: an
    allowed-signers file for SSH signatures (git's gpg.ssh.allowedSignersFile)
    and a private GnuPG home, trusting exactly the given keys, for OpenPGP."""
    signers = [s.strip() for s in args.trusted_signer]
    if not signers:
        return
    ssh_lines = [s for s in signers if _PGP_BLOCK not in s]
    pgp_keys = [s for s in signers if _PGP_BLOCK in s]
    trusted = ", ".join([*(line.split()[0] for line in ssh_lines), *([f"{len(pgp_keys)} OpenPGP key(s)"] if pgp_keys else [])])
    report.signature = {"status": "failed", "trusted": trusted}
    with tempfile.TemporaryDirectory(prefix="logos-signers-") as scratch_dir:
        scratch = Path(scratch_dir)
        allowed = scratch / "allowed_signers"
        allowed.write_text("".join(f"{line}\n" for line in ssh_lines), encoding="utf-8")
        # A keyring of exactly the given keys (often none): the node user's own never counts, and
        # any key in this one signing is what "trusted" means here.
        home = scratch / "gnupg"
        home.mkdir(mode=0o700)
        (home / "gpg.conf").write_text("trust-model always\n", encoding="utf-8")
        genv = {**env, "GNUPGHOME": str(home)}
        if pgp_keys:
            if shutil.which("gpg", path=env.get("PATH")) is None:
                raise StageFailure("guard-signature", "expected `gpg` on PATH to check OpenPGP signatures, found none")
            for i, key in enumerate(pgp_keys):
                key_file = scratch / f"key-{i}.asc"
                key_file.write_text(key + "\n", encoding="utf-8")
                done = run_bounded(["gpg", "--batch", "--quiet", "--import", str(key_file)], cwd=scratch, env=genv, timeout=args.git_timeout)
                if done.returncode != 0:
                    raise StageFailure("guard-signature", f"expected OpenPGP key {i + 1} of trustedSigners to import, found {tail(done.stderr, 3)}")
        config = ["-c", f"gpg.ssh.allowedSignersFile={allowed}"]
        shown = _git(repo, [*config, "log", "-1", "--format=%G?%x1f%GS%x1f%GK", "HEAD"], genv, args.git_timeout)
        verdict, signer, key = (shown.stdout.strip("\n").split("\x1f") + ["", "", ""])[:3]
        checked = _git(repo, [*config, "verify-commit", "HEAD"], genv, args.git_timeout)
    who = signer or (f"key {key}" if key else "")
    if verdict == "G" and checked.returncode == 0:
        report.signature = {"status": "verified", "signer": signer, "key": key, "trusted": trusted}
        log(f"guard: HEAD signed by {signer} ({key})")
        return
    found = _SIGNATURE_FOUND.get(verdict, f"a signature git rejects ({tail(checked.stderr, 2)})")
    if who and verdict != "N":
        found += f" from {who}"
    report.signature.update(signer=signer or None, key=key or None)
    raise StageFailure("guard-signature", f"expected commit {report.ref} signed by a trusted signer ({trusted}), found {found}")


def check_coq(args: argparse.Namespace, env: dict[str, str], report: Report) -> None:
    """The Coq that will build the proof is the pinned one: `coqc --version`
    reports the pin's upstream version and, where dpkg knows the package,
    the installed `coq` is exactly the pinned package version."""
    report.coq = {"version": None, "pinned": args.coq_version}
    if shutil.which("coqc", path=env.get("PATH")) is None:
        if args.coq_version:
            raise StageFailure("guard-coq", f"expected coqc {args.coq_version} on PATH, found no coqc")
        return
    done = run_bounded(["coqc", "--version"], cwd=Path("/"), env=env, timeout=args.git_timeout)
    match = re.search(r"version\s+(\S+)", done.stdout)
    report.coq["version"] = match.group(1) if match else None
    if not args.coq_version:
        return
    wanted = _COQ_PIN.match(args.coq_version)
    upstream = wanted.group(1) if wanted else args.coq_version
    if report.coq["version"] != upstream:
        raise StageFailure(
            "guard-coq",
            f"expected coqc {upstream} (coqVersion {args.coq_version}), found {report.coq['version'] or 'no version'}"
            f" (`coqc --version`: {(done.stdout.strip().splitlines() or ['no output'])[0]})",
        )
    if shutil.which("dpkg-query", path=env.get("PATH")):
        package = run_bounded(["dpkg-query", "-W", "-f=${Version}", "coq"], cwd=Path("/"), env=env, timeout=args.git_timeout)
        if package.returncode == 0 and package.stdout.strip():
            report.coq["package"] = package.stdout.strip()
            if report.coq["package"] != args.coq_version:
                raise StageFailure(
                    "guard-coq", f"expected the coq package at {args.coq_version}, found {report.coq['package']} (dpkg-query -W coq)"
                )


class WriteSandbox:
    """Confines a workload command's writes with Landlock (Linux >= 5.13).

    Landlock is an unprivileged LSM the Ubuntu 24.04 kernel enables: a process
    restricts itself and its children, no namespaces, no root, no AppArmor
    profile (which unprivileged bubblewrap needs on 24.04). Only write-type
    rights are handled, so reading and executing stay as they were; writes are
    allowed beneath the state directory, the checkout (where the build puts
    its outputs) and a private temp dir, and to /dev/null.
    https://docs.kernel.org/userspace-api/landlock.html
    """

    _CREATE, _ADD_RULE, _RESTRICT = 444, 445, 446  # the same number on every architecture
    _RULE_PATH_BENEATH = 1
    _PR_SET_NO_NEW_PRIVS = 38
    # WRITE_FILE, REMOVE_DIR, REMOVE_FILE, MAKE_{CHAR,DIR,REG,SOCK,FIFO,BLOCK,SYM}
    _WRITE_V1 = (1 << 1) | sum(1 << bit for bit in range(4, 13))
    _REFER, _TRUNCATE = 1 << 13, 1 << 14  # ABI 2, ABI 3

    def __init__(self, trees: list[Path], files: list[Path]) -> None:
        import ctypes  # only where the sandbox is used

        self._ctypes = ctypes
        self._libc = ctypes.CDLL(None, use_errno=True)
        self._libc.syscall.restype = ctypes.c_long
        self.abi = int(self._libc.syscall(self._CREATE, None, ctypes.c_size_t(0), ctypes.c_uint32(1)))
        if self.abi < 1:
            why = os.strerror(ctypes.get_errno())
            raise StageFailure(
                "sandbox",
                f"expected the kernel's Landlock LSM to confine the workload's writes, found it unavailable ({why}); "
                "nothing ran: boot a kernel with Landlock (Ubuntu 24.04's has it) or set logos-compute:writeSandbox false",
            )
        handled = self._WRITE_V1 | (self._REFER if self.abi >= 2 else 0) | (self._TRUNCATE if self.abi >= 3 else 0)
        attr = ctypes.create_string_buffer(struct.pack("=Q", handled), 8)
        self.fd = int(self._libc.syscall(self._CREATE, attr, ctypes.c_size_t(8), ctypes.c_uint32(0)))
        if self.fd < 0:
            raise StageFailure("sandbox", f"expected a Landlock ruleset, found {os.strerror(ctypes.get_errno())}; nothing ran")
        self.writable = [str(p) for p in [*trees, *files]]
        for tree in trees:
            self._allow(tree, handled)
        for file in files:
            self._allow(file, (1 << 1) | (self._TRUNCATE if self.abi >= 3 else 0))

    def _allow(self, path: Path, access: int) -> None:
        ctypes = self._ctypes
        parent = os.open(path, os.O_PATH | os.O_CLOEXEC)
        try:
            rule = ctypes.create_string_buffer(struct.pack("=Qi", access, parent), 12)
            if self._libc.syscall(self._ADD_RULE, ctypes.c_int(self.fd), ctypes.c_int(self._RULE_PATH_BENEATH), rule, ctypes.c_uint32(0)):
                raise StageFailure("sandbox", f"expected a Landlock rule for {path}, found {os.strerror(ctypes.get_errno())}; nothing ran")
        finally:
            os.close(parent)

    def enter(self) -> None:
        """In the child, before exec: no new privileges, then the ruleset for good."""
        if self._libc.prctl(self._PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            raise OSError(self._ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS)")
        if self._libc.syscall(self._RESTRICT, self._ctypes.c_int(self.fd), self._ctypes.c_uint32(0)) != 0:
            raise OSError(self._ctypes.get_errno(), "landlock_restrict_self")

    def close(self) -> None:
        os.close(self.fd)


_FULL_COMMIT = re.compile(r"^(?:[0-9a-f]{40}|[0-9a-f]{64})$")


def _git(repo: Path, argv: list[str], env: dict[str, str], timeout: float) -> Finished:
    return run_bounded(["git", "-c", f"safe.directory={repo}", "-C", str(repo), *argv], cwd=repo, env=env, timeout=timeout)


def _git_env(env: dict[str, str]) -> dict[str, str]:
    """Git never waits for a password or a host-key answer: there is nobody to type one."""
    quiet = dict(env)
    quiet.setdefault("GIT_TERMINAL_PROMPT", "0")
    quiet.setdefault("GIT_SSH_COMMAND", "ssh -o BatchMode=yes")
    return quiet


def _has_commit(repo: Path, ref: str, env: dict[str, str], timeout: float) -> bool:
    return _git(repo, ["cat-file", "-e", f"{ref}^{{commit}}"], env, timeout).returncode == 0


def checkout(args: argparse.Namespace, repo: Path, state_dir: Path, env: dict[str, str], report: Report) -> None:
    """Brings the clone to the pinned commit: fetch only when it is missing, detached checkout, HEAD verified.

    Runs under the validator's lock, so no validation on this node builds
    from a tree that is being switched. `--force` makes the tree exactly the
    commit (local edits to tracked files are dropped); untracked build
    products are left for the workload's own `make clean`.
    """
    report.current = "checkout"
    started = time.monotonic()
    ref = args.ref
    if ref is None or not _FULL_COMMIT.match(ref):
        raise StageFailure("usage", f"--checkout: expected --ref as a full commit id (40 hex digits), found {ref!r}")
    if state_dir == repo or repo in state_dir.parents:
        raise StageFailure(
            "usage",
            f"--checkout: expected the state directory outside the checkout {repo}, found {state_dir}: "
            "a checkout could rewrite the audit log",
        )
    if not (repo / ".git").exists():
        raise StageFailure("checkout", f"expected a git clone at {repo}, found no .git")
    if shutil.which("git", path=env.get("PATH")) is None:
        raise StageFailure("checkout", "expected `git` on PATH to check out the pinned commit, found none")
    genv = _git_env(env)
    head = _git(repo, ["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], genv, args.git_timeout)
    result: dict[str, Any] = {"status": "failed", "from": head.stdout.strip() or None, "fetched": False}
    report.checkout = result

    if not _has_commit(repo, ref, genv, args.git_timeout):
        result["fetched"] = True
        attempts: list[str] = []
        # A commit id first (servers that allow unadvertised wants send just that); otherwise every branch and tag.
        for fetch in (["fetch", "--quiet", "origin", ref], ["fetch", "--quiet", "origin"]):
            done = _git(repo, fetch, genv, args.fetch_timeout)
            failure = describe_exit(done, args.fetch_timeout)
            if failure:
                attempts.append(f"`git {' '.join(fetch)}`: {failure}: {tail(done.stderr, 3)}")
            if _has_commit(repo, ref, genv, args.git_timeout):
                break
        else:
            url = _git(repo, ["config", "--get", "remote.origin.url"], genv, args.git_timeout).stdout.strip() or "no URL"
            raise StageFailure(
                "checkout",
                f"expected commit {ref} from origin ({url}), found no such commit after fetching"
                + (f" ({'; '.join(attempts)})" if attempts else ""),
            )

    done = _git(repo, ["-c", "advice.detachedHead=false", "checkout", "--quiet", "--force", "--detach", ref], genv, args.git_timeout)
    failure = describe_exit(done, args.git_timeout)
    if failure:
        raise StageFailure("checkout", f"`git checkout --detach {ref}`: {failure}; output: {tail(done.stderr, 4)}")
    now = _git(repo, ["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], genv, args.git_timeout).stdout.strip()
    if now != ref:
        raise StageFailure("checkout", f"expected HEAD at {ref} after the checkout, found {now or 'no HEAD'}")
    result["status"] = "done"
    report.ref = now
    report.seconds["checkout"] = time.monotonic() - started
    moved = "already there" if result["from"] == ref else f"from {result['from'] or 'an empty clone'}"
    log(f"checkout: HEAD at {ref} ({moved}{', fetched' if result['fetched'] else ''})")


def acquire_locks(paths: list[Path], timeout: float) -> list[int]:
    """Exclusive flock on each directory, in sorted order (so two runs never
    deadlock), within one shared timeout. Locking the directories themselves
    creates no file in the checkout or on the state disk."""
    deadline = time.monotonic() + timeout
    held: list[int] = []
    try:
        for path in sorted(set(paths)):
            try:
                fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
            except OSError as exc:
                raise StageFailure("lock", f"expected to open {path} for locking, found {exc.strerror}") from exc
            held.append(fd)
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as exc:
                    if exc.errno not in (errno.EAGAIN, errno.EACCES):
                        raise StageFailure("lock", f"expected flock on {path}, found {exc.strerror}") from exc
                if time.monotonic() >= deadline:
                    raise StageFailure(
                        "lock", f"expected the lock on {path} within {timeout:g}s, found it still held by another validation"
                    )
                time.sleep(0.1)
    except BaseException:
        release_locks(held)
        raise
    return held


def release_locks(fds: list[int]) -> None:
    for fd in reversed(fds):
        os.close(fd)


def canonical_digest(entry: object) -> str:
    text = json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class Snapshot:
    exists: bool
    raw: bytes
    digests: list[str]
    entries: list[object] = field(default_factory=list)


def history_copies(path: Path) -> list[Path]:
    """Kept copies of the log's earlier bytes, oldest first (the UTC stamp sorts)."""
    return sorted(path.parent.glob(f"{path.name}.history-*.json"))


def read_audit(path: Path, stage: str, when: str) -> Snapshot:
    """The log as entries. A single JSON object counts as a one-entry history,
    as the workload itself reads it (it wraps the object in a list when it
    appends), so such a log is neither refused nor lost."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Snapshot(False, b"", [])
    except OSError as exc:
        raise StageFailure(stage, f"expected a readable audit log {path} {when}, found {exc.strerror}") from exc
    try:
        parsed = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        message = f"expected a JSON array in audit log {path} {when}, found invalid JSON ({exc})"
        copies = history_copies(path) if stage == "snapshot" else []
        if copies:
            message += (
                f"; the newest kept copy of its earlier history is {copies[-1]}: check it, restore it with "
                f"`mv {copies[-1]} {path}` and validate again"
            )
        raise StageFailure(stage, message) from exc
    if isinstance(parsed, dict):
        entries: list[object] = [parsed]
    elif isinstance(parsed, list):
        entries = parsed
    else:
        raise StageFailure(stage, f"expected a JSON array in audit log {path} {when}, found {type(parsed).__name__}")
    return Snapshot(True, raw, [canonical_digest(e) for e in entries], entries)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def free_space_check(state_dir: Path, before: Snapshot, margin: int) -> None:
    """Room for the copy, the workload's rewrite and a margin; otherwise nothing runs."""
    st = os.statvfs(state_dir)
    free = st.f_bavail * st.f_frsize
    size = len(before.raw)
    copy = size if before.digests else 0
    needed = copy + size + REWRITE_SLACK_BYTES + margin
    if free < needed:
        raise StageFailure(
            "space",
            f"expected at least {needed} bytes free on the file system of {state_dir} (a {copy}-byte copy of the audit log, "
            f"its rewrite by the workload with a new entry, {size + REWRITE_SLACK_BYTES} bytes, and a {margin}-byte margin), "
            f"found {free}; nothing ran: free space on the state disk or grow it",
        )
    # Some file systems (btrfs) report no inode limit at all (f_files == 0).
    if st.f_files > 0 and st.f_favail < 2:
        raise StageFailure("space", f"expected at least 2 free inodes on the file system of {state_dir}, found {st.f_favail}; nothing ran")


def write_history_copy(path: Path, before: Snapshot) -> Path:
    """The log's earlier bytes in a new side file, on disk (file and directory
    fsynced) before the workload may touch the log."""
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    side = path.with_name(f"{path.name}.history-{stamp}.json")
    try:
        with side.open("xb") as handle:
            handle.write(before.raw)
            handle.flush()
            os.fsync(handle.fileno())
        _fsync_dir(side.parent)
    except OSError as exc:
        side.unlink(missing_ok=True)
        raise StageFailure(
            "space", f"expected to write and fsync a copy of the audit log to {side} before the run, found {exc.strerror}; nothing ran"
        ) from exc
    return side


def drop_history_copy(copy: Path) -> None:
    """The run left the earlier entries intact in the log: the copy is redundant."""
    try:
        copy.unlink()
        _fsync_dir(copy.parent)
    except OSError as exc:
        log(f"could not remove the redundant history copy {copy}: {exc.strerror}")


def check_audit(path: Path, before: Snapshot, added: range, agent_hash: str, report: Report, copy: Path | None) -> None:
    """Earlier entries must be an unchanged prefix; the count of new entries
    must lie in `added`. The pre-run copy is kept (and named) exactly when
    the earlier history is no longer intact in the log."""
    damage: str | None = None  # earlier history lost or altered
    problem: str | None = None  # history intact, but the run did not record as expected
    after: Snapshot | None = None
    try:
        after = read_audit(path, "audit", "after the run")
    except StageFailure as exc:
        damage = str(exc)
    if after is not None:
        report.audit_after = len(after.digests)
        grown = len(after.digests) - len(before.digests)
        changed = [i for i, (old, new) in enumerate(zip(before.digests, after.digests)) if old != new]
        if before.exists and not after.exists:
            damage = f"expected the audit log {path} to still exist, found it removed"
        elif grown < 0:
            damage = (
                f"expected the {len(before.digests)} earlier entries as an unchanged prefix, "
                f"found only {len(after.digests)} entries (history truncated)"
            )
        elif changed:
            damage = f"expected the earlier entries unchanged, found entries {changed[:10]} rewritten"
        elif grown not in added:
            wanted = " or ".join(str(n) for n in added)
            problem = f"expected {wanted} new entr{'y' if list(added) == [1] else 'ies'}, found {grown}"
        elif grown == 1:
            newest = after.entries[-1]
            found_hash = newest.get("agent_hash") if isinstance(newest, dict) else None
            if found_hash != agent_hash:
                problem = f"expected the new entry's agent_hash {agent_hash}, found {found_hash!r}"
    if damage is not None and copy is not None:
        report.history_file = str(copy)
        damage += f"; earlier history ({len(before.digests)} entries) kept in {copy}"
    elif copy is not None:
        drop_history_copy(copy)
    if damage or problem:
        report.fail("audit", str(damage or problem))


_AXIOM_LINE = re.compile(r"^([^\s:]+)(?:\s*:.*)?$")
_LOCATED_CONSTANT = re.compile(r"^Constant\s+(\S+)\s*$", re.MULTILINE)


def parse_assumptions(transcript: str) -> tuple[bool, list[str]]:
    """(closed, axiom names) from `Print Assumptions` output of coqc."""
    if "Closed under the global context" in transcript:
        return True, []
    names: list[str] = []
    in_section = False
    for line in transcript.splitlines():
        if re.match(r"^(Axioms|Section Variables|Opaque constants|Transparent constants):", line):
            in_section = line.startswith("Axioms:")
            continue
        if in_section and line and not line[0].isspace():
            match = _AXIOM_LINE.match(line)
            if match:
                names.append(match.group(1))
    return False, names


def loaded_libraries(transcript: str) -> list[str]:
    """Library dirpaths from `Print Libraries` (`Loaded library files:` then one per line)."""
    return [line.strip() for line in transcript.splitlines()[1:] if line.strip()]


def qualify_from_libraries(printed: str, libraries: list[str]) -> str | None:
    """The fully qualified name of an axiom Coq printed by its shortest name.

    With the libraries `Require`d but not imported, that name starts at (a
    suffix of) the dirpath of the library that holds it — `PXL_Axioms.x` for
    `PXL.PXL_Axioms.x` — because a name from a library that is not imported is
    visible only with at least the library's last component. So the full name
    is the one library whose dirpath ends where the printed name begins. None
    when no library, or more than one, fits (the caller asks Coq instead).
    """
    found: set[str] = set()
    for library in libraries:
        parts = library.split(".")
        for k in range(len(parts), 0, -1):
            if printed.startswith(".".join(parts[-k:]) + "."):
                found.add(".".join([*parts[:-k], printed]))
                break
    return found.pop() if len(found) == 1 else None


def located_constants(transcript: str) -> list[str]:
    """Fully qualified constants from `Locate` output (`Constant PXL.M.name`)."""
    return _LOCATED_CONSTANT.findall(transcript)


@dataclass
class CoqProject:
    """What `_CoqProject` says: load-path flags for coqc and the units it builds."""

    flags: list[str]
    # (physical directory, logical prefix), most specific directory first
    mappings: list[tuple[Path, str]]
    units: list[Path]

    def library(self, unit: Path) -> str | None:
        """Logical name of a unit (`PXL.PXL_Internal_LEM`), or None outside every mapping."""
        for directory, prefix in self.mappings:
            try:
                relative = unit.with_suffix("").relative_to(directory)
            except ValueError:
                continue
            return ".".join(part for part in (prefix, *relative.parts) if part)
        return None


def read_coq_project(repo: Path) -> CoqProject:
    project = repo / "_CoqProject"
    if not project.is_file():
        raise StageFailure("footprint", f"expected {project} to locate the theorem's file, found no such file")
    flags: list[str] = []
    mappings: list[tuple[Path, str]] = []
    units: list[Path] = []
    words = [w for line in project.read_text(encoding="utf-8").splitlines() for w in line.split("#", 1)[0].split()]
    i = 0
    while i < len(words):
        word = words[i]
        if word in ("-Q", "-R") and i + 2 < len(words):
            directory = (repo / words[i + 1]).resolve()
            flags += [word, str(directory), words[i + 2]]
            mappings.append((directory, "" if words[i + 2] == '""' else words[i + 2]))
            i += 3
            continue
        if word in ("-I", "-arg") and i + 1 < len(words):
            i += 2
            continue
        if word.endswith(".v"):
            units.append((repo / word).resolve())
        i += 1
    if not units:
        # coq_makefile also accepts directories only; then every .v below them is a unit.
        units = sorted({v.resolve() for directory, _ in mappings if directory.is_dir() for v in directory.rglob("*.v")})
    mappings.sort(key=lambda m: len(m[0].parts), reverse=True)
    return CoqProject(flags, mappings, units)


def _coqc(
    project: CoqProject, scratch: Path, name: str, text: str, env: dict[str, str], deadline: float, what: str
) -> str:
    """Compiles one generated check file in `scratch`; returns its stdout."""
    check = scratch / f"{name}.v"
    check.write_text(text, encoding="utf-8")
    timeout = max(deadline - time.monotonic(), 1.0)
    try:
        done = run_bounded(["coqc", *project.flags, str(check)], cwd=scratch, env=env, timeout=timeout)
    except FileNotFoundError as exc:
        raise StageFailure("footprint", "expected `coqc` on PATH, found none") from exc
    failure = describe_exit(done, timeout)
    if failure:
        raise StageFailure("footprint", f"coqc {what}: {failure}; output: {tail(done.stdout + done.stderr)}")
    return done.stdout


def _redirected(scratch: Path, name: str) -> str:
    out = scratch / f"{name}.out"
    return out.read_text(encoding="utf-8") if out.exists() else ""


def locate_footprint(
    theorem: str, repo: Path, env: dict[str, str], timeout: float
) -> tuple[list[str], dict[str, list[str]]]:
    """(fully qualified theorems, axioms of each, fully qualified).

    1. The units of _CoqProject whose source mentions the theorem's last name
       and that were compiled are `Require`d (not imported: nothing clashes);
       `Locate` lists every constant whose name ends with `theorem`, however
       deep in modules it sits (sections add nothing to a name).
    2. `Print Assumptions` of each match, one transcript per theorem, and
       `Print Libraries`: Coq prints axioms by their shortest unambiguous name,
       and the loaded libraries' dirpaths give the fully qualified one, so the
       allowed list does not depend on what the check file happens to load.
    3. Only for a name the libraries do not settle: `Locate` of it.
    """
    deadline = time.monotonic() + timeout
    project = read_coq_project(repo)
    basename = theorem.rsplit(".", 1)[-1]
    mentions = re.compile(rf"(?<![\w']){re.escape(basename)}(?![\w'])")
    libraries: list[str] = []
    for unit in project.units:
        library = project.library(unit)
        if library is None or not unit.with_suffix(".vo").is_file():
            continue
        try:
            if mentions.search(unit.read_text(encoding="utf-8", errors="replace")):
                libraries.append(library)
        except OSError:
            continue
    if not libraries:
        raise StageFailure(
            "footprint", f"expected a compiled unit of {repo / '_CoqProject'} that declares {theorem}, found none mentioning {basename}"
        )
    header = "".join(f"Require {library}.\n" for library in libraries)
    with tempfile.TemporaryDirectory(prefix="logos-footprint-") as scratch_dir:
        scratch = Path(scratch_dir)
        located = _coqc(project, scratch, "LogosLocate", f"{header}Locate {theorem}.\n", env, deadline, f"Locate {theorem}")
        theorems = list(dict.fromkeys(located_constants(located)))
        if not theorems:
            raise StageFailure(
                "footprint", f"expected `Locate {theorem}` to find a theorem in {', '.join(libraries)}, found {tail(located, 3)}"
            )
        body = 'Redirect "logos_libraries" Print Libraries.\n' + "".join(
            f'Redirect "logos_theorem_{i}" Print Assumptions {name}.\n' for i, name in enumerate(theorems)
        )
        _coqc(project, scratch, "LogosAssumptions", header + body, env, deadline, f"Print Assumptions of {', '.join(theorems)}")
        libraries = loaded_libraries(_redirected(scratch, "logos_libraries"))
        printed: dict[str, list[str]] = {}
        for i, name in enumerate(theorems):
            printed[name] = parse_assumptions(_redirected(scratch, f"logos_theorem_{i}"))[1]
        short = list(dict.fromkeys(a for axioms in printed.values() for a in axioms))
        qualified = {name: full for name in short if (full := qualify_from_libraries(name, libraries))}
        unsettled = [name for name in short if name not in qualified]
        if unsettled:
            body = "".join(f'Redirect "logos_axiom_{i}" Locate {name}.\n' for i, name in enumerate(unsettled))
            _coqc(project, scratch, "LogosQualify", header + body, env, deadline, "Locate of the axioms")
            for i, name in enumerate(unsettled):
                found = located_constants(_redirected(scratch, f"logos_axiom_{i}"))
                # The first match is the one the short name denotes; an axiom
                # Locate cannot qualify keeps its printed name (and so is never
                # mistaken for an allowed one).
                qualified[name] = found[0] if found else name
    return theorems, {name: sorted({qualified[a] for a in axioms}) for name, axioms in printed.items()}


def footprint(args: argparse.Namespace, repo: Path, env: dict[str, str], report: Report) -> None:
    """Every theorem that `--theorem` names must use only allowed axioms."""
    allowed = sorted(set(args.allowed_axiom))
    result: dict[str, Any] = {"status": "failed", "theorem": args.theorem, "gating": args.strict_footprint, "axioms": []}
    report.footprint = result
    try:
        theorems, axioms_of = locate_footprint(args.theorem, repo, env, args.footprint_timeout)
    except StageFailure as exc:
        result["error"] = str(exc)
        (report.fail if args.strict_footprint else report.warn)("footprint", str(exc))
        return
    axioms = sorted({a for found in axioms_of.values() for a in found})
    disallowed = [a for a in axioms if a not in allowed]
    result.update(status="ok", resolved=theorems, axioms=axioms, closed=not axioms, disallowed=disallowed)
    for name in theorems:
        log(f"footprint of {name}: {len(axioms_of[name])} axiom(s) {axioms_of[name]}")
    if disallowed:
        (report.fail if args.strict_footprint else report.warn)(
            "footprint",
            f"expected the axioms of {', '.join(theorems)} within the allowed set ({allowed or 'none'}), found {disallowed} outside it",
        )


def archive(args: argparse.Namespace, repo: Path, log_path: Path, env: dict[str, str], report: Report) -> None:
    child_env = dict(env)
    child_env.update(
        LOGOS_AUDIT_LOG=str(log_path),
        LOGOS_AUDIT_HISTORY=report.history_file or "",
        LOGOS_VALIDATION_STATUS="fail" if report.first_failed else "pass",
        LOGOS_NODE=report.node,
    )
    done = run_bounded(["/bin/sh", "-c", args.archive_command], cwd=repo, env=child_env, timeout=args.archive_timeout)
    failure = describe_exit(done, args.archive_timeout)
    if failure is None:
        report.archive = {"status": "uploaded"}
        return
    message = f"archive command: {failure}; output: {tail(done.stdout + done.stderr, 4)}"
    report.archive = {"status": "failed", "error": message}
    (report.fail if args.strict_archive else report.warn)("archive", message)


def has_marker(line: str, marker: str) -> bool:
    """The marker is the whole line, or its end after a prefix such as
    `[LOGOS-AGENT-OMEGA] `: `Overall status: PASSED_WITH_ERRORS` is not a pass."""
    text = line.strip()
    return text == marker or text.endswith(f" {marker}")


def run_workload(
    name: str, script: Path, markers: tuple[str, ...], args: argparse.Namespace, repo: Path, env: dict[str, str],
    timeout: float, report: Report, sandbox: WriteSandbox | None = None,
) -> bool:
    report.current = name
    log(f"{name}: python3 {script}")
    done = run_bounded([args.python, str(script)], cwd=repo, env=env, timeout=timeout, sandbox=sandbox)
    report.seconds[name] = done.seconds
    failure = describe_exit(done, timeout)
    lines = done.stdout.splitlines()
    missing = [m for m in markers if not any(has_marker(line, m) for line in lines)]
    if failure is None and not missing:
        log(f"{name}: ok in {done.seconds:.2f}s")
        return True
    where = f"`python3 {script}`"
    if failure is not None:
        message = f"{where}: {failure}"
    else:
        message = f"{where}: expected stdout marker(s) {missing}, found none"
    if name == "boot":
        status = next((line.strip() for line in reversed(lines) if "Current status:" in line), None)
        if status and BOOT_MARKER not in status:
            message += f"; expected '{BOOT_MARKER}', found '{status}'"
    output = done.stdout + done.stderr
    if sandbox is not None and ("Permission denied" in output or "Operation not permitted" in output):
        message += (
            f"; the write sandbox allows writes only to {', '.join(sandbox.writable)}: "
            "a write elsewhere was refused (Permission denied)"
        )
    message += f"; last output: {tail(output)}"
    report.fail(name, message)
    return False


# --------------------------------------------------------------------------
# Main


def check_first_boot(args: argparse.Namespace, report: Report) -> None:
    """How the wait for cloud-init ended (the component's command waits, bounded)."""
    if args.first_boot_seconds is not None:
        report.seconds["first-boot"] = args.first_boot_seconds
    if args.first_boot == "timeout":
        waited = f" within {args.first_boot_wait:g}s" if args.first_boot_wait else ""
        raise StageFailure(
            "first-boot",
            f"expected the node's first boot (cloud-init) to finish{waited}, found it still running; "
            f"see {FIRST_BOOT_LOG} and validate again when it has finished",
        )
    if args.first_boot == "error":
        report.warn(
            "first-boot",
            f"cloud-init finished with errors (see {FIRST_BOOT_LOG}); the stages below check what the validation needs",
        )


def mount_source(directory: Path) -> str:
    """`<source> (<fstype>)` of the mount that holds `directory`, from /proc/self/mountinfo."""
    best: tuple[int, str] = (-1, "an unknown file system")
    try:
        lines = Path("/proc/self/mountinfo").read_text(encoding="utf-8").splitlines()
    except OSError:
        return best[1]
    for line in lines:
        fields = line.split()
        if "-" not in fields or len(fields) < 5:
            continue
        # The kernel escapes blanks in paths as octal (\040).
        point = Path(re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), fields[4]))
        tail_fields = fields[fields.index("-") + 1 :]
        if (directory == point or point in directory.parents) and len(point.parts) >= best[0] and len(tail_fields) >= 2:
            best = (len(point.parts), f"{tail_fields[1]} ({tail_fields[0]}) mounted at {point}")
    return best[1]


def check_state_disk(state_dir: Path, device_file: Path) -> None:
    """The state directory must be the mount point of the disk the bootstrap
    named. Otherwise the workload would start a fresh, empty log on the boot
    disk and pass, while the real history sits on a detached disk."""
    try:
        expected = device_file.read_text(encoding="utf-8").strip()
    except FileNotFoundError as exc:
        raise StageFailure(
            "state-disk", f"expected the node's bootstrap to name the state disk in {device_file}, found no such file"
        ) from exc
    if not expected:
        raise StageFailure("state-disk", f"expected the state disk's device in {device_file}, found the file empty")
    if not state_dir.is_dir():
        raise StageFailure(
            "state-disk", f"expected the state disk {expected} mounted at {state_dir}, found no such directory; nothing ran"
        )
    if not os.path.ismount(state_dir):
        raise StageFailure(
            "state-disk",
            f"expected {state_dir} to be the mount point of the state disk {expected}, found a plain directory on "
            f"{mount_source(state_dir)}; nothing ran: attach and mount the disk (see {FIRST_BOOT_LOG})",
        )
    try:
        device = os.stat(expected)
    except OSError as exc:
        raise StageFailure(
            "state-disk", f"expected the state disk {expected} to be attached, found {exc.strerror}; nothing ran"
        ) from exc
    if not stat.S_ISBLK(device.st_mode):
        raise StageFailure("state-disk", f"expected {expected} to be a block device, found another kind of file; nothing ran")
    mounted = os.stat(state_dir).st_dev
    if mounted != device.st_rdev:
        real = os.path.realpath(expected)
        raise StageFailure(
            "state-disk",
            f"expected {state_dir} mounted from the state disk {expected} ({real}, device "
            f"{os.major(device.st_rdev)}:{os.minor(device.st_rdev)}), found {mount_source(state_dir)} "
            f"(device {os.major(mounted)}:{os.minor(mounted)}); nothing ran",
        )


@contextlib.contextmanager
def timed_step(report: Report, stage: str, key: str | None = None) -> Iterator[None]:
    """Names the running stage (for interruptions) and records its seconds."""
    report.current = stage
    started = time.monotonic()
    try:
        yield
    finally:
        report.seconds[key or stage] = time.monotonic() - started


def validate(args: argparse.Namespace, report: Report) -> None:
    total_started = time.monotonic()
    repo = Path(args.repo_dir).resolve()
    if not repo.is_dir():
        raise StageFailure("usage", f"expected the checkout {repo} to exist, found no such directory")

    env = dict(os.environ)
    state_dir = Path(args.state_dir or env.get("LOGOS_STATE_DIR") or repo / "state").resolve()
    env["LOGOS_STATE_DIR"] = str(state_dir)
    log_path = state_dir / AUDIT_LOG_NAME
    report.audit_log = str(log_path)
    if not args.strict_footprint and not args.checkout_only:
        report.warn("footprint", "does NOT gate (--no-strict-footprint): axioms outside the allowed list only warn")

    report.current = "first-boot"
    check_first_boot(args, report)

    # A checkout alone touches no state: only a validation needs its disk.
    if args.state_device_file and not args.checkout_only:
        with timed_step(report, "state-disk"):
            check_state_disk(state_dir, Path(args.state_device_file))
        log(f"state-disk: {state_dir} is {mount_source(state_dir)}")

    with timed_step(report, "lock"):
        if not state_dir.is_dir():
            if not state_dir.parent.is_dir():
                raise StageFailure("lock", f"expected the parent of the state directory {state_dir} to exist, found none")
            state_dir.mkdir(exist_ok=True)
        # One lock for everything the run touches: the checkout (its build) and the state dir (its log).
        locks = acquire_locks([repo, state_dir], args.lock_timeout)
    copy: Path | None = None
    sandbox: WriteSandbox | None = None
    private_tmp: Path | None = None
    audited = False
    before: Snapshot | None = None
    try:
        if args.checkout or args.checkout_only:
            # A rollout switches the tree under the lock, before the guards read it.
            checkout(args, repo, state_dir, env, report)
            if args.checkout_only:
                return
        for required in (AGENT_SCRIPT, LEM_SCRIPT):
            if not (repo / required).is_file():
                raise StageFailure("usage", f"expected {required} in repository {repo}, found no such file")
        with timed_step(report, "guard-agent-hash", "guard"):
            guard(args, repo, report, env)
            report.current = "guard-signature"
            verify_signature(args, repo, env, report)
            report.current = "guard-coq"
            check_coq(args, env, report)
        log(
            f"guard: ok (agent hash, file digest {report.file_digest[:12] if report.file_digest else '-'}, HEAD {report.ref}, "
            f"signature {report.signature['status']}, coqc {report.coq['version']})"
        )

        with timed_step(report, "snapshot"):
            before = read_audit(log_path, "snapshot", "before the run")
            report.audit_before = len(before.digests)
        log(f"snapshot: {report.audit_before} entries, {len(before.raw)} bytes")

        with timed_step(report, "space"):
            free_space_check(state_dir, before, args.free_space_margin)
            if before.digests:
                copy = write_history_copy(log_path, before)
        log(f"space: ok; earlier history copied to {copy}" if copy else "space: ok; no earlier history to copy")

        if args.write_sandbox:
            with timed_step(report, "sandbox"):
                private_tmp = Path(tempfile.mkdtemp(prefix="logos-workload-tmp-"))
                sandbox = WriteSandbox([state_dir, repo, private_tmp], [Path(os.devnull)])
            report.sandbox = {"status": "landlock", "abi": sandbox.abi, "writable": sandbox.writable}
            env = {**env, "TMPDIR": str(private_tmp), "TMP": str(private_tmp), "TEMP": str(private_tmp)}
            log(f"sandbox: Landlock ABI {sandbox.abi}; writes allowed only to {', '.join(sandbox.writable)}")
        else:
            report.warn("sandbox", "off (--no-write-sandbox): the workload may write anywhere its user can")

        lem_ok = run_workload("lem", LEM_SCRIPT, LEM_MARKERS, args, repo, env, args.lem_timeout, report, sandbox)
        boot_ok = lem_ok and run_workload(
            "boot", AGENT_SCRIPT, (BOOT_MARKER,), args, repo, env, args.boot_timeout, report, sandbox
        )

        # Boot appends exactly one entry when it succeeds; a failed boot may or
        # may not have written one; without boot nothing may change.
        added = range(1, 2) if boot_ok else range(0, 2) if lem_ok else range(0, 1)
        with timed_step(report, "audit"):
            audited = True
            check_audit(log_path, before, added, args.agent_hash, report, copy)

        if boot_ok:
            with timed_step(report, "footprint"):
                footprint(args, repo, env, report)

        if args.archive_command:
            with timed_step(report, "archive"):
                archive(args, repo, log_path, env, report)
    finally:
        if sandbox is not None:
            sandbox.close()
        if private_tmp is not None:
            shutil.rmtree(private_tmp, ignore_errors=True)
        if copy is not None and not audited and before is not None:
            settle_unaudited_copy(log_path, before, copy, report)
        release_locks(locks)
        report.seconds["total"] = time.monotonic() - total_started


def settle_unaudited_copy(log_path: Path, before: Snapshot, copy: Path, report: Report) -> None:
    """The run stopped between the copy and the audit (a signal, a bug): keep
    the copy unless the log still holds exactly the earlier bytes."""
    try:
        unchanged = log_path.read_bytes() == before.raw
    except OSError:
        unchanged = False
    if unchanged:
        drop_history_copy(copy)
    else:
        report.history_file = str(copy)
        report.warn("audit", f"the run stopped before the audit check; earlier history ({len(before.digests)} entries) kept in {copy}")


def write_result_file(path: Path, document: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=".result-", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(json.dumps(document, sort_keys=True) + "\n")
    os.chmod(temp, 0o644)
    os.replace(temp, path)


def main(argv: list[str]) -> int:
    report = Report(node=socket.gethostname(), agent_hash="")
    args: argparse.Namespace | None = None
    started = time.monotonic()
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, _on_signal)
    try:
        args = parse_args(argv)
        report.node, report.agent_hash = args.node_name, args.agent_hash
        check_args(args)
        report.agent_hash = args.agent_hash  # normalised to lowercase
        validate(args, report)
    except StageFailure as exc:
        report.fail(exc.stage, str(exc))
    except Interrupted as exc:
        report.fail(report.current, str(exc))
    except Exception as exc:  # the validator's own bug must still yield one JSON line
        report.fail("internal", f"expected the validator to complete, found {type(exc).__name__}: {exc}")
    report.seconds.setdefault("total", time.monotonic() - started)
    report.stage = report.first_failed or "complete"
    report.status = "pass" if report.first_failed is None else "fail"
    document = report.to_json()
    if args is not None and args.result_file:
        try:
            write_result_file(Path(args.result_file), document)
        except OSError as exc:
            log(f"WARN could not write result file {args.result_file}: {exc}")
    code = EXIT_CODES[report.stage]
    if report.status == "pass":
        warned = f" with {len(report.warnings)} WARNING(S): {'; '.join(report.warnings)}" if report.warnings else ""
        log(f"node {report.node}: PASS in {report.seconds['total']:.2f}s{warned}")
    else:
        log(f"node {report.node}: FAILED at stage {report.stage} (exit {code}): {report.errors[0]}")
    try:
        sys.stdout.write(json.dumps(document, sort_keys=True) + "\n")
        sys.stdout.flush()
    except OSError:
        pass  # the caller is gone; --result-file (if any) still has the result
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
