"""Tests for infra/node/burst_member.py (logos-member): SigV4 against AWS's
published example and botocore, the role each cloud's answer means, and every
action's calls against a loopback fake of each cloud's metadata service and
API. Run: python3 test/unit/burst_member_test.py (the vitest file
test/unit/burst-member.test.ts runs it)."""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
import tempfile
import unittest
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from loopback_fake import Fake  # noqa: E402
SCRIPT = ROOT / "infra" / "node" / "burst_member.py"
sys.path.insert(0, str(SCRIPT.parent))

import burst_member as bm  # noqa: E402

REF = "0123456789abcdef0123456789abcdef01234567"


class SigV4(unittest.TestCase):
    def test_the_published_get_example(self) -> None:
        # AWS General Reference, "Signature Version 4 signing process" example: IAM ListUsers.
        h = bm.sigv4_headers(
            method="GET", url="https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08", body=b"",
            access_key="AKIDEXAMPLE", secret_key="wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", token=None,
            region="us-east-1", service="iam", now=datetime.datetime(2015, 8, 30, 12, 36, tzinfo=datetime.timezone.utc),
        )
        self.assertTrue(h["Authorization"].endswith(
            "SignedHeaders=content-type;host;x-amz-date,"
            "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"), h["Authorization"])

    def test_a_form_post_with_a_session_token_as_botocore_signs_it(self) -> None:
        # Expected value computed once with botocore 1.43.11 (SigV4Auth) for the same request and clock.
        body = ("Action=SetInstanceProtection&AutoScalingGroupName=logos-burst-1a2b3c4d&InstanceIds.member.1="
                "i-0123456789abcdef0&ProtectedFromScaleIn=true&Version=2011-01-01").encode()
        h = bm.sigv4_headers(
            method="POST", url="https://autoscaling.eu-west-1.amazonaws.com/", body=body, access_key="ASIAEXAMPLE",
            secret_key="secretEXAMPLE", token="tokenEXAMPLE", region="eu-west-1", service="autoscaling",
            now=datetime.datetime(2026, 3, 4, 5, 6, 7, tzinfo=datetime.timezone.utc),
        )
        self.assertEqual(h["X-Amz-Security-Token"], "tokenEXAMPLE")
        self.assertTrue(h["Authorization"].endswith(
            "Signature=6d0cca3e7a52171f0752ec20d1bfc4058340603a4229b237d000362c24cdc577"), h["Authorization"])


class Roles(unittest.TestCase):
    def test_aws_warm_pool_states_are_the_standby(self) -> None:
        for state in ("Warmed:Stopped", "Warmed:Running", "Warmed:Hibernated"):
            self.assertEqual(bm.aws_role(state), "standby")
        for state in ("InService", "Standby", "Detached"):
            self.assertEqual(bm.aws_role(state), "burst")

    def test_gcp_a_vm_the_group_means_to_stop_is_the_standby(self) -> None:
        managed = [
            {"instance": "https://x/zones/a/instances/logos-burst-1-abcd", "targetStatus": "RUNNING"},
            {"instance": "https://x/zones/b/instances/logos-burst-1-efgh", "targetStatus": "STOPPED"},
        ]
        self.assertEqual(bm.gcp_role(managed, "logos-burst-1-abcd"), "burst")
        self.assertEqual(bm.gcp_role(managed, "logos-burst-1-efgh"), "standby")
        with self.assertRaises(bm.MemberError):
            bm.gcp_role(managed, "someone-else")

    def test_azure_a_vm_listed_by_its_standby_pool_is_the_standby(self) -> None:
        me = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/logos-burst_1"
        listed = [{"properties": {"virtualMachineResourceId": me.upper()}}]
        self.assertEqual(bm.azure_role(listed, me), "standby")
        self.assertEqual(bm.azure_role([], me), "burst")

    def test_gcp_group_comes_from_created_by(self) -> None:
        self.assertEqual(
            bm.gcp_group_from_created_by("projects/123/regions/europe-west1/instanceGroupManagers/logos-burst-x"),
            ("123", "regions/europe-west1", "logos-burst-x"),
        )
        with self.assertRaises(bm.MemberError):
            bm.gcp_group_from_created_by("projects/123/zones/a/instances/vm")



class MemberCase(unittest.TestCase):
    cloud = ""
    settings: dict = {}

    def setUp(self) -> None:
        self.meta = Fake()
        self.api = Fake()
        for server in (self.meta, self.api):
            self.addCleanup(server.server_close)
            self.addCleanup(server.shutdown)
        fd, self.config = tempfile.mkstemp(suffix=".json")
        os.write(fd, json.dumps({"cloud": self.cloud, "ref": REF, "roleKey": "logos-role",
                                 "validatedKey": "logos-validated", **self.settings}).encode())
        os.close(fd)
        self.addCleanup(os.unlink, self.config)

    def run_member(self, action: str, *extra: str) -> subprocess.CompletedProcess:
        env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
        return subprocess.run(
            [sys.executable, str(SCRIPT), action, "--config", self.config, "--metadata-url", self.meta.url,
             "--endpoint", self.api.url + "/", *extra],
            capture_output=True, text=True, timeout=60, env=env,
        )

    def calls(self, method: str | None = None) -> list[dict]:
        return [r for r in self.api.requests if method is None or r["method"] == method]


class AwsMember(MemberCase):
    cloud = "aws"
    settings = {"aws": {"region": "eu-west-1", "group": "logos-burst-1a2b3c4d", "hook": "logos-validated"}}

    def setUp(self) -> None:
        super().setUp()
        self.state = "InService"
        self.lifecycle = (200, b"<CompleteLifecycleActionResponse/>")
        m = self.meta.routes

        def token_only(answer):
            return lambda r: (200, answer() if callable(answer) else answer) if r["headers"].get(
                "x-aws-ec2-metadata-token") == "t" else (401, b"")

        m[("PUT", "/latest/api/token")] = lambda r: (200, b"t")
        m[("GET", "/latest/meta-data/instance-id")] = token_only(b"i-0123456789abcdef0")
        m[("GET", "/latest/meta-data/autoscaling/target-lifecycle-state")] = token_only(lambda: self.state.encode())
        m[("GET", "/latest/meta-data/iam/security-credentials/")] = token_only(b"logos-node-role\n")
        m[("GET", "/latest/meta-data/iam/security-credentials/logos-node-role")] = token_only(json.dumps(
            {"AccessKeyId": "ASIAFAKE", "SecretAccessKey": "s3cret", "Token": "session"}).encode())

        def api(r):
            params = dict(urllib.parse.parse_qsl(r["body"].decode()))
            if params["Action"] == "CompleteLifecycleAction":
                return self.lifecycle
            return (200, b"<ok/>")

        self.api.routes[("POST", "/")] = api

    def actions(self) -> list[dict]:
        return [dict(urllib.parse.parse_qsl(r["body"].decode())) for r in self.calls("POST")]

    def test_a_launch_into_the_warm_pool_leaves_as_standby_and_is_not_protected(self) -> None:
        self.state = "Warmed:Stopped"
        done = self.run_member("leave")
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual([a["Action"] for a in self.actions()], ["DeleteTags", "CreateTags"])
        delete, create = self.actions()
        self.assertEqual((create["Tag.1.Key"], create["Tag.1.Value"], create["ResourceId.1"]),
                         ("logos-role", "standby", "i-0123456789abcdef0"))
        self.assertEqual(delete["Tag.1.Key"], "logos-validated")

    def test_a_standby_started_into_service_drops_its_old_pass_before_it_says_burst(self) -> None:
        # Discovery counts role burst + validated: the warm boot's validated tag goes first.
        self.state = "InService"
        done = self.run_member("leave")
        self.assertEqual(done.returncode, 0, done.stderr)
        actions = self.actions()
        self.assertEqual([a["Action"] for a in actions], ["DeleteTags", "CreateTags", "SetInstanceProtection"])
        self.assertEqual(actions[0]["Tag.1.Key"], "logos-validated")
        self.assertEqual((actions[1]["Tag.1.Key"], actions[1]["Tag.1.Value"]), ("logos-role", "burst"))

    def test_entering_service_tags_completes_the_launch_hook_and_ends_idle(self) -> None:
        done = self.run_member("enter")
        self.assertEqual(done.returncode, 0, done.stderr)
        actions = self.actions()
        self.assertEqual([a["Action"] for a in actions], ["CreateTags", "CompleteLifecycleAction", "SetInstanceProtection"])
        tags = {actions[0][f"Tag.{i}.Key"]: actions[0][f"Tag.{i}.Value"] for i in (1, 2)}
        self.assertEqual(tags, {"logos-role": "burst", "logos-validated": REF})
        self.assertEqual({k: actions[1][k] for k in ("AutoScalingGroupName", "LifecycleHookName", "InstanceId", "LifecycleActionResult")},
                         {"AutoScalingGroupName": "logos-burst-1a2b3c4d", "LifecycleHookName": "logos-validated",
                          "InstanceId": "i-0123456789abcdef0", "LifecycleActionResult": "CONTINUE"})
        self.assertEqual(actions[2]["ProtectedFromScaleIn"], "false")
        # Signed with the role's session credentials for the right service and region.
        auth = [r["headers"]["authorization"] for r in self.calls("POST")]
        self.assertIn("Credential=ASIAFAKE/", auth[1])
        self.assertIn("/eu-west-1/autoscaling/aws4_request", auth[1])
        self.assertIn("/eu-west-1/ec2/aws4_request", auth[0])
        self.assertEqual(self.calls("POST")[1]["headers"]["x-amz-security-token"], "session")

    def test_a_boot_without_a_pending_action_is_not_an_error(self) -> None:
        self.lifecycle = (400, b"<Error><Code>ValidationError</Code><Message>No active Lifecycle Action found with instance ID i-0123456789abcdef0</Message></Error>")
        done = self.run_member("enter")
        self.assertEqual(done.returncode, 0, done.stderr)

    def test_a_refused_completion_keeps_the_member_out_of_service(self) -> None:
        self.lifecycle = (400, b"<Error><Code>AccessDenied</Code></Error>")
        done = self.run_member("enter")
        self.assertEqual(done.returncode, 4)
        self.assertIn("logos-member: lifecycle: HTTP 400", done.stderr)

    def test_busy_and_idle_set_scale_in_protection(self) -> None:
        for action, expected in (("busy", "true"), ("idle", "false")):
            done = self.run_member(action)
            self.assertEqual(done.returncode, 0, done.stderr)
            last = self.actions()[-1]
            self.assertEqual((last["Action"], last["ProtectedFromScaleIn"], last["AutoScalingGroupName"]),
                             ("SetInstanceProtection", expected, "logos-burst-1a2b3c4d"))

    def test_no_metadata_service_is_an_identity_failure(self) -> None:
        self.meta.routes.clear()
        done = self.run_member("enter")
        self.assertEqual(done.returncode, 3)
        self.assertEqual(self.calls(), [])


class GcpMember(MemberCase):
    cloud = "gcp"

    def setUp(self) -> None:
        super().setUp()
        self.target = "RUNNING"
        self.labels = {"logos-proof-gated": "true", "logos-role": "burst", "logos-validated": "old"}
        md = {
            "instance/name": "logos-burst-1a2b3c-x1y2",
            "instance/zone": "projects/123/zones/europe-west1-b",
            "project/project-id": "logos-test",
            "instance/attributes/created-by": "projects/123/regions/europe-west1/instanceGroupManagers/logos-burst-group",
            "instance/service-accounts/default/token": json.dumps({"access_token": "ya29.fake", "expires_in": 3599}),
        }
        for key, value in md.items():
            self.meta.routes[("GET", f"/computeMetadata/v1/{key}")] = (
                lambda r, v=value: (200, v.encode()) if r["headers"].get("metadata-flavor") == "Google" else (403, b""))
        base = "/compute/v1/projects/logos-test/zones/europe-west1-b/instances/logos-burst-1a2b3c-x1y2"
        self.api.routes[("GET", base)] = lambda r: (200, json.dumps({"labels": self.labels, "labelFingerprint": "fp1"}).encode())
        self.api.routes[("POST", f"{base}/setLabels")] = lambda r: (200, b"{}")
        self.api.routes[("POST", "/compute/v1/projects/123/regions/europe-west1/instanceGroupManagers/logos-burst-group/listManagedInstances")] = (
            lambda r: (200, json.dumps({"managedInstances": [
                {"instance": f"https://www.googleapis.com/compute/v1{base}", "targetStatus": self.target}]}).encode()))

    def set_labels(self) -> list[dict]:
        return [json.loads(r["body"]) for r in self.calls("POST") if r["path"].endswith("/setLabels")]

    def test_a_vm_for_the_standby_pool_leaves_as_standby_without_the_validated_label(self) -> None:
        self.target = "STOPPED"
        done = self.run_member("leave")
        self.assertEqual(done.returncode, 0, done.stderr)
        [body] = self.set_labels()
        self.assertEqual(body, {"labels": {"logos-proof-gated": "true", "logos-role": "standby"}, "labelFingerprint": "fp1"})
        self.assertTrue(all(r["headers"]["authorization"] == "Bearer ya29.fake" for r in self.calls()))

    def test_entering_service_labels_the_commit_and_keeps_other_labels(self) -> None:
        done = self.run_member("enter")
        self.assertEqual(done.returncode, 0, done.stderr)
        [body] = self.set_labels()
        self.assertEqual(body["labels"], {"logos-proof-gated": "true", "logos-role": "burst", "logos-validated": REF})

    def test_busy_is_recorded_only_there_is_no_protection_on_gcp(self) -> None:
        done = self.run_member("busy")
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("GCP has no per-VM scale-in protection", done.stderr)
        self.assertEqual(self.set_labels(), [])


class AzureMember(MemberCase):
    cloud = "azure"
    POOL = "/subscriptions/sub/resourceGroups/logos-rg/providers/Microsoft.StandbyPool/standbyVirtualMachinePools/logos-standby"
    VM = "/subscriptions/sub/resourceGroups/logos-rg/providers/Microsoft.Compute/virtualMachines/logos-burst_abc123"
    settings = {"azure": {"clientId": "client-1", "standbyPoolId": POOL, "healthPort": 8471}}

    def setUp(self) -> None:
        super().setUp()
        self.standby: list[dict] = []
        compute = {"resourceId": self.VM, "name": "logos-burst_abc123", "vmScaleSetName": "logos-burst-ss",
                   "resourceGroupName": "logos-rg", "subscriptionId": "sub"}
        self.meta.routes[("GET", "/metadata/instance/compute")] = (
            lambda r: (200, json.dumps(compute).encode()) if r["headers"].get("metadata") == "true" else (400, b""))
        self.meta.routes[("GET", "/metadata/identity/oauth2/token")] = (
            lambda r: (200, json.dumps({"access_token": "eyFake"}).encode())
            if r["query"].get("client_id") == "client-1" and r["query"].get("resource") == "https://management.azure.com/" else (400, b""))
        self.api.routes[("GET", f"{self.POOL}/standbyVirtualMachines")] = lambda r: (200, json.dumps({"value": self.standby}).encode())
        self.api.routes[("PATCH", f"{self.VM}/providers/Microsoft.Resources/tags/default")] = lambda r: (200, b"{}")
        self.api.routes[("PUT", "/subscriptions/sub/resourceGroups/logos-rg/providers/Microsoft.Compute/virtualMachineScaleSets/logos-burst-ss/virtualMachines/logos-burst_abc123")] = lambda r: (200, b"{}")
        fd, self.systemctl_log = tempfile.mkstemp()
        os.close(fd)
        self.addCleanup(os.unlink, self.systemctl_log)
        fd, self.systemctl = tempfile.mkstemp()
        os.write(fd, f'#!/bin/sh\necho "$@" >> {self.systemctl_log}\n'.encode())
        os.close(fd)
        os.chmod(self.systemctl, 0o755)
        self.addCleanup(os.unlink, self.systemctl)

    def run_azure(self, action: str) -> subprocess.CompletedProcess:
        return self.run_member(action, "--systemctl", self.systemctl)

    def bodies(self, method: str) -> list[dict]:
        return [json.loads(r["body"]) for r in self.calls(method)]

    def systemctl_calls(self) -> list[str]:
        return Path(self.systemctl_log).read_text().splitlines()

    def test_a_standby_pool_vm_leaves_as_standby_unprotected_and_unhealthy(self) -> None:
        self.standby = [{"properties": {"virtualMachineResourceId": self.VM}}]
        done = self.run_azure("leave")
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(self.bodies("PATCH"), [
            {"operation": "Delete", "properties": {"tags": {"logos-validated": ""}}},
            {"operation": "Merge", "properties": {"tags": {"logos-role": "standby"}}},
        ])
        self.assertEqual(self.calls("PUT"), [])
        self.assertEqual(self.systemctl_calls(), ["stop logos-health.socket"])

    def test_a_member_leaves_protected_from_scale_in_and_scale_set_actions_while_it_validates(self) -> None:
        done = self.run_azure("leave")
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(self.bodies("PUT"), [
            {"properties": {"protectionPolicy": {"protectFromScaleIn": True, "protectFromScaleSetActions": True}}}])
        self.assertTrue(all(r["headers"]["authorization"] == "Bearer eyFake" for r in self.calls()))

    def test_entering_service_tags_opens_the_health_port_and_ends_idle(self) -> None:
        done = self.run_azure("enter")
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(self.bodies("PATCH"), [
            {"operation": "Merge", "properties": {"tags": {"logos-role": "burst", "logos-validated": REF}}}])
        self.assertEqual(self.systemctl_calls(), ["start logos-health.socket"])
        self.assertEqual(self.bodies("PUT")[-1]["properties"]["protectionPolicy"],
                         {"protectFromScaleIn": False, "protectFromScaleSetActions": False})

    def test_busy_fails_loudly_when_the_cloud_refuses(self) -> None:
        self.api.routes.pop(next(k for k in self.api.routes if k[0] == "PUT"))
        done = self.run_azure("busy")
        self.assertEqual(done.returncode, 4)
        self.assertIn("logos-member: protection: HTTP 404", done.stderr)


def unit_settings(text: str) -> dict[str, list[str]]:
    """`Section.Key` -> values, for unit files (keys may repeat)."""
    out: dict[str, list[str]] = {}
    section = ""
    for line in text.splitlines():
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
        elif "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            out.setdefault(f"{section}.{key}", []).append(value)
    return out


class Install(unittest.TestCase):
    def setUp(self) -> None:
        self.units = tempfile.mkdtemp()
        fd, self.log = tempfile.mkstemp()
        os.close(fd)
        fd, self.systemctl = tempfile.mkstemp()
        os.write(fd, f'#!/bin/sh\necho "$@" >> {self.log}\n'.encode())
        os.close(fd)
        os.chmod(self.systemctl, 0o755)

    def install(self, **config) -> dict[str, dict[str, list[str]]]:
        fd, path = tempfile.mkstemp(suffix=".json")
        os.write(fd, json.dumps({"cloud": "gcp", "ref": REF, "roleKey": "logos-role", "validatedKey": "logos-validated", **config}).encode())
        os.close(fd)
        done = subprocess.run(
            [sys.executable, str(SCRIPT), "install", "--config", path, "--unit-dir", self.units, "--systemctl", self.systemctl],
            capture_output=True, text=True, timeout=30)
        self.assertEqual(done.returncode, 0, done.stderr)
        return {name: unit_settings(Path(self.units, name).read_text()) for name in os.listdir(self.units)}

    def test_leave_runs_before_the_validation_and_enter_only_after_it_passed(self) -> None:
        units = self.install()
        self.assertEqual(sorted(units), ["logos-member-enter.service", "logos-member-leave.service"])
        leave, enter = units["logos-member-leave.service"], units["logos-member-enter.service"]
        self.assertEqual(leave["Unit.Before"], ["logos-validate-proof.service logos-member-enter.service"])
        self.assertEqual(enter["Unit.Requires"], ["logos-member-leave.service logos-validate-proof.service"])
        self.assertEqual(enter["Unit.After"], ["logos-member-leave.service logos-validate-proof.service"])
        self.assertRegex(enter["Service.ExecStart"][0], r"^/usr/bin/python3 /opt/logos/bin/logos-member enter --config \S+\.json$")
        for unit in (leave, enter):
            self.assertEqual(unit["Service.Type"], ["oneshot"])
            self.assertEqual(unit["Install.WantedBy"], ["cloud-init.target"])
        self.assertEqual(Path(self.log).read_text().splitlines(), [
            "daemon-reload",
            "enable logos-member-leave.service logos-member-enter.service",
            "start --no-block logos-member-leave.service logos-member-enter.service",
        ])

    def test_without_a_boot_time_validation_enter_follows_cloud_init(self) -> None:
        enter = self.install(validation=False)["logos-member-enter.service"]
        self.assertEqual(enter["Unit.Requires"], ["logos-member-leave.service"])
        self.assertEqual(enter["Unit.After"], ["logos-member-leave.service cloud-final.service"])

    def test_azure_gets_a_health_socket_that_is_not_enabled(self) -> None:
        units = self.install(cloud="azure", azure={"clientId": "c", "healthPort": 8471})
        self.assertEqual(units["logos-health.socket"]["Socket.ListenStream"], ["8471"])
        self.assertNotIn("Install.WantedBy", units["logos-health.socket"])
        self.assertEqual(units["logos-health@.service"]["Service.StandardInput"], ["socket"])
        self.assertNotIn("logos-health.socket", Path(self.log).read_text())


class Config(unittest.TestCase):
    def test_every_problem_is_named(self) -> None:
        fd, path = tempfile.mkstemp(suffix=".json")
        os.write(fd, json.dumps({"cloud": "ibm", "ref": "HEAD", "roleKey": "Role", "validatedKey": "logos-validated"}).encode())
        os.close(fd)
        self.addCleanup(os.unlink, path)
        done = subprocess.run([sys.executable, str(SCRIPT), "enter", "--config", path], capture_output=True, text=True, timeout=30)
        self.assertEqual(done.returncode, 2)
        self.assertIn("cloud ('ibm') must be aws, gcp or azure", done.stderr)
        self.assertIn("ref ('HEAD') must be a full 40-hex commit", done.stderr)
        self.assertIn("roleKey ('Role') must be a tag key", done.stderr)


if __name__ == "__main__":
    unittest.main()
