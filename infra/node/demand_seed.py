#!/usr/bin/env python3
"""Makes the burst demand metric exist before Azure autoscale is pointed at it.

Azure refuses an autoscale rule on a custom metric that has never been
published on its resource (UnsupportedMetric: "The MetricTriggerMetricName must
exist for the specified MetricTriggerMetricResourceUri", Azure docs, "Configure
autoscale ... with PowerShell"). Run once on a core node (a managed run command
of its VM) as the node identity: publish the idle value 0 on the scale set,
then repeat each interval until the scale set's metric definitions list the
metric. Standard library only; Python >= 3.11.

Exit codes: 0 listed; 3 identity (no token); 4 the API refused or the metric
did not appear in time. Failures print one `demand-seed: <step>: ...` line.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

MONITOR = "https://monitoring.azure.com/"
ARM = "https://management.azure.com/"


class SeedError(Exception):
    def __init__(self, code: int, step: str, message: str) -> None:
        super().__init__(f"{step}: {message}")
        self.code = code


def http(method: str, url: str, headers: dict[str, str], body: bytes | None = None) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, body, headers, method=method), timeout=20) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except (urllib.error.URLError, OSError) as e:
        return 0, str(e).encode()


def token(imds: str, client_id: str, resource: str) -> str:
    q = urllib.parse.urlencode({"api-version": "2018-02-01", "resource": resource, "client_id": client_id})
    status, body = http("GET", f"{imds}/metadata/identity/oauth2/token?{q}", {"Metadata": "true"})
    if status != 200:
        raise SeedError(3, "token", f"{resource}: HTTP {status}: {body[:300].decode(errors='replace')}")
    return json.loads(body)["access_token"]


def point(metric: str, namespace: str, now: datetime.datetime) -> bytes:
    """One custom-metric value 0 (Azure Monitor custom metrics REST body)."""
    series = {"dimValues": [], "min": 0, "max": 0, "sum": 0, "count": 1}
    base = {"metric": metric, "namespace": namespace, "dimNames": [], "series": [series]}
    return json.dumps({"time": now.strftime("%Y-%m-%dT%H:%M:%SZ"), "data": {"baseData": base}}).encode()


def listed(definitions: dict, metric: str) -> bool:
    return any((d.get("name") or {}).get("value", "").lower() == metric.lower() for d in definitions.get("value", []))


def seed(a: argparse.Namespace) -> str:
    ingest = a.ingest or f"https://{a.region}.monitoring.azure.com"
    arm = (a.arm or ARM).rstrip("/")
    q = urllib.parse.urlencode({"api-version": "2018-01-01", "metricnamespace": a.namespace})
    definitions = f"{arm}{a.resource}/providers/Microsoft.Insights/metricDefinitions?{q}"
    deadline = time.monotonic() + a.timeout
    last = ""
    while True:
        publish = {"Authorization": f"Bearer {token(a.imds, a.client_id, MONITOR)}", "Content-Type": "application/json"}
        status, body = http("POST", f"{ingest}{a.resource}/metrics", publish, point(a.metric, a.namespace, datetime.datetime.now(datetime.UTC)))
        if status in (400, 401, 403, 404):
            raise SeedError(4, "publish", f"HTTP {status}: {body[:300].decode(errors='replace')}")
        last = f"publish HTTP {status}"
        if status == 200:
            read = {"Authorization": f"Bearer {token(a.imds, a.client_id, ARM)}"}
            status, body = http("GET", definitions, read)
            if status == 200 and listed(json.loads(body), a.metric):
                return f"{a.namespace}/{a.metric} is listed on {a.resource}"
            if status in (401, 403):
                raise SeedError(4, "definitions", f"HTTP {status}: {body[:300].decode(errors='replace')}")
            last = f"definitions HTTP {status}, {a.metric} not listed yet"
        if time.monotonic() + a.interval > deadline:
            raise SeedError(4, "wait", f"{a.metric} not listed after {a.timeout:.0f} s ({last})")
        time.sleep(a.interval)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="demand-seed", description=__doc__.split("\n\n")[0])
    p.add_argument("--resource", required=True, help="ARM id of the scale set")
    p.add_argument("--region", required=True)
    p.add_argument("--namespace", required=True)
    p.add_argument("--metric", required=True)
    p.add_argument("--client-id", required=True, help="the user-assigned identity's client id")
    p.add_argument("--timeout", type=float, default=1200.0)
    p.add_argument("--interval", type=float, default=30.0)
    p.add_argument("--imds", default="http://169.254.169.254")
    p.add_argument("--ingest", help="replaces https://<region>.monitoring.azure.com (tests)")
    p.add_argument("--arm", help="replaces https://management.azure.com (tests)")
    a = p.parse_args(argv)
    try:
        print(f"demand-seed: {seed(a)}")
    except SeedError as e:
        print(f"demand-seed: {e}", file=sys.stderr)
        return e.code
    return 0


if __name__ == "__main__":
    sys.exit(main())
