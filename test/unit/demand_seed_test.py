"""Tests for infra/node/demand_seed.py against loopback fakes of IMDS, the
Azure Monitor custom-metrics endpoint and Resource Manager. Run:
python3 test/unit/demand_seed_test.py (test/unit/demand-seed.test.ts runs it)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from loopback_fake import Fake  # noqa: E402
SCRIPT = ROOT / "infra" / "node" / "demand_seed.py"
VMSS = "/subscriptions/s/resourceGroups/logos-test-rg/providers/Microsoft.Compute/virtualMachineScaleSets/logos-burst"
DEFS = f"{VMSS}/providers/Microsoft.Insights/metricDefinitions"



def token_route(req: dict) -> tuple[int, bytes]:
    if req["headers"].get("metadata") != "true" or req["query"].get("client_id") != "cid-1":
        return 400, b"bad token request"
    return 200, json.dumps({"access_token": "tok-" + req["query"]["resource"]}).encode()


class Seed(unittest.TestCase):
    def setUp(self) -> None:
        self.fake = Fake()
        self.addCleanup(self.fake.server_close)
        self.addCleanup(self.fake.shutdown)
        self.fake.routes[("GET", "/metadata/identity/oauth2/token")] = token_route
        self.fake.routes[("POST", f"{VMSS}/metrics")] = lambda req: (200, b"")

    def definitions_after(self, polls: int) -> None:
        """The metric is listed from the `polls`-th definitions read on."""
        seen = {"n": 0}

        def route(req: dict) -> tuple[int, bytes]:
            seen["n"] += 1
            listed = [{"name": {"value": "BurstDemand"}}] if seen["n"] >= polls else []
            return 200, json.dumps({"value": listed}).encode()

        self.fake.routes[("GET", DEFS)] = route

    def run_seed(self, *extra: str) -> subprocess.CompletedProcess:
        env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
        return subprocess.run(
            [sys.executable, str(SCRIPT), "--resource", VMSS, "--region", "eastus", "--namespace", "LogosBurst",
             "--metric", "BurstDemand", "--client-id", "cid-1", "--imds", self.fake.url, "--ingest", self.fake.url,
             "--arm", self.fake.url + "/", "--interval", "0.05", *extra],
            capture_output=True, text=True, timeout=60, env=env,
        )

    def of(self, method: str, path: str) -> list[dict]:
        return [r for r in self.fake.requests if r["method"] == method and r["path"] == path]

    def test_publishes_zero_until_the_metric_is_listed(self) -> None:
        self.definitions_after(3)
        done = self.run_seed()
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("LogosBurst/BurstDemand is listed", done.stdout)
        posts = self.of("POST", f"{VMSS}/metrics")
        self.assertEqual(len(posts), 3)
        body = json.loads(posts[0]["body"])
        self.assertEqual(body["data"]["baseData"], {
            "metric": "BurstDemand", "namespace": "LogosBurst", "dimNames": [],
            "series": [{"dimValues": [], "min": 0, "max": 0, "sum": 0, "count": 1}]})
        self.assertRegex(body["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertEqual(posts[0]["headers"]["authorization"], "Bearer tok-https://monitoring.azure.com/")
        reads = self.of("GET", DEFS)
        self.assertEqual(reads[0]["query"], {"api-version": "2018-01-01", "metricnamespace": "LogosBurst"})
        self.assertEqual(reads[0]["headers"]["authorization"], "Bearer tok-https://management.azure.com/")

    def test_gives_up_with_a_message_when_the_metric_never_appears(self) -> None:
        self.definitions_after(10**6)
        done = self.run_seed("--timeout", "0.3")
        self.assertEqual(done.returncode, 4)
        self.assertRegex(done.stderr, r"^demand-seed: wait: BurstDemand not listed after 0 s \(definitions HTTP 200, "
                                      r"BurstDemand not listed yet\)\n$")

    def test_a_refused_publish_stops_at_once_naming_the_answer(self) -> None:
        self.definitions_after(1)
        self.fake.routes[("POST", f"{VMSS}/metrics")] = lambda req: (403, b'{"error":"Forbidden"}')
        done = self.run_seed()
        self.assertEqual(done.returncode, 4)
        self.assertEqual(done.stderr, 'demand-seed: publish: HTTP 403: {"error":"Forbidden"}\n')
        self.assertEqual(self.of("GET", DEFS), [])

    def test_no_token_is_an_identity_failure(self) -> None:
        self.fake.routes[("GET", "/metadata/identity/oauth2/token")] = lambda req: (400, b"identity not found")
        done = self.run_seed()
        self.assertEqual(done.returncode, 3)
        self.assertIn("demand-seed: token: https://monitoring.azure.com/: HTTP 400: identity not found", done.stderr)


if __name__ == "__main__":
    unittest.main()
