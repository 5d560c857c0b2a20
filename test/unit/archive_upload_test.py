"""Tests for infra/node/archive_upload.py: SigV4 against AWS's published
examples, and each cloud's request shape against a loopback fake of its
metadata service and storage API. Run: python3 test/unit/archive_upload_test.py
(the vitest file test/unit/archive-upload.test.ts runs it)."""

from __future__ import annotations

import base64
import datetime
import hashlib
import http.server
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import unittest
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "infra" / "node" / "archive_upload.py"
sys.path.insert(0, str(SCRIPT.parent))

import archive_upload as au  # noqa: E402

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
# AWS documentation examples ("Examples of how to derive a signing key for
# Signature Version 4" and the S3 API reference's SigV4 header examples).
DOC_SECRET_IAM = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
DOC_SECRET_S3 = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
DOC_ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"

AUDIT = b'[{"agent_id": "LOGOS-AGENT-OMEGA", "rebuild_success": true}]\n'
STAMPED = re.compile(r"^logos-a/core-0/\d{8}T\d{6}Z\.json$")


class SigV4Vectors(unittest.TestCase):
    def test_signing_key_matches_the_published_derivation(self) -> None:
        key = au.sigv4_signing_key(DOC_SECRET_IAM, "20120215", "us-east-1", "iam")
        self.assertEqual(key.hex(), "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d")

    def test_get_object_example(self) -> None:
        auth = au.sigv4_authorization(
            method="GET", path="/test.txt", query={},
            headers={
                "Host": "examplebucket.s3.amazonaws.com",
                "Range": "bytes=0-9",
                "x-amz-content-sha256": EMPTY_SHA256,
                "x-amz-date": "20130524T000000Z",
            },
            payload_hash=EMPTY_SHA256, access_key=DOC_ACCESS_KEY, secret_key=DOC_SECRET_S3,
            region="us-east-1", service="s3", amz_date="20130524T000000Z",
        )
        self.assertEqual(
            auth,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
        )

    def test_put_object_example_encodes_the_key(self) -> None:
        body = b"Welcome to Amazon S3."
        digest = hashlib.sha256(body).hexdigest()
        self.assertEqual(digest, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072")
        auth = au.sigv4_authorization(
            method="PUT", path=au.uri_encode("/test$file.text", True), query={},
            headers={
                "Host": "examplebucket.s3.amazonaws.com",
                "Date": "Fri, 24 May 2013 00:00:00 GMT",
                "x-amz-content-sha256": digest,
                "x-amz-date": "20130524T000000Z",
                "x-amz-storage-class": "REDUCED_REDUNDANCY",
            },
            payload_hash=digest, access_key=DOC_ACCESS_KEY, secret_key=DOC_SECRET_S3,
            region="us-east-1", service="s3", amz_date="20130524T000000Z",
        )
        self.assertTrue(auth.endswith("Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"), auth)

    def test_canonical_query_is_sorted_and_encoded(self) -> None:
        creq, signed = au.canonical_request("GET", "/", {"b": "x y", "a": "1/2"}, {"Host": "h", "X-Amz-Date": "d"}, "p")
        self.assertEqual(creq.split("\n")[2], "a=1%2F2&b=x%20y")
        self.assertEqual(signed, "host;x-amz-date")


class ObjectName(unittest.TestCase):
    def test_utc_stamp(self) -> None:
        plus2 = datetime.timezone(datetime.timedelta(hours=2))
        now = datetime.datetime(2025, 3, 4, 7, 8, 9, tzinfo=plus2)
        self.assertEqual(au.object_name("logos-a", "core-0", now), "logos-a/core-0/20250304T050809Z.json")

    def test_naive_datetime_is_refused(self) -> None:
        with self.assertRaises(ValueError):
            au.object_name("logos-a", "core-0", datetime.datetime(2025, 1, 1))


class Fake(http.server.ThreadingHTTPServer):
    """Loopback server; `routes` maps (method, path) to a handler returning (status, headers, body).
    A path ending in `*` matches as a prefix."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.routes: dict[tuple[str, str], object] = {}
        self.requests: list[dict] = []
        threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def handle_any(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        split = urllib.parse.urlsplit(self.path)
        req = {
            "method": self.command,
            "path": split.path,
            "query": dict(urllib.parse.parse_qsl(split.query, keep_blank_values=True)),
            "rawQuery": split.query,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body": body,
        }
        self.server.requests.append(req)
        route = self.server.routes.get((self.command, split.path))
        for (method, path), handler in self.server.routes.items():
            if route is None and method == self.command and path.endswith("*") and split.path.startswith(path[:-1]):
                route = handler
        status, headers, out = route(req) if route else (404, {}, b"not found")
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    do_GET = do_PUT = do_POST = handle_any


def run(*args: str) -> subprocess.CompletedProcess:
    # No proxy may stand between the script and the loopback fakes.
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=60, env=env)


class UploadCase(unittest.TestCase):
    def setUp(self) -> None:
        self.meta = Fake()
        self.store = Fake()
        self.addCleanup(self.meta.shutdown)
        self.addCleanup(self.store.shutdown)
        self.addCleanup(self.meta.server_close)
        self.addCleanup(self.store.server_close)
        fd, self.file = tempfile.mkstemp(suffix=".json")
        os.write(fd, AUDIT)
        os.close(fd)
        self.addCleanup(os.unlink, self.file)

    def common(self, cloud: str, target: str, *extra: str) -> list[str]:
        return [
            "--cloud", cloud, "--target", target, "--pool", "logos-a", "--node", "core-0", "--file", self.file,
            "--endpoint", self.store.url, "--metadata-url", self.meta.url, "--timeout", "5", *extra,
        ]


class AwsUpload(UploadCase):
    SECRET = "fake/secret/key"

    def setUp(self) -> None:
        super().setUp()
        m = self.meta.routes
        m[("PUT", "/latest/api/token")] = lambda r: (200, {}, b"imds-token")

        def needs_token(answer: bytes):
            return lambda r: (200, {}, answer) if r["headers"].get("x-aws-ec2-metadata-token") == "imds-token" else (401, {}, b"")

        m[("GET", "/latest/meta-data/iam/security-credentials/")] = needs_token(b"logos-node-role\n")
        creds = {"Code": "Success", "AccessKeyId": "ASIAFAKE", "SecretAccessKey": self.SECRET, "Token": "session-token"}
        m[("GET", "/latest/meta-data/iam/security-credentials/logos-node-role")] = needs_token(json.dumps(creds).encode())

    def test_put_object_is_signed_with_the_role_credentials(self) -> None:
        done = self._run_with_put(lambda r: (200, {"x-amz-version-id": "v1"}, b""))
        self.assertEqual(done.returncode, 0, done.stderr)
        [req] = [r for r in self.store.requests if r["method"] == "PUT"]
        self.assertRegex(req["path"], r"^/logos-archive-bucket/logos-a/core-0/\d{8}T\d{6}Z\.json$")
        self.assertEqual(done.stdout.strip(), f"{self.store.url}{req['path']}")
        h = req["headers"]
        self.assertEqual(req["body"], AUDIT)
        self.assertEqual(h["content-md5"], base64.b64encode(hashlib.md5(AUDIT).digest()).decode())
        self.assertEqual(h["x-amz-content-sha256"], hashlib.sha256(AUDIT).hexdigest())
        self.assertEqual(h["x-amz-security-token"], "session-token")
        self.assertNotIn("x-amz-server-side-encryption", h, "the bucket default (pool key) must apply")
        # Recompute the signature from what arrived, as S3 would.
        m = re.match(r"AWS4-HMAC-SHA256 Credential=ASIAFAKE/(\d{8})/us-east-1/s3/aws4_request,SignedHeaders=([^,]+),Signature=(\w+)$", h["authorization"])
        self.assertIsNotNone(m, h["authorization"])
        signed = m.group(2).split(";")
        self.assertEqual(h["if-none-match"], "*", "a conditional write: never over an existing key")
        self.assertEqual(
            signed, ["content-md5", "content-type", "host", "if-none-match", "x-amz-content-sha256", "x-amz-date", "x-amz-security-token"]
        )
        expected = au.sigv4_authorization(
            method="PUT", path=req["path"], query={}, headers={n: h[n] for n in signed},
            payload_hash=h["x-amz-content-sha256"], access_key="ASIAFAKE", secret_key=self.SECRET,
            region="us-east-1", service="s3", amz_date=h["x-amz-date"],
        )
        self.assertEqual(h["authorization"], expected)

    def _run_with_put(self, put):
        self.store.routes[("PUT", "/logos-archive-bucket/*")] = put
        return run(*self.common("aws", "logos-archive-bucket", "--region", "us-east-1"))

    def test_refusal_names_the_object_and_exits_4(self) -> None:
        done = self._run_with_put(lambda r: (403, {}, b"<Error><Code>AccessDenied</Code></Error>"))
        self.assertEqual(done.returncode, 4)
        self.assertRegex(done.stderr, r"archive_upload: s3 put object s3://logos-archive-bucket/logos-a/core-0/\d{8}T\d{6}Z\.json: HTTP 403: .*AccessDenied")

    def test_existing_key_exits_4_without_writing(self) -> None:
        done = self._run_with_put(lambda r: (412, {}, b"<Error><Code>PreconditionFailed</Code></Error>"))
        self.assertEqual(done.returncode, 4)
        self.assertRegex(done.stderr, r"s3 put object: s3://logos-archive-bucket/logos-a/core-0/\d{8}T\d{6}Z\.json already exists \(HTTP 412\)")

    def test_without_a_role_exits_3(self) -> None:
        self.meta.routes[("GET", "/latest/meta-data/iam/security-credentials/")] = lambda r: (404, {}, b"")
        done = run(*self.common("aws", "logos-archive-bucket", "--region", "us-east-1"))
        self.assertEqual(done.returncode, 3)
        self.assertIn("aws imds role (is an instance profile attached?): HTTP 404", done.stderr)

    def test_imdsv1_only_answer_exits_3(self) -> None:
        self.meta.routes[("PUT", "/latest/api/token")] = lambda r: (403, {}, b"")
        done = run(*self.common("aws", "logos-archive-bucket", "--region", "us-east-1"))
        self.assertEqual(done.returncode, 3)
        self.assertIn("aws imds token (IMDSv2): HTTP 403", done.stderr)


class GcpUpload(UploadCase):
    def setUp(self) -> None:
        super().setUp()
        path = "/computeMetadata/v1/instance/service-accounts/default/token"
        self.meta.routes[("GET", path)] = lambda r: (
            (200, {"Content-Type": "application/json"}, b'{"access_token": "gce-token", "expires_in": 3599, "token_type": "Bearer"}')
            if r["headers"].get("metadata-flavor") == "Google" else (403, {}, b"")
        )
        self.upload = "/upload/storage/v1/b/logos-archive-bucket/o"

    def test_media_upload_never_overwrites(self) -> None:
        md5 = base64.b64encode(hashlib.md5(AUDIT).digest()).decode()
        self.store.routes[("POST", self.upload)] = lambda r: (200, {}, json.dumps({"name": r["query"]["name"], "md5Hash": md5}).encode())
        done = run(*self.common("gcp", "logos-archive-bucket"))
        self.assertEqual(done.returncode, 0, done.stderr)
        [req] = self.store.requests
        self.assertEqual(req["query"]["uploadType"], "media")
        self.assertEqual(req["query"]["ifGenerationMatch"], "0")
        self.assertRegex(req["query"]["name"], STAMPED)
        self.assertEqual(req["headers"]["authorization"], "Bearer gce-token")
        self.assertEqual(req["headers"]["content-type"], "application/json")
        self.assertEqual(req["body"], AUDIT)
        self.assertEqual(done.stdout.strip(), f"{self.store.url}/logos-archive-bucket/{req['query']['name']}")

    def test_existing_object_exits_4(self) -> None:
        self.store.routes[("POST", self.upload)] = lambda r: (412, {}, b"conditionNotMet")
        done = run(*self.common("gcp", "logos-archive-bucket"))
        self.assertEqual(done.returncode, 4)
        self.assertIn("already exists (HTTP 412)", done.stderr)

    def test_md5_mismatch_exits_4(self) -> None:
        self.store.routes[("POST", self.upload)] = lambda r: (200, {}, b'{"md5Hash": "AAAAAAAAAAAAAAAAAAAAAA=="}')
        done = run(*self.common("gcp", "logos-archive-bucket"))
        self.assertEqual(done.returncode, 4)
        self.assertIn("stored MD5", done.stderr)


class AzureUpload(UploadCase):
    def setUp(self) -> None:
        super().setUp()
        self.meta.routes[("GET", "/metadata/identity/oauth2/token")] = lambda r: (
            (200, {}, b'{"access_token": "azure-token", "token_type": "Bearer"}')
            if r["headers"].get("metadata") == "true" else (400, {}, b"")
        )

    def put_route(self, status: int) -> None:
        self.store.routes[("PUT", "/audit/*")] = lambda r: (status, {}, b"")

    def test_put_blob_with_the_user_assigned_identity(self) -> None:
        self.put_route(201)
        done = run(*self.common("azure", "logosarchive0a1b2c/audit", "--client-id", "11111111-2222-3333-4444-555555555555"))
        self.assertEqual(done.returncode, 0, done.stderr)
        [token] = self.meta.requests
        self.assertEqual(token["query"]["resource"], "https://storage.azure.com/")
        self.assertEqual(token["query"]["client_id"], "11111111-2222-3333-4444-555555555555")
        [req] = self.store.requests
        self.assertRegex(req["path"], r"^/audit/logos-a/core-0/\d{8}T\d{6}Z\.json$")
        h = req["headers"]
        self.assertEqual(h["authorization"], "Bearer azure-token")
        self.assertEqual(h["x-ms-blob-type"], "BlockBlob")
        self.assertEqual(h["if-none-match"], "*")
        self.assertEqual(h["content-md5"], base64.b64encode(hashlib.md5(AUDIT).digest()).decode())
        self.assertIn("x-ms-version", h)
        self.assertEqual(req["body"], AUDIT)
        self.assertEqual(done.stdout.strip(), f"{self.store.url}{req['path']}")

    def test_without_client_id_the_vm_identity_is_asked(self) -> None:
        self.put_route(201)
        done = run(*self.common("azure", "logosarchive0a1b2c/audit"))
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertNotIn("client_id", self.meta.requests[0]["query"])

    def test_immutable_container_refusal_exits_4(self) -> None:
        self.put_route(409)
        done = run(*self.common("azure", "logosarchive0a1b2c/audit"))
        self.assertEqual(done.returncode, 4)
        self.assertIn("already exists (HTTP 409)", done.stderr)


class Usage(UploadCase):
    def test_every_bad_argument_is_named_at_once(self) -> None:
        done = run("--cloud", "aws", "--target", "Bad_Bucket", "--pool", "X", "--node", "../etc", "--file", self.file)
        self.assertEqual(done.returncode, 2)
        for flag in ("--pool ('X')", "--node ('../etc')", "--target ('Bad_Bucket')"):
            self.assertIn(flag, done.stderr)

    def test_missing_file(self) -> None:
        done = run("--cloud", "gcp", "--target", "bucket-a", "--pool", "logos-a", "--node", "core-0", "--file", "/nonexistent/log.json")
        self.assertEqual(done.returncode, 2)
        self.assertIn("cannot read --file /nonexistent/log.json", done.stderr)

    def test_azure_target_needs_account_and_container(self) -> None:
        done = run("--cloud", "azure", "--target", "justanaccount", "--pool", "logos-a", "--node", "core-0", "--file", self.file)
        self.assertEqual(done.returncode, 2)
        self.assertIn("must be <storage account>/<container>", done.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
