#!/usr/bin/env python3
"""Validate the proof-gated LOGOS workflow on this node.

One source, shipped to every node: run by the `ProofValidation` component over
SSH after `pulumi up`, and by a systemd oneshot unit at boot on burst nodes.
Standard library only; Python >= 3.11.

Steps, in order (the first failing step decides the stage and exit code):

1. guard      `EXPECTED_AGENT_HASH` in scripts/boot_aligned_agent.py equals
              --agent-hash; the file's SHA-256 equals --agent-script-digest
              (when given); `git HEAD` equals --ref (when given). Nothing runs
              when any of them diverges.
2. lock       exclusive flock, so two validations on one node never interleave.
   checkout   (with --checkout) under the lock and BEFORE the guards: fetch the
              pinned 40-hex --ref from `origin` when the clone lacks it, check
              it out detached (--force: the tree becomes exactly that commit),
              and verify HEAD. This is how a new pinned commit rolls out to a
              running core node; a ref the remote does not have fails here,
              with the checkout and the audit log untouched.
3. snapshot   the audit log state/alignment_LOGOS-AGENT-OMEGA.json (under
              $LOGOS_STATE_DIR when set): entry count, bytes, per-entry digest.
              An unreadable log stops here, before the workload could replace
              it with a fresh list.
4. lem        `python3 test_lem_discharge.py`: exit 0, `Overall status: PASS`
              and `<none>` on stdout.
5. boot       `python3 scripts/boot_aligned_agent.py`: exit 0 and
              `Current status: ALIGNED` on stdout.
6. audit      the earlier entries are an unchanged prefix of the new array and
              exactly one entry was added (none when boot did not run). On a
              violation the earlier bytes are kept in a side file next to the
              log (<log>.history-<UTC stamp>.json).
7. footprint  `coqc` compiles a one-line check printing the assumptions of the
              fully qualified theorem; the axiom list is reported. It gates
              only with --strict-footprint (axioms must be within
              --allowed-axiom). The workflow's own `<none>` comes from a
              `coqtop -batch` transcript that is always empty.
8. archive    optional --archive-command (run by /bin/sh with LOGOS_AUDIT_LOG,
              LOGOS_AUDIT_HISTORY, LOGOS_VALIDATION_STATUS and LOGOS_NODE in
              the environment); a failed upload is reported as a warning, and
              gates only with --strict-archive.

The last line on stdout is exactly one JSON object:
  {status, stage, exitCode, node, agentHash, fileDigest, ref,
   auditEntriesBefore, auditEntriesAfter, auditLog, historyFile, footprint,
   archive, seconds: {...}, errors: [...], warnings: [...]}
`stage` is "complete" on success, otherwise the failed stage. Progress and a
final human-readable line go to stderr. --result-file also writes the JSON
atomically to a file (used by the boot unit for monitoring).

Exit codes (one per failed stage):
   0  complete           every gate passed
   2  usage              bad flags, or the repository/scripts are missing
  11  guard-agent-hash   EXPECTED_AGENT_HASH differs from --agent-hash
  12  guard-file-digest  SHA-256 of boot_aligned_agent.py differs from the pin
  13  guard-ref          git HEAD differs from --ref (or cannot be read)
  20  lock               lock not acquired within --lock-timeout
  25  checkout           (--checkout) the pinned commit could not be fetched or checked out
  30  snapshot           audit log unreadable / not a JSON array before the run
  40  lem                test_lem_discharge.py failed, timed out or lacked a marker
  50  boot               boot_aligned_agent.py failed, timed out or not ALIGNED
  60  audit              audit log not append-only, or not exactly one new entry
  70  footprint          (--strict-footprint) check failed or disallowed axioms
  80  archive            (--strict-archive) the archive upload failed
  99  internal           unexpected error in the validator itself
"""

from __future__ import annotations

import argparse
import ast
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
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

RESULT_VERSION = 1
AGENT_SCRIPT = Path("scripts") / "boot_aligned_agent.py"
LEM_SCRIPT = Path("test_lem_discharge.py")
AUDIT_LOG_NAME = "alignment_LOGOS-AGENT-OMEGA.json"
DEFAULT_THEOREM = "PXL.PXL_Internal_LEM.pxl_excluded_middle"
LEM_MARKERS = ("Overall status: PASS", "<none>")
BOOT_MARKER = "Current status: ALIGNED"
TAIL_LINES = 12

EXIT_CODES: dict[str, int] = {
    "complete": 0,
    "usage": 2,
    "guard-agent-hash": 11,
    "guard-file-digest": 12,
    "guard-ref": 13,
    "lock": 20,
    "checkout": 25,
    "snapshot": 30,
    "lem": 40,
    "boot": 50,
    "audit": 60,
    "footprint": 70,
    "archive": 80,
    "internal": 99,
}

_HEX64 = re.compile(r"^[0-9a-f]{64}$")


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


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = _Parser(prog="validate_proof.py", description="Validate the proof-gated LOGOS workflow on this node.")
    p.add_argument("--repo-dir", required=True, help="checkout of the workload repository")
    p.add_argument("--agent-hash", required=True, help="pinned EXPECTED_AGENT_HASH (64 hex digits)")
    p.add_argument("--agent-script-digest", help="pinned SHA-256 of scripts/boot_aligned_agent.py")
    p.add_argument("--ref", help="pinned commit that HEAD must equal")
    p.add_argument("--state-dir", help="audit state directory (default: $LOGOS_STATE_DIR, else <repo>/state)")
    p.add_argument("--lock-file", help="lock file (default: <state-dir>/.validate_proof.lock)")
    p.add_argument("--archive-command", help="shell command that uploads $LOGOS_AUDIT_LOG")
    p.add_argument("--node-name", default=socket.gethostname(), help="node name used in messages")
    p.add_argument("--theorem", default=DEFAULT_THEOREM, help="fully qualified theorem for the footprint")
    p.add_argument("--allowed-axiom", action="append", default=[], help="axiom allowed under --strict-footprint")
    p.add_argument("--strict-footprint", action="store_true", help="make the footprint check gate")
    p.add_argument("--strict-archive", action="store_true", help="make a failed archive upload gate")
    p.add_argument("--python", default=sys.executable, help="interpreter for the workload scripts")
    p.add_argument("--result-file", help="also write the JSON result to this file")
    p.add_argument("--lock-timeout", type=_timeout, default=1800.0)
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
    args = p.parse_args(argv)
    for flag, attr in (("--agent-hash", "agent_hash"), ("--agent-script-digest", "agent_script_digest")):
        given = getattr(args, attr)
        if given is not None:
            if not _HEX64.match(given.lower()):
                raise StageFailure("usage", f"{flag}: expected 64 hex digits, found {given!r}")
            setattr(args, attr, given.lower())
    return args


# --------------------------------------------------------------------------
# Child processes


@dataclass
class Finished:
    argv: list[str]
    returncode: int | None  # None: killed after the timeout
    stdout: str
    stderr: str
    seconds: float


def run_bounded(argv: list[str], *, cwd: Path, env: dict[str, str], timeout: float) -> Finished:
    """Run argv in its own process group; on timeout the whole group is killed."""
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
            report.warnings.append(f"ref: {exc}")
        return
    head = git_rev(repo, "HEAD", env, args.git_timeout)
    report.ref = head
    if args.ref is not None:
        pinned = args.ref if re.fullmatch(r"[0-9a-f]{40}|[0-9a-f]{64}", args.ref) else git_rev(
            repo, args.ref, env, args.git_timeout
        )
        if head != pinned:
            shown = args.ref if pinned == args.ref else f"{args.ref} ({pinned})"
            raise StageFailure("guard-ref", f"expected HEAD at pinned ref {shown}, found {head}")


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


def acquire_lock(path: Path, timeout: float) -> int:
    try:
        # Read-only suffices for flock, so a lock file created by another user still works.
        fd = os.open(path, os.O_RDONLY | os.O_CREAT, 0o644)
    except OSError as exc:
        raise StageFailure("lock", f"expected to open lock file {path}, found {exc.strerror}") from exc
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                os.close(fd)
                raise StageFailure("lock", f"expected flock on {path}, found {exc.strerror}") from exc
        if time.monotonic() >= deadline:
            os.close(fd)
            raise StageFailure("lock", f"expected the lock {path} within {timeout:g}s, found it still held")
        time.sleep(0.1)


def canonical_digest(entry: object) -> str:
    text = json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class Snapshot:
    exists: bool
    raw: bytes
    digests: list[str]


def read_audit(path: Path, stage: str, when: str) -> Snapshot:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Snapshot(False, b"", [])
    except OSError as exc:
        raise StageFailure(stage, f"expected a readable audit log {path} {when}, found {exc.strerror}") from exc
    try:
        entries = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise StageFailure(stage, f"expected a JSON array in audit log {path} {when}, found invalid JSON ({exc})") from exc
    if not isinstance(entries, list):
        raise StageFailure(stage, f"expected a JSON array in audit log {path} {when}, found {type(entries).__name__}")
    return Snapshot(True, raw, [canonical_digest(e) for e in entries])


def keep_history(path: Path, before: Snapshot) -> Path:
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    side = path.with_name(f"{path.name}.history-{stamp}.json")
    with side.open("xb") as handle:
        handle.write(before.raw)
        handle.flush()
        os.fsync(handle.fileno())
    return side


def check_audit(path: Path, before: Snapshot, added: range, agent_hash: str, report: Report) -> None:
    """Earlier entries must be an unchanged prefix; the count of new entries must lie in `added`."""
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
            newest = json.loads(after.raw.decode("utf-8"))[-1]
            found_hash = newest.get("agent_hash") if isinstance(newest, dict) else None
            if found_hash != agent_hash:
                problem = f"expected the new entry's agent_hash {agent_hash}, found {found_hash!r}"
    if damage is not None and before.digests:
        report.history_file = str(keep_history(path, before))
        damage += f"; earlier history ({len(before.digests)} entries) kept in {report.history_file}"
    if damage or problem:
        report.fail("audit", str(damage or problem))


_AXIOM_LINE = re.compile(r"^([^\s:]+)(?:\s*:.*)?$")


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


def coq_load_path(repo: Path) -> list[str]:
    """-Q/-R flags from _CoqProject, with directories made absolute."""
    project = repo / "_CoqProject"
    flags: list[str] = []
    if not project.exists():
        return flags
    for line in project.read_text(encoding="utf-8").splitlines():
        words = line.split("#", 1)[0].split()
        if len(words) == 3 and words[0] in ("-Q", "-R"):
            flags += [words[0], str((repo / words[1]).resolve()), words[2]]
    return flags


def footprint(args: argparse.Namespace, repo: Path, env: dict[str, str], report: Report) -> None:
    module, _, _ = args.theorem.rpartition(".")
    result: dict[str, Any] = {"status": "failed", "theorem": args.theorem, "axioms": []}
    report.footprint = result
    with tempfile.TemporaryDirectory(prefix="logos-footprint-") as scratch:
        check = Path(scratch) / "FootprintCheck.v"
        check.write_text(f"Require Import {module}.\nPrint Assumptions {args.theorem}.\n", encoding="utf-8")
        try:
            done = run_bounded(
                ["coqc", *coq_load_path(repo), str(check)], cwd=Path(scratch), env=env, timeout=args.footprint_timeout
            )
        except FileNotFoundError:
            result["error"] = "expected `coqc` on PATH, found none"
        else:
            failure = describe_exit(done, args.footprint_timeout)
            if failure:
                result["error"] = f"coqc check of {args.theorem}: {failure}; output: {tail(done.stdout + done.stderr)}"
            else:
                closed, axioms = parse_assumptions(done.stdout)
                result.update(status="ok", closed=closed, axioms=axioms)
    if result["status"] != "ok":
        message = str(result["error"])
        if args.strict_footprint:
            report.fail("footprint", message)
        else:
            report.warnings.append(f"footprint: {message}")
        return
    log(f"footprint of {args.theorem}: {len(result['axioms'])} axiom(s) {result['axioms']}")
    if args.strict_footprint:
        disallowed = [a for a in result["axioms"] if a not in set(args.allowed_axiom)]
        if disallowed:
            allowed = sorted(args.allowed_axiom) or "none"
            report.fail(
                "footprint",
                f"expected the axioms of {args.theorem} within the allowed set ({allowed}), found {disallowed}",
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
    if args.strict_archive:
        report.fail("archive", message)
    else:
        report.warnings.append(f"archive: {message}")
        log(f"WARN {message}")


def run_workload(
    name: str, script: Path, markers: tuple[str, ...], args: argparse.Namespace, repo: Path, env: dict[str, str],
    timeout: float, report: Report,
) -> bool:
    report.current = name
    log(f"{name}: python3 {script}")
    done = run_bounded([args.python, str(script)], cwd=repo, env=env, timeout=timeout)
    report.seconds[name] = done.seconds
    failure = describe_exit(done, timeout)
    lines = done.stdout.splitlines()
    missing = [m for m in markers if not any(m in line for line in lines)]
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
    message += f"; last output: {tail(done.stdout + done.stderr)}"
    report.fail(name, message)
    return False


# --------------------------------------------------------------------------
# Main


def take_lock(args: argparse.Namespace, state_dir: Path, report: Report) -> int:
    started = time.monotonic()
    report.current = "lock"
    if not state_dir.parent.is_dir():
        raise StageFailure("lock", f"expected the parent of the state directory {state_dir} to exist, found none")
    state_dir.mkdir(exist_ok=True)
    lock_fd = acquire_lock(Path(args.lock_file) if args.lock_file else state_dir / ".validate_proof.lock", args.lock_timeout)
    report.seconds["lock"] = time.monotonic() - started
    return lock_fd


def validate(args: argparse.Namespace, report: Report) -> None:
    total_started = time.monotonic()
    repo = Path(args.repo_dir).resolve()
    env = dict(os.environ)
    state_dir = Path(args.state_dir or env.get("LOGOS_STATE_DIR") or repo / "state").resolve()
    env["LOGOS_STATE_DIR"] = str(state_dir)
    log_path = state_dir / AUDIT_LOG_NAME
    report.audit_log = str(log_path)

    # A rollout switches the tree under the lock, before the guards read it.
    lock_fd = take_lock(args, state_dir, report) if args.checkout or args.checkout_only else None
    try:
        if lock_fd is not None:
            checkout(args, repo, state_dir, env, report)
            if args.checkout_only:
                return
        validate_checked_out(args, repo, state_dir, log_path, env, report, lock_fd)
    finally:
        if lock_fd is not None:
            os.close(lock_fd)
        report.seconds["total"] = time.monotonic() - total_started


def validate_checked_out(
    args: argparse.Namespace, repo: Path, state_dir: Path, log_path: Path, env: dict[str, str], report: Report,
    held_lock: int | None,
) -> None:
    for required in (AGENT_SCRIPT, LEM_SCRIPT):
        if not (repo / required).is_file():
            raise StageFailure("usage", f"expected {required} in repository {repo}, found no such file")

    started = time.monotonic()
    report.current = "guard-agent-hash"
    guard(args, repo, report, env)
    report.seconds["guard"] = time.monotonic() - started
    log(f"guard: ok (agent hash, file digest {report.file_digest[:12] if report.file_digest else '-'}, HEAD {report.ref})")

    lock_fd = held_lock if held_lock is not None else take_lock(args, state_dir, report)
    try:
        started = time.monotonic()
        report.current = "snapshot"
        before = read_audit(log_path, "snapshot", "before the run")
        report.audit_before = len(before.digests)
        report.seconds["snapshot"] = time.monotonic() - started
        log(f"snapshot: {report.audit_before} entries, {len(before.raw)} bytes")

        lem_ok = run_workload("lem", LEM_SCRIPT, LEM_MARKERS, args, repo, env, args.lem_timeout, report)
        boot_ok = lem_ok and run_workload("boot", AGENT_SCRIPT, (BOOT_MARKER,), args, repo, env, args.boot_timeout, report)

        # Boot appends exactly one entry when it succeeds; a failed boot may or
        # may not have written one; without boot nothing may change.
        added = range(1, 2) if boot_ok else range(0, 2) if lem_ok else range(0, 1)
        started = time.monotonic()
        report.current = "audit"
        check_audit(log_path, before, added, args.agent_hash, report)
        report.seconds["audit"] = time.monotonic() - started

        if boot_ok:
            started = time.monotonic()
            report.current = "footprint"
            footprint(args, repo, env, report)
            report.seconds["footprint"] = time.monotonic() - started

        if args.archive_command:
            started = time.monotonic()
            report.current = "archive"
            archive(args, repo, log_path, env, report)
            report.seconds["archive"] = time.monotonic() - started
    finally:
        if held_lock is None:
            os.close(lock_fd)


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
        log(f"node {report.node}: PASS in {report.seconds['total']:.2f}s")
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
