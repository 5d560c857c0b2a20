/**
 * The AWS pool with the program's real bootstrap extras (archive uploader,
 * monitoring agent, core availability units, burst validation unit): every
 * user-data fits EC2's 16 KiB, files that do not fit are fetched from a
 * private, encrypted, versioned, TLS-only boot bucket by a command that pins
 * their SHA-256, and nodes never launch before those files are uploaded.
 */
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { gunzipSync } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { poolConfig, rawConfig } from "../helpers/configs";
import { installMocks, type Registered } from "../helpers/mocks";

import type * as BootFiles from "../../components/pool/aws-boot-files";
import type { BootstrapExtras } from "../../components/pool/types";
import { deploymentDigest, deploymentId } from "../../infra/deployment";
import { nodeSlots } from "../../infra/layout";
import { renderValidationUnit, VALIDATION_SCRIPT_PATH, VALIDATION_UNIT_NAME } from "../../infra/node/validation";
import { parseSpec, type PoolSpec } from "../../infra/spec";

const mocks = installMocks();

const ROOT = path.resolve(__dirname, "..", "..");
const ACCOUNT = "123456789012";
const REGION = "us-east-1";
const ALIAS_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:alias/logos-${deploymentId({ project: "logos-compute", stack: "test" })}`;
const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/logos-key-id`;
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/logos-node-role-generated`;
const LIMIT = 16384;

const TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";
const INSTANCE = "aws:ec2/instance:Instance";
const BUCKET = "aws:s3/bucket:Bucket";
const OBJECT = "aws:s3/bucketObjectv2:BucketObjectv2";
const GROUP = "aws:autoscaling/group:Group";

const sha256 = (text: string | Buffer): string => createHash("sha256").update(text).digest("hex");
const repoFile = (p: string): string => readFileSync(path.join(ROOT, p), "utf8");

/** Cloud-assigned attributes the grants follow: the key ARN and the node role's name and ARN. */
function answerCloudAssignedAttributes(): void {
  const monitor = pulumi.runtime.getMonitor() as unknown as { mocks: pulumi.runtime.Mocks };
  const echo = monitor.mocks.newResource.bind(monitor.mocks);
  monitor.mocks.newResource = async (args) => {
    const { id, state } = await echo(args);
    const extra: Record<string, unknown> = {};
    if (args.type === "aws:kms/key:Key") Object.assign(extra, { arn: KEY_ARN, keyId: `${args.name}-id` });
    if (args.type === "aws:iam/role:Role") Object.assign(extra, { name: `${args.name}-generated`, arn: ROLE_ARN });
    return { id, state: { ...(state as Record<string, unknown>), ...extra } };
  };
}

/** URNs each resource (by type and name) was registered as depending on: dependsOn and inputs' resources. */
const dependencies = new Map<string, string[]>();
function recordDependencies(): void {
  type Request = { getType(): string; getName(): string; getDependenciesList(): string[] };
  const monitor = pulumi.runtime.getMonitor() as unknown as { registerResource: (req: Request, cb: unknown) => unknown };
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) => {
    dependencies.set(`${req.getType()}::${req.getName()}`, req.getDependenciesList());
    return register(req, cb);
  };
}
answerCloudAssignedAttributes();
recordDependencies();

async function settle(): Promise<void> {
  let seen = -1;
  for (let i = 0; i < 200 && seen !== mocks.resources.length; i++) {
    seen = mocks.resources.length;
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface WriteFile {
  path: string;
  content: string;
  encoding?: string;
}
interface CloudConfig {
  write_files: WriteFile[];
  runcmd: string[][];
}

const cloudConfig = (text: string): CloudConfig => parse(text) as CloudConfig;
const fileText = (f: WriteFile): string =>
  f.encoding === "gz+b64" ? gunzipSync(Buffer.from(f.content, "base64")).toString("utf8") : f.content;
const fetchesOf = (doc: CloudConfig): string[][] => doc.runcmd.filter((c) => c[1] === "/opt/logos/bin/s3_fetch.py");
const flag = (command: string[], name: string): string => command[command.indexOf(name) + 1];

let spec: PoolSpec;
let burstExtras: BootstrapExtras;
let coreExtras: BootstrapExtras;
let boot: typeof BootFiles;
let all: Registered[];
const ofType = (t: string): Registered[] => all.filter((r) => r.type === t);
const one = (t: string, name: string): Registered => {
  const found = ofType(t).filter((r) => r.name === name);
  expect(found, `${t} ${name}`).toHaveLength(1);
  return found[0];
};
let burstUserData: string;
let coreUserData: Map<string, string>;

beforeAll(async () => {
  const { VmPool } = await import("../../components/pool/index.js");
  const { mergeExtras, validationOptions } = await import("../../infra/program.js");
  const { archiveBootstrap, archiveCommandFor } = await import("../../components/log-archive/index.js");
  const { availabilityBootstrap, monitoringBootstrap } = await import("../../components/monitoring/index.js");
  boot = await import("../../components/pool/aws-boot-files.js");

  spec = parseSpec(poolConfig("aws"));
  const archiveCommand = archiveCommandFor({ cloud: "aws", pool: spec.name, region: spec.region });
  const checks = validationOptions(spec, archiveCommand);
  // As the program does: the archive's generated name reaches the nodes as a computed file.
  const shared = mergeExtras(
    archiveBootstrap(pulumi.output("logos-audit-feedface0badc0de")),
    monitoringBootstrap(spec, "aws-pool-1a2b3c4d"),
  );
  const unit = renderValidationUnit({ ...checks, user: spec.access.sshUser });
  const resultDir: BootstrapExtras = {
    commands: [["install", "-d", "-m", "0755", "-o", spec.access.sshUser, "-g", spec.access.sshUser, "/var/lib/logos/validation"]],
  };
  coreExtras = mergeExtras(shared, resultDir, availabilityBootstrap(spec));
  burstExtras = mergeExtras(shared, { files: unit.files, commands: unit.commands });
  new VmPool(spec.name, { spec, coreBootstrap: coreExtras, burstBootstrap: burstExtras });
  // The pilot shape (no burst group) with core extras that fit inline.
  new VmPool("pilot", { spec: parseSpec(rawConfig("aws", { poolName: "pilot" })), coreBootstrap: resultDir });
  await settle();

  all = mocks.resources.filter((r) => r.name.startsWith(`${spec.name}-`));
  burstUserData = Buffer.from(one(TEMPLATE, `${spec.name}-burst`).inputs.userData, "base64").toString("utf8");
  coreUserData = new Map(
    ofType(INSTANCE)
      .filter((r) => r.inputs.tags?.["logos-role"] === "core")
      .map((r) => [r.name, r.inputs.userData as string]),
  );
});

describe("aws boot files: user-data size", () => {
  it("without moving files the burst template would not fit (the problem this solves)", () => {
    expect(boot.estimateUserDataBytes(spec, "burst", burstExtras, nodeSlots(spec))).toBeGreaterThan(LIMIT);
  });

  it("the launch template and every core instance carry less than 16384 raw bytes", () => {
    expect(coreUserData.size).toBe(3);
    for (const [name, text] of [["burst", burstUserData], ...coreUserData] as const) {
      expect(Buffer.byteLength(text, "utf8"), name).toBeLessThan(LIMIT);
      expect(text, name).toMatch(/^#cloud-config\n/);
    }
  });

  it("the plan-time estimate is what the engine renders, within the deploy key's and volume id's placeholders", async () => {
    // The adapter adds the burst member's part (its config names the group) before it plans the files.
    const { withMember } = await import("../../components/pool/common.js");
    const { awsBurstGroupName, LAUNCH_HOOK_NAME } = await import("../../components/pool/aws-burst.js");
    const group = awsBurstGroupName(spec.name, deploymentDigest({ project: "logos-compute", stack: "test" }));
    const member = withMember(spec, burstExtras, { cloud: "aws", aws: { region: spec.region, group, hook: LAUNCH_HOOK_NAME } });
    const burst = boot.planBootFiles({ spec, slots: nodeSlots(spec), core: coreExtras, burst: member, bucket: () => "b" });
    // Computed files are estimated at their longest (a 63-character name): the estimate may run high by that much.
    const within = (estimate: number, text: string, computedFiles: number): void => {
      const over = estimate - Buffer.byteLength(text);
      expect(over).toBeGreaterThan(-64);
      expect(over).toBeLessThan(64 + computedFiles * boot.COMPUTED_FILE_ESTIMATE_BYTES);
    };
    within(burst.burst?.bytes ?? 0, burstUserData, 2);
    for (const text of coreUserData.values()) within(burst.core.bytes, text, 1);
  });
});

describe("aws boot files: what moves and how it is fetched", () => {
  const uploader = { dest: "/opt/logos/bin/archive_upload.py", source: "infra/node/archive_upload.py" };
  const movedBy = {
    burst: [
      { dest: VALIDATION_SCRIPT_PATH, source: "infra/node/validate_proof.py" },
      uploader,
      { dest: "/opt/logos/bin/logos-member", source: "infra/node/burst_member.py" },
    ],
    core: [uploader, { dest: "/opt/logos/bin/logos-availability", source: "infra/node/availability.py" }],
  };
  const moved = [...new Map([...movedBy.burst, ...movedBy.core].map((m) => [m.dest, m])).values()];

  it.each(["burst", "core"] as const)("%s nodes fetch their files above 4 KiB by their pinned digest instead of carrying them", (role) => {
    for (const text of role === "burst" ? [burstUserData] : [...coreUserData.values()]) fetchedAsPinned(text, movedBy[role]);
  });

  function fetchedAsPinned(text: string, expected: readonly { dest: string; source: string }[]): void {
    const doc = cloudConfig(text);
    const bucket = one(BUCKET, `${spec.name}-boot`).inputs.bucket;
    // The name carries a suffix generated at deploy: cloud-init writes it, the fetcher reads it.
    expect(doc.write_files.find((f) => f.path === boot.BOOT_BUCKET_PATH)?.content.trim()).toBe(bucket);
    const fetches = fetchesOf(doc);
    expect(fetches.map((c) => flag(c, "--dest")).sort()).toEqual(expected.map((m) => m.dest).sort());
    for (const m of expected) {
      const digest = sha256(repoFile(m.source));
      const fetch = fetches.find((c) => flag(c, "--dest") === m.dest) as string[];
      expect(fetch.slice(0, 2)).toEqual(["/usr/bin/python3", "/opt/logos/bin/s3_fetch.py"]);
      expect({
        bucketFile: flag(fetch, "--bucket-file"),
        key: flag(fetch, "--key"),
        region: flag(fetch, "--region"),
        sha256: flag(fetch, "--sha256"),
      }).toEqual({
        bucketFile: boot.BOOT_BUCKET_PATH,
        key: `boot/${digest}/${path.posix.basename(m.dest)}`,
        region: REGION,
        sha256: digest,
      });
      expect(fetch).not.toContain("--bucket");
      expect(flag(fetch, "--mode")).toBe("0755");
      expect(
        doc.write_files.map((f) => f.path),
        m.dest,
      ).not.toContain(m.dest);
    }
  }

  it("the fetcher rides inline, and every fetch runs before the validation unit is enabled", () => {
    const doc = cloudConfig(burstUserData);
    const fetcher = doc.write_files.find((f) => f.path === "/opt/logos/bin/s3_fetch.py") as WriteFile;
    expect(fileText(fetcher)).toBe(repoFile("infra/node/s3_fetch.py"));
    const enable = doc.runcmd.findIndex((c) => c.join(" ") === `systemctl enable ${VALIDATION_UNIT_NAME}`);
    const lastFetch = doc.runcmd.map((c, i) => (c[1] === "/opt/logos/bin/s3_fetch.py" ? i : -1)).reduce((a, b) => Math.max(a, b));
    expect(enable).toBeGreaterThan(0);
    expect(lastFetch).toBeGreaterThan(0);
    expect(lastFetch).toBeLessThan(enable);
    // Nothing from the extras runs before the files exist.
    const firstExtra = doc.runcmd.findIndex((c) => c.join(" ") === "install -d -m 0755 /var/log/logos");
    expect(firstExtra).toBeGreaterThan(lastFetch);
  });

  it("each uploaded object is the repository file under a key naming its digest", () => {
    const objects = ofType(OBJECT);
    expect(objects.map((o) => o.inputs.key).sort()).toEqual(
      moved.map((m) => `boot/${sha256(repoFile(m.source))}/${path.posix.basename(m.dest)}`).sort(),
    );
    for (const o of objects) {
      expect(`boot/${sha256(o.inputs.content)}/`, o.name).toBe(o.inputs.key.slice(0, "boot/".length + 65));
      expect(o.inputs).toMatchObject({ bucket: `${spec.name}-boot-id`, checksumAlgorithm: "SHA256" });
      expect(o.inputs.tags).toMatchObject({ "logos-proof-gated": "true", "logos-role": "artifacts" });
    }
  });

  it("core nodes fetch before anything of theirs runs, and carry the rest inline intact", () => {
    for (const [name, text] of coreUserData) {
      const doc = cloudConfig(text);
      const lastFetch = doc.runcmd.map((c, i) => (c[1] === "/opt/logos/bin/s3_fetch.py" ? i : -1)).reduce((a, b) => Math.max(a, b));
      const enable = doc.runcmd.findIndex((c) => c.join(" ").startsWith("systemctl enable --now logos-availability.timer"));
      expect(lastFetch, name).toBeGreaterThan(0);
      expect(enable, name).toBeGreaterThan(lastFetch);
      const fetcher = doc.write_files.find((f) => f.path === "/opt/logos/bin/s3_fetch.py") as WriteFile;
      expect(fileText(fetcher), name).toBe(repoFile("infra/node/s3_fetch.py"));
    }
  });

  it("a pool whose user-data fits everywhere gets no boot bucket, and its nodes carry every file inline", () => {
    const pilotCore = mocks.resources.find((r) => r.type === INSTANCE && r.name === "pilot-core-0") as Registered;
    expect(fetchesOf(cloudConfig(pilotCore.inputs.userData)), "pilot-core-0").toEqual([]);
    const pilot = mocks.resources.filter((r) => r.name.startsWith("pilot-"));
    expect(pilot.filter((r) => r.type.startsWith("aws:s3/"))).toEqual([]);
    // Nor a read grant on one: the node role's only inline policy is the CloudWatch agent's.
    expect(pilot.filter((r) => r.type === "aws:iam/rolePolicy:RolePolicy").map((r) => r.name)).toEqual(["pilot-node-agent"]);
  });
});

describe("aws boot files: the bucket", () => {
  it("is named with random entropy kept in the state, private to the account and emptied on destroy", () => {
    const bucket = one(BUCKET, `${spec.name}-boot`);
    expect(one("random:index/randomId:RandomId", `${spec.name}-boot-suffix`).inputs.byteLength).toBe(6);
    // The test mock's RandomId answers this hex for every RandomId.
    expect(bucket.inputs.bucket).toBe(boot.bootBucketName(spec.name, "feedface0badc0de"));
    expect(bucket.inputs.bucket).toBe("logos-boot-feedface0badc0de");
    // A valid pool name S3 refuses at the start of a bucket name is left out of it.
    for (const pool of ["xn--pool", "sthree-pool", "amzn-s3-demo-pool"]) expect(boot.bootBucketName(pool, "0a1b")).toBe("logos-boot-0a1b");
    expect(bucket.inputs.forceDestroy).toBe(true);
    expect(bucket.inputs.tags).toMatchObject({ "logos-proof-gated": "true", "logos-role": "artifacts" });
    expect(one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", `${spec.name}-boot-public-access`).inputs).toEqual({
      bucket: `${spec.name}-boot-id`,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    expect(one("aws:s3/bucketOwnershipControls:BucketOwnershipControls", `${spec.name}-boot-ownership`).inputs.rule).toEqual({
      objectOwnership: "BucketOwnerEnforced",
    });
  });

  it("is versioned and encrypts under the pool key, named by its preview-known alias ARN", () => {
    expect(one("aws:s3/bucketVersioning:BucketVersioning", `${spec.name}-boot-versioning`).inputs.versioningConfiguration).toEqual({
      status: "Enabled",
    });
    const sse = one(
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
      `${spec.name}-boot-encryption`,
    );
    expect(sse.inputs.rules).toEqual([
      { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: ALIAS_ARN }, bucketKeyEnabled: true },
    ]);
  });

  it("refuses any request without TLS, and lets nodes do nothing but read", () => {
    const bucketArn = `arn:aws:s3:::${one(BUCKET, `${spec.name}-boot`).inputs.bucket}`;
    const policy = JSON.parse(one("aws:s3/bucketPolicy:BucketPolicy", `${spec.name}-boot-policy`).inputs.policy);
    expect(policy.Statement).toEqual([
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [bucketArn, `${bucketArn}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
      {
        Sid: "NodesOnlyReadBootFiles",
        Effect: "Deny",
        Principal: { AWS: ROLE_ARN },
        NotAction: "s3:GetObject",
        Resource: [bucketArn, `${bucketArn}/*`],
      },
    ]);
  });

  it("the node role may read boot/* and decrypt with the pool key only through S3 in the pool's region", () => {
    const bucketArn = `arn:aws:s3:::${one(BUCKET, `${spec.name}-boot`).inputs.bucket}`;
    const grant = one("aws:iam/rolePolicy:RolePolicy", `${spec.name}-boot-read`);
    expect(grant.inputs.role).toBe("logos-node-role-generated");
    expect(JSON.parse(grant.inputs.policy).Statement).toEqual([
      { Sid: "ReadBootFiles", Effect: "Allow", Action: "s3:GetObject", Resource: `${bucketArn}/boot/*` },
      {
        Sid: "DecryptBootFilesThroughS3",
        Effect: "Allow",
        Action: "kms:Decrypt",
        Resource: KEY_ARN,
        Condition: { StringEquals: { "kms:ViaService": `s3.${REGION}.amazonaws.com` } },
      },
    ]);
  });
});

describe("aws boot files: ordering", () => {
  const dependsOnName = (type: string, resource: string, name: string): boolean => {
    const urns = dependencies.get(`${type}::${resource}`);
    expect(urns, `${type} ${resource} registered`).toBeDefined();
    return (urns ?? []).some((urn) => urn.endsWith(`::${name}`));
  };

  /** The object resources holding these repository files. */
  const objectsOf = (sources: readonly string[]): string[] =>
    ofType(OBJECT)
      .filter((o) => sources.some((s) => o.inputs.content === repoFile(s)))
      .map((o) => o.name);

  it("the launch template and the group wait for every object they fetch and the read grant", () => {
    const objects = objectsOf(["infra/node/validate_proof.py", "infra/node/archive_upload.py", "infra/node/burst_member.py"]);
    expect(objects).toHaveLength(3);
    for (const type of [TEMPLATE, GROUP]) {
      for (const name of [...objects, `${spec.name}-boot-read`]) {
        expect(dependsOnName(type, `${spec.name}-burst`, name), `${type} -> ${name}`).toBe(true);
      }
    }
  });

  it("core instances wait for every object they fetch and the read grant", () => {
    const objects = objectsOf(["infra/node/archive_upload.py", "infra/node/availability.py"]);
    expect(objects).toHaveLength(2);
    for (const instance of coreUserData.keys()) {
      for (const name of [...objects, `${spec.name}-boot-read`]) {
        expect(dependsOnName(INSTANCE, instance, name), `${instance} -> ${name}`).toBe(true);
      }
    }
  });

  it("objects are uploaded only once the bucket is private, versioned and encrypting under the pool key", () => {
    for (const o of ofType(OBJECT)) {
      for (const name of ["public-access", "ownership", "versioning", "encryption", "policy"]) {
        expect(dependsOnName(OBJECT, o.name, `${spec.name}-boot-${name}`), `${o.name} -> ${name}`).toBe(true);
      }
    }
  });

  it("core instances that carry everything inline do not wait for the bucket", () => {
    expect(dependsOnName(INSTANCE, "pilot-core-0", "pilot-boot-read")).toBe(false);
  });
});

describe("aws boot files: pure rules", () => {
  it("extras without large files are returned as they are, with no fetcher", () => {
    const small: BootstrapExtras = { files: [{ path: "/etc/x", content: "x\n", permissions: "0644" }], commands: [["true"]] };
    expect(boot.offloadLargeFiles(small, "b", REGION)).toEqual({ extras: small, objects: [] });
  });

  it("a moved file with another owner is handed over after the fetch", () => {
    const big: BootstrapExtras = {
      files: [{ path: "/opt/a/big.txt", content: "y".repeat(5000), permissions: "0640", owner: "logos:logos" }],
    };
    const { extras, objects } = boot.offloadLargeFiles(big, "bkt", REGION);
    expect(objects).toEqual([
      { key: `boot/${sha256("y".repeat(5000))}/big.txt`, content: "y".repeat(5000), sha256: sha256("y".repeat(5000)) },
    ]);
    expect(extras.files?.map((f) => f.path)).toEqual(["/opt/logos/bin/s3_fetch.py"]);
    expect(extras.computedFiles).toEqual([{ path: boot.BOOT_BUCKET_PATH, content: "bkt", permissions: "0644" }]);
    expect(extras.commands?.[1]).toEqual(["chown", "logos:logos", "/opt/a/big.txt"]);
  });

  it("moves smaller files too when the large ones are not enough, and only as many as it takes", () => {
    const mid: BootstrapExtras = {
      files: [
        ...Array.from({ length: 6 }, (_, i) => ({ path: `/etc/logos/f${i}`, content: `${"z".repeat(3000)}\n`, permissions: "0644" })),
        { path: "/etc/logos/small", content: `${"s".repeat(1500)}\n`, permissions: "0644" },
      ],
    };
    const plan = boot.planBootFiles({ spec, slots: nodeSlots(spec), core: mid, bucket: () => "bkt" });
    expect(plan.core.keys.map((k) => k.split("/").pop()).sort()).toEqual(["f0", "f1", "f2", "f3", "f4", "f5"]);
    expect(plan.core.bytes).toBeLessThanOrEqual(LIMIT - 512);
  });

  it("user-data that still does not fit after moving files is an error naming the role, size and limit", () => {
    const manySmall: BootstrapExtras = {
      files: Array.from({ length: 60 }, (_, i) => ({ path: `/etc/logos/f${i}`, content: `${"z".repeat(400)}\n`, permissions: "0644" })),
    };
    expect(() => boot.planBootFiles({ spec, slots: nodeSlots(spec), core: manySmall, bucket: () => "bkt" })).toThrow(
      /^AWS user-data for core nodes is \d+ bytes with every file above 512 bytes moved to the boot bucket; EC2 allows 16384 and 512 are kept spare: ship fewer or smaller bootstrap files, commands or packages$/,
    );
    expect(() => boot.assertUserDataFits("burst", "x".repeat(LIMIT))).toThrow(
      "AWS user-data for burst nodes is 16384 bytes; EC2 allows 16384",
    );
  });
});
