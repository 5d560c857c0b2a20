#!/usr/bin/env python3
"""Whether this core node counts toward the pool's availability, told to the monitoring agents.

A core node counts while its last proof validation passed: the result file
the validation writes (--result) holds status "pass" from a run that
appended its audit entry. A checkout-only run (validation switched off), a
failed run, a missing or unreadable result: the node does not count. A node
that is down counts for nothing either, because nothing here runs.

Run by a systemd timer every minute and by a path unit whenever a new result
lands. Each run:
- starts the marker unit (--marker-unit) while the node counts and stops it
  otherwise. The marker is `sleep` running under the name `logos-core-validated`;
  the CloudWatch agent (procstat, pattern) and the Ops Agent (process
  metrics, command_line) report such a process on every node, so an alert
  counts validated core nodes across the pool with no metric of its own;
- appends one JSON line to --heartbeat-log when given (Azure: the Azure
  Monitor Agent ships it to the pool's workspace, where a query counts the
  nodes). The line carries no `status` and no `seconds`, so the alerts on
  validation results never mistake it for one. The file is renamed to
  `<log>.1` past --max-log-bytes, the rotation every log agent follows.

Standard library only; exit 0, or 1 when systemctl refused the marker.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

MARKER_NAME = "logos-core-validated"
DEFAULT_MAX_LOG_BYTES = 256 * 1024


def load_result(path: Path) -> dict[str, Any] | None:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def counts(result: dict[str, Any] | None, path: Path) -> tuple[bool, str]:
    """(counts, why): a pass of a full validation, one that appended its audit entry."""
    if result is None:
        return False, f"no readable validation result in {path}"
    if result.get("status") != "pass" or result.get("stage") != "complete":
        return False, f"last validation failed at stage {result.get('stage')}"
    if not isinstance(result.get("auditEntriesAfter"), int):
        return False, "last run only checked out the pinned commit (validation switched off)"
    return True, "last validation passed"


def heartbeat(now: datetime.datetime, node: str, result: dict[str, Any] | None, counted: bool, why: str) -> dict[str, Any]:
    line: dict[str, Any] = {
        "kind": "heartbeat",
        "time": now.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "node": node,
        "validated": 1 if counted else 0,
        "reason": why,
    }
    if result is not None:
        line["ref"] = result.get("ref")
        line["stage"] = result.get("stage")
    return line


def append_line(path: Path, document: dict[str, Any], max_bytes: int) -> None:
    data = (json.dumps(document, sort_keys=True) + "\n").encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        size = 0
    if size > 0 and size + len(data) > max_bytes:
        os.replace(path, path.with_name(path.name + ".1"))
    with open(path, "ab") as handle:
        handle.write(data)


def set_marker(systemctl: str, unit: str, active: bool) -> bool:
    done = subprocess.run([systemctl, "start" if active else "stop", unit], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        print(
            f"[availability] expected `{systemctl} {'start' if active else 'stop'} {unit}` to succeed, "
            f"found exit {done.returncode}: {(done.stderr or done.stdout).strip()}",
            file=sys.stderr,
        )
        return False
    return True


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--result", required=True, type=Path, help="the validation's result file")
    p.add_argument("--marker-unit", help="systemd unit kept running while the node counts")
    p.add_argument("--heartbeat-log", type=Path, help="append one JSON line per run here")
    p.add_argument("--max-log-bytes", type=int, default=DEFAULT_MAX_LOG_BYTES)
    p.add_argument("--systemctl", default="systemctl")
    args = p.parse_args(argv)

    result = load_result(args.result)
    counted, why = counts(result, args.result)
    node = result.get("node") if result is not None and isinstance(result.get("node"), str) else socket.gethostname()
    ok = True
    if args.heartbeat_log is not None:
        append_line(args.heartbeat_log, heartbeat(datetime.datetime.now(datetime.timezone.utc), node, result, counted, why), args.max_log_bytes)
    if args.marker_unit:
        ok = set_marker(args.systemctl, args.marker_unit, counted)
    print(f"[availability] node {node} {'counts' if counted else 'does not count'}: {why}", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
