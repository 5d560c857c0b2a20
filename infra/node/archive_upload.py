#!/usr/bin/env python3
"""Upload one audit log to the pool's log archive with the node's own identity.

Standard library only; Python >= 3.11. No cloud CLI is needed: Ubuntu 24.04
images do not reliably carry aws, gcloud or az.

    archive_upload.py --cloud aws|gcp|azure --target <bucket | account/container>
                      --pool <pool> --node <node> --file <audit log>
                      [--region r] [--client-id id] [--timeout s]

The object is written as `<pool>/<node>/<YYYYMMDDTHHMMSSZ>.json` (UTC), never
over an existing name:

  aws    IMDSv2 token -> the instance role's credentials from IMDS -> S3
         PutObject signed with SigV4, with Content-MD5 (Object Lock buckets
         refuse writes without an integrity header) and If-None-Match: *
         (a conditional write: S3 answers 412 instead of writing over an
         existing key). No encryption header: the bucket's default SSE-KMS
         (the pool key) applies, and its policy refuses any other key.
  gcp    metadata-server access token -> JSON API media upload with
         ifGenerationMatch=0.
  azure  IMDS token for https://storage.azure.com/ (of --client-id's
         user-assigned identity, or the VM's only identity) -> Put Blob
         (BlockBlob, If-None-Match: *) into the append-protected container.

On success prints the object URL on stdout and exits 0. On failure prints one
`archive_upload: ...` line on stderr naming the step, and exits:
   2  usage     bad arguments or unreadable file
   3  identity  no credentials/token from the instance metadata service
   4  upload    the storage service refused or did not answer

--endpoint and --metadata-url replace the storage and metadata base URLs
(tests run against a loopback fake; sovereign clouds have other hosts).
"""

from __future__ import annotations

import argparse
import base64
import datetime
import hashlib
import hmac
import json
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

EXIT_USAGE = 2
EXIT_IDENTITY = 3
EXIT_UPLOAD = 4

POOL_RE = re.compile(r"^[a-z][a-z0-9-]{1,18}[a-z0-9]$")
NODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
AWS_BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")
GCS_BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{1,61}[a-z0-9]$")
AZURE_TARGET_RE = re.compile(r"^([a-z0-9]{3,24})/([a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62})$")
REGION_RE = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")

AZURE_STORAGE_RESOURCE = "https://storage.azure.com/"
AZURE_BLOB_API_VERSION = "2023-11-03"
RETRIES = 3


class UploadError(Exception):
    """A failure with the exit code of the step that failed."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


# --------------------------------------------------------------------------
# Pure helpers (unit-tested)


def object_name(pool: str, node: str, now: datetime.datetime) -> str:
    """`<pool>/<node>/<YYYYMMDDTHHMMSSZ>.json` for an aware datetime, in UTC."""
    if now.tzinfo is None:
        raise ValueError("object_name needs a timezone-aware datetime")
    stamp = now.astimezone(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return f"{pool}/{node}/{stamp}.json"


def sigv4_signing_key(secret_key: str, date: str, region: str, service: str) -> bytes:
    """kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")."""
    k = hmac.new(("AWS4" + secret_key).encode(), date.encode(), hashlib.sha256).digest()
    for part in (region, service, "aws4_request"):
        k = hmac.new(k, part.encode(), hashlib.sha256).digest()
    return k


def uri_encode(value: str, keep_slash: bool) -> str:
    """SigV4 URI encoding: everything but unreserved characters, '/' kept in paths."""
    return urllib.parse.quote(value, safe="-_.~/" if keep_slash else "-_.~")


def canonical_request(
    method: str, path: str, query: dict[str, str], headers: dict[str, str], payload_hash: str
) -> tuple[str, str]:
    """The canonical request and its signed-headers list. `path` is already URI-encoded (S3 encodes once)."""
    canonical_query = "&".join(
        f"{uri_encode(k, False)}={uri_encode(v, False)}" for k, v in sorted(query.items())
    )
    lowered = {k.lower().strip(): " ".join(str(v).strip().split()) for k, v in headers.items()}
    names = sorted(lowered)
    canonical_headers = "".join(f"{n}:{lowered[n]}\n" for n in names)
    signed = ";".join(names)
    return "\n".join([method, path or "/", canonical_query, canonical_headers, signed, payload_hash]), signed


def sigv4_authorization(
    *,
    method: str,
    path: str,
    query: dict[str, str],
    headers: dict[str, str],
    payload_hash: str,
    access_key: str,
    secret_key: str,
    region: str,
    service: str,
    amz_date: str,
) -> str:
    """The `Authorization` header value for a request whose `headers` are all signed."""
    creq, signed = canonical_request(method, path, query, headers, payload_hash)
    scope = f"{amz_date[:8]}/{region}/{service}/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(creq.encode()).hexdigest()])
    key = sigv4_signing_key(secret_key, amz_date[:8], region, service)
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return f"AWS4-HMAC-SHA256 Credential={access_key}/{scope},SignedHeaders={signed},Signature={signature}"


def content_md5(body: bytes) -> str:
    return base64.b64encode(hashlib.md5(body).digest()).decode()


# --------------------------------------------------------------------------
# HTTP


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes


def http(method: str, url: str, headers: dict[str, str], body: bytes | None, timeout: float) -> Response:
    """One request; HTTP errors come back as responses, transport errors raise OSError."""
    req = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:  # noqa: S310 (fixed schemes)
            return Response(r.status, {k.lower(): v for k, v in r.headers.items()}, r.read())
    except urllib.error.HTTPError as e:
        return Response(e.code, {k.lower(): v for k, v in (e.headers or {}).items()}, e.read() or b"")


def with_retries(step: str, code: int, call, timeout: float) -> Response:
    """Retries transport errors, 429 and 5xx with backoff; anything else is the answer."""
    last = ""
    for attempt in range(RETRIES):
        try:
            resp = call()
        except OSError as e:
            last = f"{type(e).__name__}: {e}"
        else:
            if resp.status != 429 and resp.status < 500:
                return resp
            last = f"HTTP {resp.status}: {snippet(resp.body)}"
        if attempt + 1 < RETRIES:
            time.sleep(min(2**attempt, max(timeout / 10, 0.1)))
    raise UploadError(code, f"{step}: no answer after {RETRIES} attempts ({last})")


def snippet(body: bytes, limit: int = 300) -> str:
    text = body.decode("utf-8", "replace").strip().replace("\n", " ")
    return text if len(text) <= limit else text[:limit] + "..."


def expect(step: str, code: int, resp: Response, ok: tuple[int, ...]) -> None:
    if resp.status not in ok:
        raise UploadError(code, f"{step}: HTTP {resp.status}: {snippet(resp.body)}")


# --------------------------------------------------------------------------
# Clouds


def upload_aws(args: argparse.Namespace, name: str, body: bytes) -> str:
    imds = (args.metadata_url or "http://169.254.169.254").rstrip("/")
    t = args.timeout

    def token_call() -> Response:
        return http("PUT", f"{imds}/latest/api/token", {"X-aws-ec2-metadata-token-ttl-seconds": "300"}, b"", t)

    resp = with_retries("aws imds token", EXIT_IDENTITY, token_call, t)
    expect("aws imds token (IMDSv2)", EXIT_IDENTITY, resp, (200,))
    meta = {"X-aws-ec2-metadata-token": resp.body.decode().strip()}

    base = f"{imds}/latest/meta-data/iam/security-credentials/"
    resp = with_retries("aws imds role", EXIT_IDENTITY, lambda: http("GET", base, meta, None, t), t)
    expect("aws imds role (is an instance profile attached?)", EXIT_IDENTITY, resp, (200,))
    role = resp.body.decode().strip().splitlines()[0] if resp.body.strip() else ""
    if not role:
        raise UploadError(EXIT_IDENTITY, "aws imds role: the instance has no IAM role")
    resp = with_retries("aws imds credentials", EXIT_IDENTITY, lambda: http("GET", base + role, meta, None, t), t)
    expect("aws imds credentials", EXIT_IDENTITY, resp, (200,))
    try:
        creds = json.loads(resp.body)
        access_key, secret_key, session = creds["AccessKeyId"], creds["SecretAccessKey"], creds["Token"]
    except (ValueError, KeyError, TypeError) as e:
        raise UploadError(EXIT_IDENTITY, f"aws imds credentials: unexpected answer ({e})") from None

    region = args.region
    if not region:
        resp = with_retries(
            "aws imds region", EXIT_IDENTITY,
            lambda: http("GET", f"{imds}/latest/meta-data/placement/region", meta, None, t), t,
        )
        expect("aws imds region", EXIT_IDENTITY, resp, (200,))
        region = resp.body.decode().strip()

    key_path = uri_encode(name, True)
    if args.endpoint:
        # Path-style against an explicit endpoint (tests, VPC endpoints).
        parsed = urllib.parse.urlsplit(args.endpoint)
        path = f"{parsed.path.rstrip('/')}/{args.target}/{key_path}"
        url = f"{parsed.scheme}://{parsed.netloc}{path}"
        host = parsed.netloc
    else:
        host = f"{args.target}.s3.{region}.amazonaws.com"
        path = f"/{key_path}"
        url = f"https://{host}{path}"

    payload_hash = hashlib.sha256(body).hexdigest()

    def put() -> Response:
        amz_date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        headers = {
            "Host": host,
            "Content-MD5": content_md5(body),
            "Content-Type": "application/json",
            "x-amz-content-sha256": payload_hash,
            "x-amz-date": amz_date,
            "x-amz-security-token": session,
            # Conditional write: never over an existing key (AmazonS3/latest/userguide/conditional-writes.html).
            "If-None-Match": "*",
        }
        auth = sigv4_authorization(
            method="PUT", path=path, query={}, headers=headers, payload_hash=payload_hash,
            access_key=access_key, secret_key=secret_key, region=region, service="s3", amz_date=amz_date,
        )
        return http("PUT", url, {**headers, "Authorization": auth}, body, t)

    resp = with_retries("s3 put object", EXIT_UPLOAD, put, t)
    if resp.status == 412:
        raise UploadError(EXIT_UPLOAD, f"s3 put object: s3://{args.target}/{name} already exists (HTTP 412)")
    expect(f"s3 put object s3://{args.target}/{name}", EXIT_UPLOAD, resp, (200,))
    return url


def upload_gcp(args: argparse.Namespace, name: str, body: bytes) -> str:
    meta = (args.metadata_url or "http://metadata.google.internal").rstrip("/")
    t = args.timeout
    token_url = f"{meta}/computeMetadata/v1/instance/service-accounts/default/token"
    resp = with_retries(
        "gcp metadata token", EXIT_IDENTITY, lambda: http("GET", token_url, {"Metadata-Flavor": "Google"}, None, t), t
    )
    expect("gcp metadata token (does the VM run as a service account?)", EXIT_IDENTITY, resp, (200,))
    try:
        token = json.loads(resp.body)["access_token"]
    except (ValueError, KeyError, TypeError) as e:
        raise UploadError(EXIT_IDENTITY, f"gcp metadata token: unexpected answer ({e})") from None

    base = (args.endpoint or "https://storage.googleapis.com").rstrip("/")
    query = urllib.parse.urlencode({"uploadType": "media", "name": name, "ifGenerationMatch": "0"})
    url = f"{base}/upload/storage/v1/b/{urllib.parse.quote(args.target, safe='')}/o?{query}"
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    resp = with_retries("gcs upload", EXIT_UPLOAD, lambda: http("POST", url, headers, body, t), t)
    if resp.status == 412:
        raise UploadError(EXIT_UPLOAD, f"gcs upload: gs://{args.target}/{name} already exists (HTTP 412)")
    expect(f"gcs upload gs://{args.target}/{name}", EXIT_UPLOAD, resp, (200,))
    try:
        stored = json.loads(resp.body)
    except ValueError:
        stored = {}
    md5 = stored.get("md5Hash") if isinstance(stored, dict) else None
    if md5 and md5 != content_md5(body):
        raise UploadError(EXIT_UPLOAD, f"gcs upload: stored MD5 {md5} differs from the file's {content_md5(body)}")
    return f"{base}/{args.target}/{uri_encode(name, True)}"


def upload_azure(args: argparse.Namespace, name: str, body: bytes) -> str:
    account, container = args.target.split("/", 1)
    imds = (args.metadata_url or "http://169.254.169.254").rstrip("/")
    t = args.timeout
    params = {"api-version": "2018-02-01", "resource": AZURE_STORAGE_RESOURCE}
    if args.client_id:
        params["client_id"] = args.client_id
    token_url = f"{imds}/metadata/identity/oauth2/token?{urllib.parse.urlencode(params)}"
    resp = with_retries("azure imds token", EXIT_IDENTITY, lambda: http("GET", token_url, {"Metadata": "true"}, None, t), t)
    expect("azure imds token (is the managed identity assigned?)", EXIT_IDENTITY, resp, (200,))
    try:
        token = json.loads(resp.body)["access_token"]
    except (ValueError, KeyError, TypeError) as e:
        raise UploadError(EXIT_IDENTITY, f"azure imds token: unexpected answer ({e})") from None

    base = (args.endpoint or f"https://{account}.blob.core.windows.net").rstrip("/")
    url = f"{base}/{container}/{uri_encode(name, True)}"

    def put() -> Response:
        headers = {
            "Authorization": f"Bearer {token}",
            "x-ms-version": AZURE_BLOB_API_VERSION,
            "x-ms-date": datetime.datetime.now(datetime.timezone.utc).strftime("%a, %d %b %Y %H:%M:%S GMT"),
            "x-ms-blob-type": "BlockBlob",
            "Content-Type": "application/json",
            "Content-MD5": content_md5(body),
            # Never over an existing blob: the container is append-protected anyway.
            "If-None-Match": "*",
        }
        return http("PUT", url, headers, body, t)

    resp = with_retries("azure put blob", EXIT_UPLOAD, put, t)
    if resp.status == 409:
        raise UploadError(EXIT_UPLOAD, f"azure put blob: {account}/{container}/{name} already exists (HTTP 409)")
    expect(f"azure put blob {account}/{container}/{name}", EXIT_UPLOAD, resp, (201,))
    return url


UPLOADERS = {"aws": upload_aws, "gcp": upload_gcp, "azure": upload_azure}


# --------------------------------------------------------------------------
# CLI


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Upload one audit log to the pool's archive with the node's identity.")
    p.add_argument("--cloud", required=True, choices=sorted(UPLOADERS))
    p.add_argument("--target", required=True, help="aws/gcp: bucket name; azure: account/container")
    p.add_argument("--pool", required=True)
    p.add_argument("--node", required=True)
    p.add_argument("--file", required=True, help="the audit log to upload")
    p.add_argument("--region", default="", help="aws: the bucket's region (default: the instance's)")
    p.add_argument("--client-id", default="", help="azure: client id of the user-assigned identity")
    p.add_argument("--timeout", type=float, default=30.0, help="seconds per HTTP request (default 30)")
    p.add_argument("--endpoint", default="", help="storage base URL override (tests, sovereign clouds)")
    p.add_argument("--metadata-url", default="", help="metadata service base URL override (tests)")
    return p.parse_args(argv)


def usage_problems(args: argparse.Namespace) -> list[str]:
    problems = []
    if not POOL_RE.match(args.pool):
        problems.append(f"--pool ({args.pool!r}) must be 3-20 of [a-z0-9-], starting with a letter")
    if not NODE_RE.match(args.node):
        problems.append(f"--node ({args.node!r}) must be 1-128 of [A-Za-z0-9._-], starting with a letter or digit")
    if args.cloud == "aws" and not AWS_BUCKET_RE.match(args.target):
        problems.append(f"--target ({args.target!r}) must be an S3 bucket name (3-63 of [a-z0-9-])")
    if args.cloud == "gcp" and not GCS_BUCKET_RE.match(args.target):
        problems.append(f"--target ({args.target!r}) must be a Cloud Storage bucket name (3-63 of [a-z0-9_-])")
    if args.cloud == "azure" and not AZURE_TARGET_RE.match(args.target):
        problems.append(f"--target ({args.target!r}) must be <storage account>/<container>, e.g. logosarchive0a1b2c/audit")
    if args.region and not REGION_RE.match(args.region):
        problems.append(f"--region ({args.region!r}) must be an AWS region such as us-east-1")
    if not args.timeout > 0:
        problems.append(f"--timeout ({args.timeout}) must be positive")
    return problems


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        problems = usage_problems(args)
        if problems:
            raise UploadError(EXIT_USAGE, "; ".join(problems))
        try:
            with open(args.file, "rb") as f:
                body = f.read()
        except OSError as e:
            raise UploadError(EXIT_USAGE, f"cannot read --file {args.file}: {e.strerror or e}") from None
        name = object_name(args.pool, args.node, datetime.datetime.now(datetime.timezone.utc))
        url = UPLOADERS[args.cloud](args, name, body)
    except UploadError as e:
        print(f"archive_upload: {e}", file=sys.stderr)
        return e.code
    print(f"archive_upload: {len(body)} bytes to {url}", file=sys.stderr)
    print(url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
