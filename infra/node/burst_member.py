#!/usr/bin/env python3
"""A burst member's own part of the scheduler contract, with the node's own identity.

Standard library only; Python >= 3.11. Installed on burst and standby nodes as
/opt/logos/bin/logos-member, configured by /etc/logos/member.json (written by
cloud-init), run by two boot units and by the scheduler over SSH:

    logos-member install from cloud-init: writes and starts the two boot units
    logos-member leave   at boot, before the validation: out of service
    logos-member enter   after this boot's validation passed: into service
    logos-member busy    before a job: never remove this member
    logos-member idle    after the last job: this member may be removed

install writes logos-member-leave.service (before the validation unit) and
       logos-member-enter.service (Requires= and After= the validation unit,
       so it runs only after a pass; after cloud-final when the config says
       the pool validates nothing), plus, on Azure, the health socket; then
       enables and starts them without blocking cloud-init. They live here,
       not in user-data, because EC2 caps user-data at 16 KiB and this script
       travels through the boot bucket.
leave  sets the role tag (label) from what the cloud says this boot is for --
       `standby` for the warm / standby pool, `burst` otherwise -- removes the
       validated tag a previous boot left, and protects the member while it
       validates (AWS, Azure; the standby cannot be protected and needs not).
enter  sets the role tag and `<validated key>=<pinned commit>`, then, on AWS,
       completes the pending launch lifecycle action (CONTINUE), which is what
       lets Auto Scaling put the instance in service; on Azure it starts the
       local health endpoint the scale set's Application Health extension
       probes. A burst member ends idle (unprotected).
busy / idle
       AWS: SetInstanceProtection (ProtectedFromScaleIn); Azure: the scale set
       instance's protectionPolicy (protectFromScaleIn and
       protectFromScaleSetActions, so neither autoscale nor a rolling upgrade
       takes a busy member); GCP has no per-VM protection: the scheduler
       scales in by deleting members it knows idle, so these only record it.

Cloud calls (no CLI; Ubuntu images do not reliably carry one):
  aws    IMDSv2: autoscaling/target-lifecycle-state, instance id, the role's
         credentials; Auto Scaling and EC2 query APIs signed with SigV4.
  gcp    metadata server: token, project, zone, name, created-by (the group);
         Compute Engine: instances.get/setLabels,
         regionInstanceGroupManagers.listManagedInstances (targetStatus).
  azure  IMDS: token for Resource Manager (the user-assigned identity in the
         config), compute metadata; ARM: Tags (Merge/Delete at the VM's scope),
         the standby pool's standbyVirtualMachines, the scale set VM's
         protectionPolicy.

Exit codes: 0 done; 2 usage (bad arguments or config); 3 identity (no token
or metadata); 4 cloud (an API refused or did not answer). Each failure prints
one `logos-member: <step>: ...` line on stderr.

--metadata-url, --endpoint, --systemctl and --unit-dir replace the metadata service, the
cloud API base URL, systemctl and the unit directory (tests run against a loopback fake).
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import hmac
import json
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

EXIT_USAGE = 2
EXIT_IDENTITY = 3
EXIT_CLOUD = 4
RETRIES = 3
TIMEOUT = 20.0

REF_RE = re.compile(r"^[0-9a-f]{40}$")
TAG_KEY_RE = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")

AWS_AUTOSCALING_VERSION = "2011-01-01"
AWS_EC2_VERSION = "2016-11-15"
AZURE_MANAGEMENT = "https://management.azure.com/"
AZURE_TAGS_API = "2021-04-01"
AZURE_STANDBY_API = "2025-03-01"
# Instance protection on a Flexible scale set needs 2023-09-01 or later
# (Azure docs, "Instance Protection for Azure Virtual Machine Scale Set instances").
AZURE_COMPUTE_API = "2024-07-01"


class MemberError(Exception):
    def __init__(self, code: int, step: str, message: str) -> None:
        super().__init__(f"{step}: {message}")
        self.code = code


# --------------------------------------------------------------------------
# Pure helpers (unit-tested)


def sigv4_headers(
    *, method: str, url: str, body: bytes, access_key: str, secret_key: str, token: str | None,
    region: str, service: str, now: datetime.datetime,
) -> dict[str, str]:
    """Headers (with Authorization) of a SigV4-signed request to `url`; `body` form-encoded."""
    parts = urllib.parse.urlsplit(url)
    amz_date = now.astimezone(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    headers = {
        "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
        "Host": parts.netloc,
        "X-Amz-Date": amz_date,
    }
    if token:
        headers["X-Amz-Security-Token"] = token
    lowered = {k.lower(): " ".join(v.strip().split()) for k, v in headers.items()}
    names = sorted(lowered)
    canonical = "\n".join(
        [
            method,
            parts.path or "/",
            "&".join(
                f"{urllib.parse.quote(k, safe='-_.~')}={urllib.parse.quote(v, safe='-_.~')}"
                for k, v in sorted(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
            ),
            "".join(f"{n}:{lowered[n]}\n" for n in names),
            ";".join(names),
            hashlib.sha256(body).hexdigest(),
        ]
    )
    scope = f"{amz_date[:8]}/{region}/{service}/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = hmac.new(("AWS4" + secret_key).encode(), amz_date[:8].encode(), hashlib.sha256).digest()
    for part in (region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    headers["Authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={access_key}/{scope},SignedHeaders={';'.join(names)},Signature={signature}"
    )
    return headers


def aws_role(target_state: str) -> str:
    """`standby` while Auto Scaling means the instance for the warm pool (Warmed:*), `burst` otherwise."""
    return "standby" if target_state.startswith("Warmed:") else "burst"


def gcp_role(managed_instances: list[dict], instance_name: str) -> str:
    """`standby` when the group means this VM to be stopped or suspended (its standby pool)."""
    for m in managed_instances:
        if str(m.get("instance", "")).rsplit("/", 1)[-1] == instance_name:
            return "standby" if m.get("targetStatus") in ("STOPPED", "SUSPENDED") else "burst"
    raise MemberError(EXIT_CLOUD, "role", f"{instance_name} is not a member of its instance group")


def azure_role(standby_vms: list[dict], resource_id: str) -> str:
    """`standby` while this VM is one of its standby pool's virtual machines."""
    mine = resource_id.lower()
    for vm in standby_vms:
        if str(vm.get("properties", {}).get("virtualMachineResourceId", "")).lower() == mine:
            return "standby"
    return "burst"


def gcp_group_from_created_by(created_by: str) -> tuple[str, str, str]:
    """(project, region or zone scope, group name) from the `created-by` metadata a MIG sets."""
    m = re.fullmatch(r"projects/([^/]+)/(regions|zones)/([^/]+)/instanceGroupManagers/([^/]+)", created_by)
    if not m:
        raise MemberError(EXIT_IDENTITY, "metadata", f"created-by ({created_by!r}) names no instance group manager")
    return m.group(1), f"{m.group(2)}/{m.group(3)}", m.group(4)


# --------------------------------------------------------------------------
# HTTP


class Response:
    def __init__(self, status: int, body: bytes) -> None:
        self.status = status
        self.body = body

    def json(self) -> dict:
        return json.loads(self.body.decode() or "{}")


def http(method: str, url: str, headers: dict[str, str], body: bytes | None = None) -> Response:
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as r:
            return Response(r.status, r.read())
    except urllib.error.HTTPError as e:
        return Response(e.code, e.read())


def call(step: str, code: int, do, ok: tuple[int, ...] = (200,)) -> Response:
    """`do()` with retries on network errors and 5xx / 429; anything else not in `ok` fails the step."""
    last = ""
    for attempt in range(RETRIES):
        try:
            r = do()
        except (urllib.error.URLError, OSError) as e:
            last = str(e)
        else:
            if r.status in ok:
                return r
            last = f"HTTP {r.status}: {r.body.decode(errors='replace')[:300]}"
            if r.status < 500 and r.status != 429:
                break
        time.sleep(min(2**attempt, 5))
    raise MemberError(code, step, last)


# --------------------------------------------------------------------------
# Clouds


class Aws:
    def __init__(self, config: dict, args: argparse.Namespace) -> None:
        self.region = config["aws"]["region"]
        self.group = config["aws"]["group"]
        self.hook = config["aws"]["hook"]
        self.imds = (args.metadata_url or "http://169.254.169.254").rstrip("/")
        self.endpoint = args.endpoint
        token = call("identity", EXIT_IDENTITY, lambda: http(
            "PUT", f"{self.imds}/latest/api/token", {"X-aws-ec2-metadata-token-ttl-seconds": "300"}))
        self.imds_token = token.body.decode()
        self.instance_id = self.meta("instance-id")

    def meta(self, path: str) -> str:
        r = call("metadata", EXIT_IDENTITY, lambda: http(
            "GET", f"{self.imds}/latest/meta-data/{path}", {"X-aws-ec2-metadata-token": self.imds_token}))
        return r.body.decode().strip()

    def target_state(self) -> str:
        return self.meta("autoscaling/target-lifecycle-state")

    def role(self) -> str:
        return aws_role(self.target_state())

    def query(self, step: str, service: str, params: dict[str, str], ok: tuple[int, ...] = (200,)) -> Response:
        role = self.meta("iam/security-credentials/").splitlines()[0]
        creds = json.loads(self.meta(f"iam/security-credentials/{role}"))
        url = self.endpoint or f"https://{service}.{self.region}.amazonaws.com/"
        body = urllib.parse.urlencode(params).encode()

        def do() -> Response:
            headers = sigv4_headers(
                method="POST", url=url, body=body, access_key=creds["AccessKeyId"], secret_key=creds["SecretAccessKey"],
                token=creds.get("Token"), region=self.region, service=service,
                now=datetime.datetime.now(datetime.timezone.utc),
            )
            return http("POST", url, headers, body)

        return call(step, EXIT_CLOUD, do, ok)

    def retag(self, set_: dict[str, str], remove: tuple[str, ...] = ()) -> None:
        # Removals first: a standby started into service still carries the
        # validated tag of its warm boot; set `logos-role=burst` before that tag
        # is gone and discovery (role burst + validated) counts it as capacity
        # before this boot's validation has run. Two calls are never atomic.
        if remove:
            params = {"Action": "DeleteTags", "Version": AWS_EC2_VERSION, "ResourceId.1": self.instance_id}
            for i, k in enumerate(remove, start=1):
                params[f"Tag.{i}.Key"] = k
            self.query("tags", "ec2", params)
        params = {"Action": "CreateTags", "Version": AWS_EC2_VERSION, "ResourceId.1": self.instance_id}
        for i, (k, v) in enumerate(sorted(set_.items()), start=1):
            params[f"Tag.{i}.Key"] = k
            params[f"Tag.{i}.Value"] = v
        self.query("tags", "ec2", params)

    def protect(self, on: bool) -> None:
        self.query("protection", "autoscaling", {
            "Action": "SetInstanceProtection", "Version": AWS_AUTOSCALING_VERSION,
            "AutoScalingGroupName": self.group, "InstanceIds.member.1": self.instance_id,
            "ProtectedFromScaleIn": "true" if on else "false"})

    def complete_launch(self) -> None:
        r = self.query("lifecycle", "autoscaling", {
            "Action": "CompleteLifecycleAction", "Version": AWS_AUTOSCALING_VERSION,
            "AutoScalingGroupName": self.group, "LifecycleHookName": self.hook,
            "InstanceId": self.instance_id, "LifecycleActionResult": "CONTINUE"}, ok=(200, 400))
        # A boot with no pending action (e.g. a reboot in service) is not an error.
        if r.status == 400 and b"No active Lifecycle Action" not in r.body:
            raise MemberError(EXIT_CLOUD, "lifecycle", f"HTTP 400: {r.body.decode(errors='replace')[:300]}")


class Gcp:
    def __init__(self, config: dict, args: argparse.Namespace) -> None:
        self.md = (args.metadata_url or "http://metadata.google.internal").rstrip("/")
        self.api = (args.endpoint or "https://compute.googleapis.com").rstrip("/")
        self.name = self.meta("instance/name")
        self.zone = self.meta("instance/zone").rsplit("/", 1)[-1]
        self.project = self.meta("project/project-id")
        self.group_project, self.group_scope, self.group = gcp_group_from_created_by(
            self.meta("instance/attributes/created-by"))
        token = json.loads(self.meta("instance/service-accounts/default/token"))
        self.auth = {"Authorization": f"Bearer {token['access_token']}"}

    def meta(self, path: str) -> str:
        r = call("metadata", EXIT_IDENTITY, lambda: http(
            "GET", f"{self.md}/computeMetadata/v1/{path}", {"Metadata-Flavor": "Google"}))
        return r.body.decode().strip()

    def role(self) -> str:
        managed: list[dict] = []
        page = ""
        while True:
            url = (f"{self.api}/compute/v1/projects/{self.group_project}/{self.group_scope}/instanceGroupManagers/"
                   f"{self.group}/listManagedInstances" + (f"?pageToken={urllib.parse.quote(page)}" if page else ""))
            r = call("role", EXIT_CLOUD, lambda: http("POST", url, self.auth, b"")).json()
            managed += r.get("managedInstances", [])
            page = r.get("nextPageToken", "")
            if not page:
                return gcp_role(managed, self.name)

    def instance_url(self) -> str:
        return f"{self.api}/compute/v1/projects/{self.project}/zones/{self.zone}/instances/{self.name}"

    def retag(self, set_: dict[str, str], remove: tuple[str, ...] = ()) -> None:
        # setLabels replaces the whole map and needs the current fingerprint: read, change, write.
        current = call("labels", EXIT_CLOUD, lambda: http("GET", self.instance_url(), self.auth)).json()
        labels = {k: v for k, v in current.get("labels", {}).items() if k not in remove}
        labels.update(set_)
        body = json.dumps({"labels": labels, "labelFingerprint": current.get("labelFingerprint", "")}).encode()
        call("labels", EXIT_CLOUD, lambda: http(
            "POST", f"{self.instance_url()}/setLabels", {**self.auth, "Content-Type": "application/json"}, body))

    def protect(self, on: bool) -> None:
        print(f"logos-member: GCP has no per-VM scale-in protection; marked {'busy' if on else 'idle'} locally, "
              "the scheduler deletes only members it knows idle", file=sys.stderr)


class Azure:
    def __init__(self, config: dict, args: argparse.Namespace) -> None:
        self.imds = (args.metadata_url or "http://169.254.169.254").rstrip("/")
        self.arm = (args.endpoint or AZURE_MANAGEMENT).rstrip("/")
        self.standby_pool = config["azure"].get("standbyPoolId", "")
        self.health_unit = HEALTH_SOCKET if config["azure"].get("healthPort") is not None else ""
        self.systemctl = args.systemctl
        compute = json.loads(self.meta("/metadata/instance/compute?api-version=2021-02-01"))
        self.resource_id = compute["resourceId"]
        self.name = compute["name"]
        self.scale_set = compute.get("vmScaleSetName", "")
        self.group = compute["resourceGroupName"]
        self.subscription = compute["subscriptionId"]
        query = urllib.parse.urlencode({
            "api-version": "2018-02-01", "resource": AZURE_MANAGEMENT, "client_id": config["azure"]["clientId"]})
        token = json.loads(self.meta(f"/metadata/identity/oauth2/token?{query}"))
        self.auth = {"Authorization": f"Bearer {token['access_token']}", "Content-Type": "application/json"}

    def meta(self, path: str) -> str:
        r = call("metadata", EXIT_IDENTITY, lambda: http("GET", f"{self.imds}{path}", {"Metadata": "true"}))
        return r.body.decode()

    def role(self) -> str:
        if not self.standby_pool:
            return "burst"
        url = f"{self.arm}{self.standby_pool}/standbyVirtualMachines?api-version={AZURE_STANDBY_API}"
        vms: list[dict] = []
        while url:
            r = call("role", EXIT_CLOUD, lambda: http("GET", url, self.auth)).json()
            vms += r.get("value", [])
            url = r.get("nextLink", "")
        return azure_role(vms, self.resource_id)

    def tags(self, operation: str, tags: dict[str, str]) -> None:
        url = f"{self.arm}{self.resource_id}/providers/Microsoft.Resources/tags/default?api-version={AZURE_TAGS_API}"
        body = json.dumps({"operation": operation, "properties": {"tags": tags}}).encode()
        call("tags", EXIT_CLOUD, lambda: http("PATCH", url, self.auth, body))

    def retag(self, set_: dict[str, str], remove: tuple[str, ...] = ()) -> None:
        # Removals first (see Aws.retag).
        if remove:
            self.tags("Delete", {k: "" for k in remove})
        self.tags("Merge", set_)

    def protect(self, on: bool) -> None:
        if not self.scale_set:
            raise MemberError(EXIT_CLOUD, "protection", "this VM is not (yet) a member of a scale set")
        url = (f"{self.arm}/subscriptions/{self.subscription}/resourceGroups/{self.group}/providers/"
               f"Microsoft.Compute/virtualMachineScaleSets/{self.scale_set}/virtualMachines/{self.name}"
               f"?api-version={AZURE_COMPUTE_API}")
        body = json.dumps({"properties": {"protectionPolicy": {
            "protectFromScaleIn": on, "protectFromScaleSetActions": on}}}).encode()
        call("protection", EXIT_CLOUD, lambda: http("PUT", url, self.auth, body), ok=(200, 202))

    def health(self, on: bool) -> None:
        if not self.health_unit:
            return
        done = subprocess.run([self.systemctl, "start" if on else "stop", self.health_unit], capture_output=True, text=True)
        if done.returncode != 0:
            raise MemberError(EXIT_CLOUD, "health", f"systemctl {'start' if on else 'stop'} {self.health_unit}: {done.stderr.strip()}")


# --------------------------------------------------------------------------
# Boot units


VALIDATION_UNIT = "logos-validate-proof.service"
LEAVE_UNIT = "logos-member-leave.service"
ENTER_UNIT = "logos-member-enter.service"
HEALTH_SOCKET = "logos-health.socket"
HEALTH_SERVICE = "logos-health@.service"


def unit_files(config: dict, script: str, config_path: str) -> dict[str, str]:
    """The unit files `install` writes, by file name (pure)."""
    run = f"ExecStart=/usr/bin/python3 {script} {{}} --config {config_path}"
    head = "# Written by logos-member install: burst member in and out of service.\n"
    validates = config.get("validation", True)
    after = [LEAVE_UNIT, VALIDATION_UNIT] if validates else [LEAVE_UNIT, "cloud-final.service"]
    requires = [LEAVE_UNIT, VALIDATION_UNIT] if validates else [LEAVE_UNIT]
    files = {
        LEAVE_UNIT: head + "\n".join([
            "[Unit]", "Description=LOGOS burst member: out of service until this boot's validation passes",
            "Wants=network-online.target", "After=network-online.target", f"Before={VALIDATION_UNIT} {ENTER_UNIT}", "",
            "[Service]", "Type=oneshot", "RemainAfterExit=yes", run.format("leave"), "",
            "[Install]", "WantedBy=cloud-init.target", ""]),
        # Requires= + After= on the validation: a failed (or missing) pass never runs enter.
        ENTER_UNIT: head + "\n".join([
            "[Unit]", "Description=LOGOS burst member: into service after this boot's validation passed",
            f"Requires={' '.join(requires)}", f"After={' '.join(after)}", "",
            "[Service]", "Type=oneshot", "RemainAfterExit=yes", run.format("enter"), "",
            "[Install]", "WantedBy=cloud-init.target", ""]),
    }
    port = config.get("azure", {}).get("healthPort") if isinstance(config.get("azure"), dict) else None
    if port is not None:
        # Not enabled: only enter starts it and leave stops it, so the port
        # answers exactly while this boot's validation has passed.
        files[HEALTH_SOCKET] = head + "\n".join([
            "[Unit]", "Description=LOGOS burst member health: open while validated", "",
            "[Socket]", f"ListenStream={int(port)}", "Accept=yes", ""])
        files[HEALTH_SERVICE] = head + "\n".join([
            "[Unit]", "Description=LOGOS burst member health probe", "",
            "[Service]", "ExecStart=/bin/true", "StandardInput=socket", ""])
    return files


def install(config: dict, args: argparse.Namespace) -> str:
    unit_dir = args.unit_dir
    for name, text in unit_files(config, args.script_path, args.config).items():
        try:
            with open(f"{unit_dir}/{name}", "w", encoding="utf-8") as f:
                f.write(text)
        except OSError as e:
            raise MemberError(EXIT_USAGE, "install", f"{unit_dir}/{name}: {e}") from e
    for command in (["daemon-reload"], ["enable", LEAVE_UNIT, ENTER_UNIT], ["start", "--no-block", LEAVE_UNIT, ENTER_UNIT]):
        done = subprocess.run([args.systemctl, *command], capture_output=True, text=True)
        if done.returncode != 0:
            raise MemberError(EXIT_USAGE, "install", f"systemctl {' '.join(command)}: {done.stderr.strip()}")
    return f"installed {LEAVE_UNIT} and {ENTER_UNIT}"


# --------------------------------------------------------------------------
# Commands


def load_config(path: str) -> dict:
    try:
        with open(path, encoding="utf-8") as f:
            config = json.load(f)
    except (OSError, ValueError) as e:
        raise MemberError(EXIT_USAGE, "config", f"{path}: {e}") from e
    problems = []
    if config.get("cloud") not in ("aws", "gcp", "azure"):
        problems.append(f"cloud ({config.get('cloud')!r}) must be aws, gcp or azure")
    if not REF_RE.fullmatch(str(config.get("ref", ""))):
        problems.append(f"ref ({config.get('ref')!r}) must be a full 40-hex commit")
    for key in ("roleKey", "validatedKey"):
        if not TAG_KEY_RE.fullmatch(str(config.get(key, ""))):
            problems.append(f"{key} ({config.get(key)!r}) must be a tag key")
    if not isinstance(config.get("validation", True), bool):
        problems.append(f"validation ({config.get('validation')!r}) must be true or false")
    if config.get("cloud") in ("aws", "azure") and not isinstance(config.get(config["cloud"]), dict):
        problems.append(f"{config['cloud']} settings are missing")
    if problems:
        raise MemberError(EXIT_USAGE, "config", f"{path}: " + "; ".join(problems))
    return config


def cloud_for(config: dict, args: argparse.Namespace):
    match config["cloud"]:
        case "aws":
            return Aws(config, args)
        case "gcp":
            return Gcp(config, args)
        case _:
            return Azure(config, args)


def protect_quietly(cloud, on: bool) -> None:
    """Protection around the validation is a precaution: a cloud that refuses it (an instance not yet
    in service) must not keep the member out of service, so it is a warning here."""
    try:
        cloud.protect(on)
    except MemberError as e:
        print(f"logos-member: WARNING: {e}", file=sys.stderr)


def leave(config: dict, cloud) -> str:
    role = cloud.role()
    if isinstance(cloud, Azure):
        cloud.health(False)
    cloud.retag({config["roleKey"]: role}, (config["validatedKey"],))
    if role == "burst" and not isinstance(cloud, Gcp):
        # While it validates. A warm-pool / standby-pool VM cannot be protected and is never scaled in.
        protect_quietly(cloud, True)
    return f"out of service as {role} until this boot's validation passes"


def enter(config: dict, cloud) -> str:
    role = cloud.role()
    cloud.retag({config["roleKey"]: role, config["validatedKey"]: config["ref"]})
    if isinstance(cloud, Aws):
        cloud.complete_launch()
    if isinstance(cloud, Azure):
        cloud.health(True)
    if role == "burst" and not isinstance(cloud, Gcp):
        protect_quietly(cloud, False)
    return f"in service as {role}, validated at {config['ref']}"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="logos-member", description=__doc__.split("\n\n")[0])
    p.add_argument("action", choices=["install", "leave", "enter", "busy", "idle"])
    p.add_argument("--config", default="/etc/logos/member.json")
    p.add_argument("--metadata-url")
    p.add_argument("--endpoint")
    p.add_argument("--systemctl", default="systemctl")
    p.add_argument("--unit-dir", default="/etc/systemd/system")
    p.add_argument("--script-path", default="/opt/logos/bin/logos-member")
    args = p.parse_args(argv)
    try:
        config = load_config(args.config)
        if args.action == "install":
            print(f"logos-member: {install(config, args)}")
            return 0
        cloud = cloud_for(config, args)
        if args.action == "leave":
            message = leave(config, cloud)
        elif args.action == "enter":
            message = enter(config, cloud)
        else:
            cloud.protect(args.action == "busy")
            message = args.action
    except MemberError as e:
        print(f"logos-member: {e}", file=sys.stderr)
        return e.code
    print(f"logos-member: {message}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
