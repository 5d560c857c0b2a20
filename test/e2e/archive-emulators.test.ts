/**
 * The archive uploader (`infra/node/archive_upload.py`, exactly as shipped)
 * against real storage emulators on loopback, started and stopped here:
 *
 * - S3: `@20minutes/s3rver`, which recomputes every SigV4 signature (a wrong
 *   secret is refused below); it does not compare the body with Content-MD5,
 *   nor implement conditional PUT (`If-None-Match: *`), so on S3 "never over
 *   an existing key" rests on the real service's conditional write, covered by the unit
 *   suite's 412 case; here two uploads land under two names.
 * - Azure Blob: Azurite over HTTPS with OAuth (bearer tokens from a loopback
 *   IMDS), which honours `If-None-Match: *` and Content-MD5.
 * - GCS: not run here. fake-gcs-server is a Go binary / container image, not
 *   installable from the registries this project reaches; firebase-tools'
 *   Storage emulator (npm) serves part of the JSON API but was not evaluated.
 *   The unit suite covers the GCS path against its loopback fake.
 *
 * The metadata services are loopback fakes: the identity side is the cloud's,
 * not the storage service's.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import * as net from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { ARCHIVE_UPLOADER_SOURCE } from "../../components/log-archive/names";

const ROOT = path.resolve(__dirname, "../..");
const NODE = path.join(ROOT, "node_modules/.bin/node");
const POOL = "logos-e2e";
const NODE_NAME = "logos-core-0";
const NAME = new RegExp(`^${POOL}/${NODE_NAME}/\\d{8}T\\d{6}Z\\.json$`);

let work: string;
let metadata: http.Server;
let metadataUrl: string;

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), "logos-e2e-archive-"));
  metadata = http.createServer(fakeMetadata);
  metadataUrl = await listen(metadata);
});

afterAll(async () => {
  await new Promise<void>((resolve) => metadata?.close(() => resolve()));
  if (work) rmSync(work, { recursive: true, force: true });
});

/** AWS IMDSv2 and Azure IMDS, as much as the uploader asks of them. */
function fakeMetadata(req: http.IncomingMessage, res: http.ServerResponse): void {
  const url = new URL(req.url ?? "/", "http://metadata");
  const send = (status: number, body: string): void => {
    res.writeHead(status).end(body);
  };
  if (req.method === "PUT" && url.pathname === "/latest/api/token") return send(200, "imds-token");
  if (url.pathname.startsWith("/latest/") && req.headers["x-aws-ec2-metadata-token"] !== "imds-token") return send(401, "");
  if (url.pathname === "/latest/meta-data/iam/security-credentials/") return send(200, "logos-node-role\n");
  if (url.pathname === "/latest/meta-data/iam/security-credentials/logos-node-role") {
    const secret = url.searchParams.get("secret") ?? awsSecret;
    return send(200, JSON.stringify({ Code: "Success", AccessKeyId: "S3RVER", SecretAccessKey: secret, Token: "session-token" }));
  }
  if (url.pathname === "/metadata/identity/oauth2/token" && req.headers["metadata"] === "true") {
    return send(200, JSON.stringify({ access_token: azureToken(), token_type: "Bearer" }));
  }
  send(404, "");
}

/** The secret the fake IMDS hands out; the emulator's account secret is S3RVER. */
let awsSecret = "S3RVER";

/** A token Azurite's OAuth check accepts: audience storage, an Azure AD issuer, valid now (Azurite does not verify the signature). */
function azureToken(): string {
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    aud: "https://storage.azure.com",
    iss: "https://sts.windows.net/00000000-0000-0000-0000-000000000000/",
    iat: now - 60,
    nbf: now - 60,
    exp: now + 3600,
  };
  return `${b64({ alg: "RS256", typ: "JWT" })}.${b64(claims)}.c2lnbmF0dXJl`;
}

async function listen(server: http.Server | https.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

interface Upload {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the uploader as a child process (asynchronously: the fake metadata service answers from this process). */
function upload(args: readonly string[], file: string, env: NodeJS.ProcessEnv = {}): Promise<Upload> {
  const argv = [
    ARCHIVE_UPLOADER_SOURCE,
    ...args,
    "--pool",
    POOL,
    "--node",
    NODE_NAME,
    "--file",
    file,
    "--metadata-url",
    metadataUrl,
    "--timeout",
    "10",
  ];
  return new Promise((resolve) => {
    const child = spawn("python3", argv, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => (stdout += c.toString()));
    child.stderr.on("data", (c) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Waits until the wall clock enters a new second, so the next upload's stamp differs. */
async function nextSecond(): Promise<void> {
  await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 20));
}

function auditLog(name: string, entries: number): string {
  const file = path.join(work, name);
  writeFileSync(file, `${JSON.stringify(Array.from({ length: entries }, (_, i) => ({ agent_id: "LOGOS-AGENT-OMEGA", n: i })))}\n`);
  return file;
}

describe("S3 upload against an S3 emulator that verifies SigV4", () => {
  const BUCKET = "logos-e2e-archive";
  let server: { close(): Promise<void> };
  let endpoint: string;
  let directory: string;

  beforeAll(async () => {
    directory = mkdtempSync(path.join(work, "s3-"));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const S3rver = require("@20minutes/s3rver") as new (o: object) => {
      run(): Promise<net.AddressInfo>;
      close(): Promise<void>;
    };
    const s3 = new S3rver({ address: "127.0.0.1", port: 0, directory, silent: true, configureBuckets: [{ name: BUCKET, configs: [] }] });
    const address = await s3.run();
    endpoint = `http://127.0.0.1:${address.port}`;
    server = s3;
  });

  afterAll(async () => {
    await server?.close();
  });

  const stored = (key: string) => readFileSync(path.join(directory, BUCKET, `${key}._S3rver_object`));

  it("uploads with the instance role's signed request, under the documented name, and a second upload never replaces the first", async () => {
    const first = auditLog("s3-first.json", 3);
    const a = await upload(["--cloud", "aws", "--target", BUCKET, "--region", "us-east-1", "--endpoint", endpoint], first);
    expect(a.code, a.stderr).toBe(0);
    const keyA = a.stdout.trim().slice(`${endpoint}/${BUCKET}/`.length);
    expect(keyA).toMatch(NAME);
    expect(stored(keyA)).toEqual(readFileSync(first));

    await nextSecond();
    const second = auditLog("s3-second.json", 4);
    const b = await upload(["--cloud", "aws", "--target", BUCKET, "--region", "us-east-1", "--endpoint", endpoint], second);
    expect(b.code, b.stderr).toBe(0);
    const keyB = b.stdout.trim().slice(`${endpoint}/${BUCKET}/`.length);
    expect(keyB).toMatch(NAME);
    expect(keyB).not.toBe(keyA);
    expect(stored(keyA)).toEqual(readFileSync(first));
    expect(stored(keyB)).toEqual(readFileSync(second));
  });

  it("is refused when the signature is wrong: the emulator recomputes it", async () => {
    awsSecret = "not-the-account-secret";
    try {
      const done = await upload(
        ["--cloud", "aws", "--target", BUCKET, "--region", "us-east-1", "--endpoint", endpoint],
        auditLog("s3-bad.json", 1),
      );
      expect(done.code).toBe(4);
      expect(done.stderr).toMatch(
        /^archive_upload: s3 put object s3:\/\/logos-e2e-archive\/logos-e2e\/logos-core-0\/\d{8}T\d{6}Z\.json: HTTP 403: .*SignatureDoesNotMatch/m,
      );
    } finally {
      awsSecret = "S3RVER";
    }
  });
});

describe("Azure Blob upload against Azurite (HTTPS, OAuth)", () => {
  const CONTAINER = "audit-logs";
  const ACCOUNT = "devstoreaccount1";
  let azurite: ChildProcess;
  let endpoint: string;
  let ca: string;

  beforeAll(async () => {
    const dir = mkdtempSync(path.join(work, "azurite-"));
    const cert = path.join(dir, "cert.pem");
    const key = path.join(dir, "key.pem");
    const made = spawnSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=127.0.0.1",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
        "-keyout",
        key,
        "-out",
        cert,
      ],
      { encoding: "utf8", timeout: 60_000 },
    );
    if (made.status !== 0) throw new Error(`openssl could not make the emulator's certificate: ${made.stderr}`);
    ca = readFileSync(cert, "utf8");
    const port = await freePort();
    azurite = spawn(
      NODE,
      [
        path.join(ROOT, "node_modules/azurite/dist/src/blob/main.js"),
        ...["--blobHost", "127.0.0.1", "--blobPort", String(port), "--location", dir, "--silent"],
        ...["--oauth", "basic", "--cert", cert, "--key", key, "--skipApiVersionCheck", "--disableProductStyleUrl"],
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let log = "";
    azurite.stdout?.on("data", (c) => (log += c.toString()));
    azurite.stderr?.on("data", (c) => (log += c.toString()));
    endpoint = `https://127.0.0.1:${port}/${ACCOUNT}`;
    const deadline = Date.now() + 60_000;
    while (!/successfully listens/.test(log)) {
      if (azurite.exitCode !== null || Date.now() > deadline) throw new Error(`Azurite did not start: ${log}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const created = await blobRequest("PUT", `${endpoint}/${CONTAINER}?restype=container`);
    expect(created.status, created.body).toBe(201);
    sslCertFile = cert; // the uploader's trust anchor: Python's ssl reads SSL_CERT_FILE
  });

  let sslCertFile = "";

  afterAll(async () => {
    if (azurite && azurite.exitCode === null) {
      const exited = new Promise((r) => azurite.once("exit", r));
      azurite.kill("SIGTERM");
      const timer = setTimeout(() => azurite.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    }
  });

  function blobRequest(method: string, url: string, body?: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = https.request(url, {
        method,
        ca,
        agent: false, // no kept-alive socket holds Azurite open at the end
        headers: {
          Authorization: `Bearer ${azureToken()}`,
          "x-ms-version": "2023-11-03",
          ...(body !== undefined ? { "x-ms-blob-type": "BlockBlob", "Content-Length": Buffer.byteLength(body) } : {}),
        },
      });
      req.on("response", (res) => {
        let data = "";
        res.on("data", (c) => (data += c.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: data }));
      });
      req.on("error", reject);
      req.end(body);
    });
  }

  const args = () => [
    "--cloud",
    "azure",
    "--target",
    `${ACCOUNT}/${CONTAINER}`,
    "--client-id",
    "11111111-2222-3333-4444-555555555555",
    "--endpoint",
    endpoint,
  ];

  it("uploads with the managed identity's token under the documented name, and a second upload never replaces the first", async () => {
    const first = auditLog("az-first.json", 3);
    const a = await upload(args(), first, { SSL_CERT_FILE: sslCertFile });
    expect(a.code, a.stderr).toBe(0);
    const nameA = a.stdout.trim().slice(`${endpoint}/${CONTAINER}/`.length);
    expect(nameA).toMatch(NAME);
    expect((await blobRequest("GET", a.stdout.trim())).body).toBe(readFileSync(first, "utf8"));

    await nextSecond();
    const second = auditLog("az-second.json", 4);
    const b = await upload(args(), second, { SSL_CERT_FILE: sslCertFile });
    expect(b.code, b.stderr).toBe(0);
    expect(b.stdout.trim()).not.toBe(a.stdout.trim());
    expect((await blobRequest("GET", a.stdout.trim())).body).toBe(readFileSync(first, "utf8"));
    expect((await blobRequest("GET", b.stdout.trim())).body).toBe(readFileSync(second, "utf8"));
  });

  it("never writes over a blob that already has the name: refused with 409, the blob unchanged", async () => {
    // Occupy the names of the next few seconds, so the upload's own stamp is taken whenever it runs.
    await nextSecond();
    const start = Date.now();
    const taken = Array.from({ length: 4 }, (_, i) => `${POOL}/${NODE_NAME}/${stamp(new Date(start + i * 1000))}.json`);
    for (const name of taken) expect((await blobRequest("PUT", `${endpoint}/${CONTAINER}/${name}`, `earlier ${name}\n`)).status).toBe(201);

    const done = await upload(args(), auditLog("az-late.json", 5), { SSL_CERT_FILE: sslCertFile });
    expect(Date.now() - start, "the upload ran within the occupied seconds").toBeLessThan(4000);
    expect(done.code).toBe(4);
    expect(done.stderr).toMatch(
      /^archive_upload: azure put blob: devstoreaccount1\/audit-logs\/logos-e2e\/logos-core-0\/\d{8}T\d{6}Z\.json already exists \(HTTP 409\)$/m,
    );
    for (const name of taken) expect((await blobRequest("GET", `${endpoint}/${CONTAINER}/${name}`)).body).toBe(`earlier ${name}\n`);
  });
});

function stamp(d: Date): string {
  return d
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}Z$/, "Z");
}
