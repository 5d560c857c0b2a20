"""Tests for infra/node/s3_fetch.py: SigV4 against AWS's published examples,
and the command line against a loopback fake of IMDSv2 and S3 (success,
digest mismatch, an object that appears late, access denied).
Run: python3 test/unit/s3_fetch_test.py (test/unit/s3-fetch.test.ts runs it)."""

from __future__ import annotations

import hashlib
import hmac
import http.server
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "infra" / "node" / "s3_fetch.py"
sys.path.insert(0, str(SCRIPT.parent))

import s3_fetch  # noqa: E402

# AWS's documentation examples: "Create a signature for an AWS API request"
# (IAM ListUsers, 2015-08-30) and the S3 API reference's "Example: GET Object".
IAM_SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
S3_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"

ROLE = "logos-node-role"
CREDS = {"AccessKeyId": "ASIATESTTESTTEST", "SecretAccessKey": "secret/for+tests", "Token": "session-token-for-tests"}
BUCKET = "logos-boot-0123456789ab"
BODY = b"#!/usr/bin/env python3\nprint('validator')\n"
DIGEST = hashlib.sha256(BODY).hexdigest()
KEY = f"boot/{DIGEST}/validate_proof.py"


class SigV4Vectors(unittest.TestCase):
    def test_signing_key_and_signature_of_the_published_iam_example(self) -> None:
        to_sign = "\n".join([
            "AWS4-HMAC-SHA256", "20150830T123600Z", "20150830/us-east-1/iam/aws4_request",
            "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59",
        ])
        key = s3_fetch.signing_key(IAM_SECRET, "20150830", "us-east-1", "iam")
        signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        self.assertEqual(signature, "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7")

    def test_s3_get_object_example(self) -> None:
        headers = s3_fetch.sign_get(
            "examplebucket.s3.amazonaws.com", "/test.txt", "us-east-1", ACCESS_KEY, S3_SECRET,
            "20130524T000000Z", extra={"Range": "bytes=0-9"},
        )
        self.assertEqual(
            headers["authorization"],
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
        )
        self.assertEqual(headers["x-amz-content-sha256"], s3_fetch.EMPTY_SHA256)

    def test_a_session_token_is_sent_and_signed(self) -> None:
        headers = s3_fetch.sign_get("b.s3.us-east-1.amazonaws.com", "/k", "us-east-1", "AK", "SK", "20240101T000000Z", "tok")
        self.assertEqual(headers["x-amz-security-token"], "tok")
        self.assertIn("SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token,", headers["authorization"])


class Fake:
    """IMDSv2 and path-style S3 on one loopback server. `answers` is consumed
    one per S3 GET (the last one repeats): (status, body)."""

    def __init__(self, answers: list[tuple[int, bytes]]) -> None:
        self.answers = answers
        self.gets: list[dict[str, str]] = []
        self.problems: list[str] = []
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *_args: object) -> None:
                pass

            def reply(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_PUT(self) -> None:
                if self.path == "/latest/api/token" and self.headers.get("X-aws-ec2-metadata-token-ttl-seconds"):
                    self.reply(200, b"imds-token")
                else:
                    self.reply(400, b"")

            def do_GET(self) -> None:
                base = "/latest/meta-data/iam/security-credentials/"
                if self.path.startswith("/latest/"):
                    if self.headers.get("X-aws-ec2-metadata-token") != "imds-token":
                        self.reply(401, b"")
                    elif self.path == base:
                        self.reply(200, f"{ROLE}\n".encode())
                    elif self.path == base + ROLE:
                        self.reply(200, json.dumps({"Code": "Success", **CREDS}).encode())
                    else:
                        self.reply(404, b"")
                    return
                fake.check_signature(self)
                fake.gets.append({k.lower(): v for k, v in self.headers.items()})
                status, body = fake.answers[min(len(fake.gets) - 1, len(fake.answers) - 1)]
                self.reply(status, body)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def check_signature(self, request: http.server.BaseHTTPRequestHandler) -> None:
        """Re-signs what arrived, so host, path, date and token must be what the client signed."""
        h = request.headers
        if request.path != f"/{BUCKET}/{KEY}":
            self.problems.append(f"path {request.path}")
        if h.get("x-amz-security-token") != CREDS["Token"]:
            self.problems.append("session token missing")
        expected = s3_fetch.sign_get(
            h["Host"], request.path, "us-east-1", CREDS["AccessKeyId"], CREDS["SecretAccessKey"],
            h["x-amz-date"], CREDS["Token"],
        )["authorization"]
        if h.get("Authorization") != expected:
            self.problems.append(f"authorization {h.get('Authorization')!r} != {expected!r}")

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def s3_error(code: str) -> bytes:
    return f"<?xml version='1.0'?><Error><Code>{code}</Code><Message>m</Message></Error>".encode()


class CommandLine(unittest.TestCase):
    def setUp(self) -> None:
        self.tmp = tempfile.TemporaryDirectory()
        self.dest = Path(self.tmp.name) / "bin" / "validate_proof.py"

    def tearDown(self) -> None:
        self.tmp.cleanup()

    def run_fetch(self, fake: Fake, *extra: str, digest: str = DIGEST,
                  where: tuple[str, str] = ("--bucket", BUCKET)) -> subprocess.CompletedProcess[str]:
        argv = [
            sys.executable, str(SCRIPT), *where, "--key", KEY, "--region", "us-east-1",
            "--sha256", digest, "--dest", str(self.dest), "--mode", "0755",
            "--endpoint", fake.url, "--imds", fake.url, "--backoff", "0.01", "--timeout", "5", *extra,
        ]
        env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
        return subprocess.run(argv, capture_output=True, text=True, timeout=60, env=env)

    def leftovers(self) -> list[str]:
        folder = self.dest.parent
        return sorted(p.name for p in folder.iterdir() if p.name != self.dest.name) if folder.exists() else []

    def test_installs_the_pinned_file_with_its_mode(self) -> None:
        fake = Fake([(200, BODY)])
        try:
            done = self.run_fetch(fake)
        finally:
            fake.close()
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(self.dest.read_bytes(), BODY)
        self.assertEqual(self.dest.stat().st_mode & 0o777, 0o755)
        self.assertEqual(self.leftovers(), [])
        self.assertEqual(fake.problems, [])
        self.assertEqual(len(fake.gets), 1)
        self.assertEqual(fake.gets[0]["x-amz-content-sha256"], s3_fetch.EMPTY_SHA256)
        self.assertIn(f"{self.dest} <- s3://{BUCKET}/{KEY}", done.stdout)

    def test_reads_the_bucket_name_from_a_file_and_refuses_one_that_is_no_bucket_name(self) -> None:
        named = Path(self.tmp.name) / "boot-bucket"
        named.write_text(BUCKET + "\n")
        fake = Fake([(200, BODY)])
        try:
            done = self.run_fetch(fake, where=("--bucket-file", str(named)))
            named.write_text("Not A Bucket\n")
            refused = self.run_fetch(fake, where=("--bucket-file", str(named)))
            missing = self.run_fetch(fake, where=("--bucket-file", str(named) + ".absent"))
        finally:
            fake.close()
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(self.dest.read_bytes(), BODY)
        self.assertIn(f"s3://{BUCKET}/{KEY}", done.stdout)
        self.assertEqual(fake.problems, [])
        self.assertEqual(refused.returncode, 2)
        self.assertIn("'Not A Bucket' is not an S3 bucket name", refused.stderr)
        self.assertEqual(missing.returncode, 2)
        self.assertIn("--bucket-file:", missing.stderr)
        self.assertEqual(len(fake.gets), 1)

    def test_refuses_a_body_with_another_digest_and_leaves_the_destination_alone(self) -> None:
        self.dest.parent.mkdir(parents=True)
        self.dest.write_bytes(b"previous\n")
        tampered = BODY.replace(b"validator", b"something else")
        fake = Fake([(200, tampered)])
        try:
            done = self.run_fetch(fake, "--retries", "3")
        finally:
            fake.close()
        self.assertEqual(done.returncode, 3, done.stderr)
        self.assertIn(f"expected sha256 {DIGEST}, found {hashlib.sha256(tampered).hexdigest()}", done.stderr)
        self.assertEqual(self.dest.read_bytes(), b"previous\n")
        self.assertEqual(self.leftovers(), [])
        self.assertEqual(len(fake.gets), 1, "a wrong body is not retried")

    def test_retries_until_the_object_appears(self) -> None:
        # Without s3:ListBucket, S3 answers 403 for a key that does not exist yet.
        fake = Fake([(404, s3_error("NoSuchKey")), (403, s3_error("AccessDenied")), (200, BODY)])
        try:
            done = self.run_fetch(fake, "--retries", "4")
        finally:
            fake.close()
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(self.dest.read_bytes(), BODY)
        self.assertEqual(len(fake.gets), 3)
        self.assertIn("attempt 1/5", done.stderr)
        self.assertIn("HTTP 404 NoSuchKey", done.stderr)
        self.assertEqual(fake.problems, [])

    def test_gives_up_on_access_denied_after_its_retries_without_writing(self) -> None:
        fake = Fake([(403, s3_error("AccessDenied"))])
        try:
            done = self.run_fetch(fake, "--retries", "2")
        finally:
            fake.close()
        self.assertEqual(done.returncode, 1, done.stderr)
        self.assertEqual(len(fake.gets), 3)
        self.assertIn("attempt 3/3", done.stderr)
        self.assertIn("HTTP 403 AccessDenied", done.stderr)
        self.assertRegex(done.stderr, re.compile(r"gave up on s3://\S+ after 3 attempts; \S+ not written"))
        self.assertFalse(self.dest.exists())
        self.assertEqual(self.leftovers(), [])

    def test_rejects_a_digest_that_is_not_sha256(self) -> None:
        fake = Fake([(200, BODY)])
        try:
            done = self.run_fetch(fake, digest="abc")
        finally:
            fake.close()
        self.assertEqual(done.returncode, 2)
        self.assertIn("64 hex digits", done.stderr)
        self.assertEqual(fake.gets, [])


if __name__ == "__main__":
    unittest.main()
