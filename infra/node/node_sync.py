#!/usr/bin/env python3
"""Bring a running core node's evolving configuration current (logos-sync).

Core nodes boot once from user-data that carries only what never changes on
day 2 (the login user with the deploy key, the state disk, the clone, sshd).
Everything that evolves reaches them through this script instead: the
`NodeSync` component copies it and runs it as root over SSH through the
bastion, before the node's validation, whenever what it brings changes, when
the state disk grew, and after the node was replaced. It reads one JSON
manifest on stdin (see infra/node/sync.ts) and is idempotent: a second run
with the same manifest changes nothing and runs no command.

Steps, in order (the first failing step names itself and sets the exit code):

1. first-boot  wait, bounded, for cloud-init (it installs packages and mounts
               the state disk); a timeout fails here.
2. keys        the login user's authorized_keys becomes exactly the manifest's
               keys (operator + deploy key), written atomically; a rotated
               operator key replaces the old one at once.
3. files       every file written atomically when its content, mode or owner
               differs (archive uploader, monitoring configuration, ...).
4. packages    `apt-get install` of each package missing or at another
               version (`name=version` pins exactly, downgrades allowed).
5. commands    run in order when files or packages changed, or when this
               node has not yet run this exact list (a stamp in STAMP_DIR).
6. grow        the state disk's ext4 grown online (`resize2fs`) when its
               block device is larger than the filesystem (a larger
               `stateDiskGiB`); SCSI devices are rescanned first.

Prints one JSON object on stdout; a failure prints
`logos-sync: node <name>: FAILED at <step>: <what> ...` on stderr.
Standard library only; Python >= 3.8.
"""
from __future__ import annotations

import base64
import grp
import gzip
import hashlib
import json
import os
import pwd
import re
import shutil
import stat
import subprocess
import sys
import tempfile

EXIT_CODES = {"usage": 2, "first-boot": 5, "keys": 10, "files": 20, "packages": 30, "commands": 40, "grow": 50, "internal": 99}
STAMP_DIR = "/var/lib/logos/sync"
KEY_LINE = re.compile(r"^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp(256|384|521)|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com) [A-Za-z0-9+/]+={0,3}( [^\r\n]*)?$")


class Failure(Exception):
    def __init__(self, step: str, message: str) -> None:
        super().__init__(message)
        self.step = step


def run(argv: list[str], step: str, timeout: int = 1800, env: dict[str, str] | None = None) -> str:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=env)
    except FileNotFoundError:
        raise Failure(step, f"`{argv[0]}` is not installed on the node") from None
    except subprocess.TimeoutExpired:
        raise Failure(step, f"`{' '.join(argv)}` did not finish within {timeout} s") from None
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
        raise Failure(step, f"`{' '.join(argv)}` exited {done.returncode}: {' / '.join(tail)}")
    return done.stdout


def first_boot(m: dict) -> str:
    if shutil.which("cloud-init") is None:
        return "none"
    seconds = int(m.get("firstBootSeconds", 1800))
    try:
        done = subprocess.run(["cloud-init", "status", "--wait"], capture_output=True, timeout=seconds)
    except subprocess.TimeoutExpired:
        raise Failure("first-boot", f"cloud-init was still running after {seconds} s; see /var/log/cloud-init-output.log") from None
    # 1 and 2 are errors of some module; the steps below bring the node current regardless.
    return "done" if done.returncode == 0 else "error"


def ids(owner: str, step: str) -> tuple[int, int]:
    user, _, group = owner.partition(":")
    try:
        uid = pwd.getpwnam(user).pw_uid
        gid = grp.getgrnam(group or user).gr_gid
    except KeyError:
        raise Failure(step, f"owner {owner!r} does not exist on the node") from None
    return uid, gid


def write_atomic(path: str, data: bytes, mode: int, uid: int, gid: int) -> bool:
    """Writes `path` (tmp file + rename) unless it already holds exactly this; True when written."""
    try:
        st = os.lstat(path)
        if stat.S_ISREG(st.st_mode) and stat.S_IMODE(st.st_mode) == mode and (st.st_uid, st.st_gid) == (uid, gid):
            with open(path, "rb") as f:
                if f.read() == data:
                    return False
    except FileNotFoundError:
        pass
    directory = os.path.dirname(path) or "."
    os.makedirs(directory, mode=0o755, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".logos-sync-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.chown(tmp, uid, gid)
        os.rename(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return True


def sync_keys(m: dict) -> bool:
    user = m["user"]
    keys = [k.strip() for k in m.get("authorizedKeys", [])]
    bad = [k for k in keys if not KEY_LINE.match(k)]
    if not keys or bad:
        raise Failure("keys", f"refusing to write authorized_keys for {user}: {'no key given' if not keys else f'not an OpenSSH public key line: {bad[0][:40]!r}'}")
    try:
        entry = pwd.getpwnam(user)
    except KeyError:
        raise Failure("keys", f"user {user!r} does not exist on the node") from None
    path = m.get("authorizedKeysFile") or os.path.join(entry.pw_dir, ".ssh", "authorized_keys")
    directory = os.path.dirname(path)
    if not os.path.isdir(directory):
        os.makedirs(directory, mode=0o700)
        os.chown(directory, entry.pw_uid, entry.pw_gid)
    return write_atomic(path, ("\n".join(keys) + "\n").encode(), 0o600, entry.pw_uid, entry.pw_gid)


def sync_files(m: dict) -> list[str]:
    changed = []
    for f in m.get("files", []):
        path = f["path"]
        if not os.path.isabs(path):
            raise Failure("files", f"file path {path!r} must be absolute")
        uid, gid = ids(f.get("owner", "root:root"), "files")
        if write_atomic(path, f["content"].encode(), int(f["permissions"], 8), uid, gid):
            changed.append(path)
    return changed


def installed_version(name: str) -> str | None:
    done = subprocess.run(["dpkg-query", "-W", "-f=${Status} ${Version}", name], capture_output=True, text=True)
    if done.returncode != 0 or not done.stdout.startswith("install ok installed "):
        return None
    return done.stdout.split(" ", 3)[3]


def sync_packages(m: dict) -> list[str]:
    wanted = list(m.get("packages", []))
    if not wanted:
        return []
    if shutil.which("dpkg-query") is None:
        raise Failure("packages", "dpkg-query is not installed: the node is not Debian/Ubuntu")
    pending = []
    for spec in wanted:
        name, _, version = spec.partition("=")
        have = installed_version(name)
        if have is None or (version and have != version):
            pending.append(spec)
    if not pending:
        return []
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    run(["apt-get", "update", "-q"], "packages", env=env)
    run(
        ["apt-get", "install", "-y", "-q", "--allow-downgrades", "--allow-change-held-packages", "-o", "Dpkg::Options::=--force-confold", *pending],
        "packages",
        env=env,
    )
    return pending


def sync_commands(m: dict, changed: bool) -> int:
    commands = m.get("commands", [])
    digest = hashlib.sha256(json.dumps(commands, sort_keys=True).encode()).hexdigest()
    stamp = os.path.join(m.get("stampDir") or STAMP_DIR, "commands.sha256")
    try:
        with open(stamp) as f:
            done_before = f.read().strip() == digest
    except FileNotFoundError:
        done_before = False
    if done_before and not changed:
        return 0
    for argv in commands:
        run(list(argv), "commands")
    write_atomic(stamp, f"{digest}\n".encode(), 0o644, 0, 0)
    return len(commands)


def mount_source(directory: str) -> int | None:
    """st_rdev-style device number of the filesystem mounted exactly at `directory`, from mountinfo."""
    target = os.path.realpath(directory)
    found = None
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            mount_point = fields[4].replace("\\040", " ")
            if mount_point == target:
                major, minor = fields[2].split(":")
                found = os.makedev(int(major), int(minor))  # the last mount on a path is the visible one
    return found


def ext4_size(device: str) -> tuple[int, int]:
    """(block count, block size) of the ext4 filesystem on `device`."""
    out = run(["dumpe2fs", "-h", device], "grow", timeout=120)
    fields = dict(line.split(":", 1) for line in out.splitlines() if ":" in line)
    return int(fields["Block count"].strip()), int(fields["Block size"].strip())


def grow(m: dict) -> dict:
    device_file = m.get("stateDeviceFile")
    state_dir = m.get("stateDir")
    if not device_file or not state_dir:
        return {"status": "skipped", "why": "no state disk on this node"}
    try:
        with open(device_file) as f:
            device = os.path.realpath(f.read().strip())
    except FileNotFoundError:
        raise Failure("grow", f"{device_file} is missing: the node's first boot did not name its state disk") from None
    if not os.path.exists(device) or not stat.S_ISBLK(os.stat(device).st_mode):
        raise Failure("grow", f"the state disk {device} (from {device_file}) is not a block device on the node")
    if mount_source(state_dir) != os.stat(device).st_rdev:
        # The validation's state-disk stage refuses such a node with the details; growing is moot.
        print(f"logos-sync: warning: {state_dir} is not the mount point of {device}; not growing it", file=sys.stderr)
        return {"status": "skipped", "why": f"{state_dir} is not the mount point of {device}"}
    name = os.path.basename(device)
    rescan = f"/sys/class/block/{name}/device/rescan"
    if os.path.exists(rescan):
        # A SCSI disk (Azure data disks) learns its new capacity only when rescanned.
        with open(rescan, "w") as f:
            f.write("1\n")
    device_bytes = int(run(["blockdev", "--getsize64", device], "grow", timeout=60).strip())
    blocks, block_size = ext4_size(device)
    before = blocks * block_size
    if device_bytes // block_size <= blocks:
        return {"status": "current", "deviceBytes": device_bytes, "filesystemBytes": before}
    # ext4 grows online while mounted (resize2fs(8): "if the filesystem is mounted, it can be used to
    # expand the size of the mounted filesystem"); the audit log stays where it is. The kernel allows it
    # to a process with CAP_SYS_RESOURCE, which root on a VM has.
    try:
        run(["resize2fs", device], "grow", timeout=1800)
    except Failure as e:
        raise Failure("grow", f"growing the ext4 filesystem on {device} ({state_dir}) from {before} to {device_bytes} bytes: {e}") from None
    blocks, block_size = ext4_size(device)
    if blocks * block_size <= before:
        raise Failure("grow", f"resize2fs left the filesystem on {device} at {blocks * block_size} bytes; the device has {device_bytes}")
    return {"status": "grown", "deviceBytes": device_bytes, "filesystemBytesBefore": before, "filesystemBytes": blocks * block_size}


def main() -> int:
    node = "this node"
    try:
        try:
            text = sys.stdin.read().strip()
            # The component sends gzip + base64 (infra/node/sync.ts manifestText); plain JSON is read as is.
            m = json.loads(text if text.startswith("{") else gzip.decompress(base64.b64decode(text, validate=True)))
            node = m.get("node", node)
            if m.get("version") != 1 or not isinstance(m.get("user"), str):
                raise ValueError("expected a version 1 manifest with a user")
        except (ValueError, OSError, EOFError) as e:
            raise Failure("usage", f"the manifest on stdin is not valid: {e}") from None
        if os.geteuid() != 0:
            raise Failure("usage", "must run as root (the component runs it with sudo -n)")
        boot = first_boot(m)
        keys = sync_keys(m)
        files = sync_files(m)
        packages = sync_packages(m)
        commands = sync_commands(m, bool(files or packages))
        grown = grow(m)
        print(json.dumps({"node": node, "status": "synced", "firstBoot": boot, "keysChanged": keys, "filesChanged": files,
                          "packagesInstalled": packages, "commandsRun": commands, "stateDisk": grown}))
        return 0
    except Failure as e:
        print(f"logos-sync: node {node}: FAILED at {e.step}: {e}", file=sys.stderr)
        return EXIT_CODES[e.step]
    except Exception as e:  # noqa: BLE001 - any other error still names the node and the step
        print(f"logos-sync: node {node}: FAILED at internal: {type(e).__name__}: {e}", file=sys.stderr)
        return EXIT_CODES["internal"]


if __name__ == "__main__":
    sys.exit(main())
