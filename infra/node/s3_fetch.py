#!/usr/bin/env python3
"""Install one boot file from the pool's S3 bucket (AWS user-data is capped
at 16 KiB, so large files travel this way). The SHA-256 pinned in user-data
decides: a body with any other digest is refused and nothing is written.
Stdlib only; credentials are the instance role's, read through IMDSv2.
Exit 0 installed, 1 not fetched, 2 usage, 3 digest mismatch."""

from __future__ import annotations

import argparse
import datetime
import hashlib
import hmac
import http.client
import json
import os
import re
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
# IMDS is link-local: never through a proxy.
_direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class Mismatch(Exception):
    """The body is not the pinned file; retrying cannot make it so."""


def _mac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def signing_key(secret: str, day: str, region: str, service: str = "s3") -> bytes:
    key = _mac(("AWS4" + secret).encode(), day)
    for part in (region, service, "aws4_request"):
        key = _mac(key, part)
    return key


def sign_get(host: str, path: str, region: str, access_key: str, secret: str,
             amz_date: str, token: str | None = None,
             extra: dict[str, str] | None = None) -> dict[str, str]:
    """Headers for a SigV4-signed S3 GET of `path` (already URI-encoded)
    with an empty payload."""
    headers = {"host": host, "x-amz-content-sha256": EMPTY_SHA256, "x-amz-date": amz_date}
    if token:
        headers["x-amz-security-token"] = token
    for name, value in (extra or {}).items():
        headers[name.lower()] = " ".join(value.split())
    names = sorted(headers)
    signed = ";".join(names)
    canonical = "\n".join(["GET", path, "", *(f"{n}:{headers[n]}" for n in names), "", signed, EMPTY_SHA256])
    scope = f"{amz_date[:8]}/{region}/s3/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    signature = hmac.new(signing_key(secret, amz_date[:8], region), to_sign.encode(), hashlib.sha256).hexdigest()
    headers["authorization"] = f"AWS4-HMAC-SHA256 Credential={access_key}/{scope},SignedHeaders={signed},Signature={signature}"
    return headers


def role_credentials(imds: str, timeout: float) -> tuple[str, str, str | None]:
    put = urllib.request.Request(imds + "/latest/api/token", method="PUT",
                                 headers={"X-aws-ec2-metadata-token-ttl-seconds": "300"})
    token = _direct.open(put, timeout=timeout).read().decode()

    def get(path: str) -> str:
        req = urllib.request.Request(imds + path, headers={"X-aws-ec2-metadata-token": token})
        return _direct.open(req, timeout=timeout).read().decode()

    base = "/latest/meta-data/iam/security-credentials/"
    role = get(base).split()[0]
    creds = json.loads(get(base + role))
    return creds["AccessKeyId"], creds["SecretAccessKey"], creds.get("Token")


def fetch(a: argparse.Namespace) -> bytes:
    access, secret, token = role_credentials(a.imds, a.timeout)
    key = urllib.parse.quote(a.key.lstrip("/"), safe="/~")
    if a.endpoint:  # path style, for tests and private endpoints
        base, path = a.endpoint.rstrip("/"), f"/{a.bucket}/{key}"
    else:
        suffix = "amazonaws.com.cn" if a.region.startswith("cn-") else "amazonaws.com"
        base, path = f"https://{a.bucket}.s3.{a.region}.{suffix}", f"/{key}"
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    headers = sign_get(urllib.parse.urlsplit(base).netloc, path, a.region, access, secret, now, token)
    with urllib.request.urlopen(urllib.request.Request(base + path, headers=headers), timeout=a.timeout) as r:
        return r.read()


def install(body: bytes, a: argparse.Namespace) -> None:
    found = hashlib.sha256(body).hexdigest()
    if found != a.sha256.lower():
        raise Mismatch(f"s3://{a.bucket}/{a.key}: expected sha256 {a.sha256}, found {found}; refusing to install {a.dest}")
    folder = os.path.dirname(os.path.abspath(a.dest))
    os.makedirs(folder, mode=0o755, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(a.dest)}.")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(body)
            f.flush()
            os.fsync(f.fileno())
            os.fchmod(f.fileno(), int(a.mode, 8))
        os.replace(tmp, a.dest)
    except BaseException:
        os.unlink(tmp)
        raise


def describe(e: Exception) -> str:
    if isinstance(e, urllib.error.HTTPError):
        code = re.search(rb"<Code>([^<]+)</Code>", e.read() or b"")
        hint = " (S3 also answers 403 for a key that does not exist yet)" if e.code == 403 else ""
        return f"HTTP {e.code} {code.group(1).decode() if code else e.reason}{hint}"
    return f"{type(e).__name__}: {e}"


def _matching(pattern: str, hint: str):
    def check(text: str) -> str:
        if not re.fullmatch(pattern, text):
            raise argparse.ArgumentTypeError(f"{text!r}: {hint}")
        return text
    return check


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--bucket")
    # The bucket's name carries a suffix generated at deploy; cloud-init writes it to a file.
    where.add_argument("--bucket-file", help="a file holding the bucket name")
    p.add_argument("--key", required=True)
    p.add_argument("--region", required=True)
    p.add_argument("--sha256", required=True, type=_matching(r"[0-9a-fA-F]{64}", "64 hex digits"))
    p.add_argument("--dest", required=True)
    p.add_argument("--mode", default="0644", type=_matching(r"[0-7]{3,4}", "octal, e.g. 0755"))
    p.add_argument("--timeout", type=float, default=20.0, help="seconds per request")
    p.add_argument("--retries", type=int, default=8, help="attempts after the first")
    p.add_argument("--backoff", type=float, default=1.0, help="first pause in seconds; doubles, at most 30")
    p.add_argument("--endpoint", help="S3 base URL (path style) instead of the regional endpoint")
    p.add_argument("--imds", default="http://169.254.169.254")
    a = p.parse_args(argv)
    if a.bucket_file:
        try:
            a.bucket = open(a.bucket_file, encoding="utf-8").read().strip()
        except OSError as e:
            p.error(f"--bucket-file: {e}")
        if not re.fullmatch(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", a.bucket):
            p.error(f"--bucket-file {a.bucket_file}: {a.bucket!r} is not an S3 bucket name")
    for attempt in range(a.retries + 1):
        try:
            install(fetch(a), a)
            print(f"s3_fetch: {a.dest} <- s3://{a.bucket}/{a.key} (sha256 {a.sha256})")
            return 0
        except Mismatch as e:
            print(f"s3_fetch: {e}", file=sys.stderr)
            return 3
        except (OSError, http.client.HTTPException, ValueError, KeyError, IndexError) as e:
            last = describe(e)
            print(f"s3_fetch: attempt {attempt + 1}/{a.retries + 1}: s3://{a.bucket}/{a.key}: {last}", file=sys.stderr)
            if attempt < a.retries:
                time.sleep(min(a.backoff * 2**attempt, 30.0))
    print(f"s3_fetch: gave up on s3://{a.bucket}/{a.key} after {a.retries + 1} attempts; {a.dest} not written", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
