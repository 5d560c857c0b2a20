/**
 * Which bootstrap files AWS nodes fetch from the pool's boot bucket instead
 * of carrying them in user-data, and the user-data that fetches them. EC2
 * caps user-data at 16 KiB (raw, before base64); GCP metadata and Azure
 * customData allow far more, so only the AWS adapter uses this. Pure: no
 * Pulumi runtime, so the decision is made from plain values and tested alone;
 * the bucket and objects are built in `aws-artifacts.ts`.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import { bucketStem } from "../../infra/cloud-limits";
import { authorizedKeysForRole, PACK_ABOVE_BYTES, renderUserData, repoForRole, type BootFile, type BootRole } from "../../infra/bootstrap";
import type { NodeSlot } from "../../infra/layout";
import type { PoolSpec } from "../../infra/spec";
import type { BootstrapExtras, ComputedBootFile } from "./types";

/** EC2's limit for instance and launch template user-data, in raw bytes. */
export const USER_DATA_LIMIT_BYTES = 16384;
/**
 * Kept free below the limit when deciding from the plan-time estimate: the
 * estimate stands in placeholders of the right length for the deploy key and
 * the state volume id, which only the engine knows.
 */
export const USER_DATA_HEADROOM_BYTES = 512;

/** The fetcher in this repository; small, so it travels inline. */
export const S3_FETCH_SOURCE = path.join(__dirname, "..", "..", "infra", "node", "s3_fetch.py");
/** Where cloud-init writes the fetcher. */
export const S3_FETCH_PATH = "/opt/logos/bin/s3_fetch.py";
/** Object keys start here; the node role may read nothing else. */
export const BOOT_OBJECT_PREFIX = "boot/";
/** Where cloud-init writes the boot bucket's name, which carries a suffix generated at deploy. */
export const BOOT_BUCKET_PATH = "/etc/logos/boot-bucket";
/** What the size estimate assumes a computed file holds: a generated name and a newline (S3 allows 63 characters). */
export const COMPUTED_FILE_ESTIMATE_BYTES = 64;

/** An OpenSSH ed25519 public key line has this length; the estimate uses it for the deploy key. */
const DEPLOY_KEY_PLACEHOLDER = `ssh-ed25519 ${"A".repeat(68)}`;
/** EBS volume ids are `vol-` and 17 hex digits. */
const VOLUME_ID_PLACEHOLDER = `vol-${"0".repeat(17)}`;

/** The stable path of an EBS volume on a Nitro instance: NVMe serial is the volume id without its dash. */
export function ebsDevicePath(volumeId: string): string {
  return `/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_${volumeId.replace("-", "")}`;
}

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/**
 * Bucket names are global across all of S3, so the name carries the
 * deployment's random suffix (a `RandomId` kept in the state): a name built
 * from project, stack and region alone is taken by whoever deploys the
 * shipped stack first. Pool names are 3-20 of `[a-z0-9-]` and the suffix 12
 * hex digits, so the name stays within S3's 63; a pool name S3 refuses at the
 * start of a bucket name (`xn--`, `sthree-`, …) is left out (`bucketStem`).
 */
export function bootBucketName(poolName: string, suffix: string): string {
  return `${bucketStem(poolName)}-boot-${suffix}`;
}

/** One file moved out of user-data, stored under a key that names its content. */
export interface BootObject {
  /** `boot/<sha256>/<basename>`: a changed file is a new key, so no node ever reads a half-replaced one. */
  readonly key: string;
  readonly content: string;
  readonly sha256: string;
}

export interface Offloaded {
  /** The extras to render: moved files replaced by fetch commands (run first) and the fetcher itself. */
  readonly extras: BootstrapExtras;
  readonly objects: readonly BootObject[];
}

/**
 * Moves every file above `aboveBytes` (default `PACK_ABOVE_BYTES`) out of `extras`: each becomes an
 * object in `bucket`, fetched by a command that pins its SHA-256 and reads
 * the bucket's name from `BOOT_BUCKET_PATH` (the name carries a suffix only
 * the engine knows; cloud-init writes it, as a computed file), placed
 * before the extras' own commands because those may start what the files
 * are (the burst validation unit). Extras without large files come back as
 * they are.
 */
export function offloadLargeFiles(
  extras: BootstrapExtras,
  bucket: pulumi.Input<string>,
  region: string,
  aboveBytes: number = PACK_ABOVE_BYTES,
): Offloaded {
  const files = extras.files ?? [];
  const moved = files.filter((f) => f.path !== S3_FETCH_PATH && Buffer.byteLength(f.content, "utf8") > aboveBytes);
  if (moved.length === 0) return { extras, objects: [] };

  const objects = moved.map((f): BootObject => {
    const sha256 = sha256Hex(f.content);
    return { key: `${BOOT_OBJECT_PREFIX}${sha256}/${path.posix.basename(f.path)}`, content: f.content, sha256 };
  });
  const fetches = moved.flatMap((f, i): string[][] => {
    const fetch = [
      "/usr/bin/python3",
      S3_FETCH_PATH,
      ...["--bucket-file", BOOT_BUCKET_PATH, "--key", objects[i].key, "--region", region],
      ...["--sha256", objects[i].sha256, "--dest", f.path, "--mode", f.permissions],
    ];
    const owner = f.owner ?? "root:root";
    return owner === "root:root" ? [fetch] : [fetch, ["chown", owner, f.path]];
  });
  const fetcher: BootFile = { path: S3_FETCH_PATH, content: readFileSync(S3_FETCH_SOURCE, "utf8"), permissions: "0755" };
  const named: ComputedBootFile = { path: BOOT_BUCKET_PATH, content: bucket, permissions: "0644" };
  return {
    extras: {
      ...extras,
      files: [fetcher, ...files.filter((f) => !moved.includes(f))],
      computedFiles: [...(extras.computedFiles ?? []), named],
      commands: [...fetches, ...(extras.commands ?? [])],
    },
    objects,
  };
}

/**
 * User-data size for one role from plain values: the same rendering as the
 * adapter's, with placeholders of the real length for the deploy key and,
 * on core nodes, the state volume, and of `COMPUTED_FILE_ESTIMATE_BYTES` for
 * each computed file. Core nodes differ only in host name, so the longest
 * one stands for all.
 */
export function estimateUserDataBytes(spec: PoolSpec, role: BootRole, extras: BootstrapExtras, slots: readonly NodeSlot[]): number {
  const hostname = role === "core" ? slots.map((s) => s.name).reduce((a, b) => (b.length > a.length ? b : a), "") : "";
  const text = renderUserData({
    role,
    ...(hostname ? { hostname } : {}),
    sshUser: spec.access.sshUser,
    sshAuthorizedKeys: authorizedKeysForRole(role, spec.access.sshPublicKey, DEPLOY_KEY_PLACEHOLDER),
    repo: repoForRole(spec.repo, role),
    stateDir: spec.stateDir,
    ...(role === "core" ? { stateDevice: ebsDevicePath(VOLUME_ID_PLACEHOLDER) } : {}),
    files: [
      ...(extras.files ?? []),
      ...(extras.computedFiles ?? []).map((f) => ({ ...f, content: `${"x".repeat(COMPUTED_FILE_ESTIMATE_BYTES - 1)}\n` })),
    ],
    ...(extras.packages ? { packages: extras.packages } : {}),
    ...(extras.commands ? { commands: extras.commands } : {}),
  });
  return Buffer.byteLength(text, "utf8");
}

export interface RolePlan {
  readonly extras: BootstrapExtras;
  /** Keys this role fetches at boot; empty when everything rides inline. */
  readonly keys: readonly string[];
  /** Estimated user-data bytes, as rendered. */
  readonly bytes: number;
}

export interface BootFilesPlan {
  /** Some role fetches files: the bucket must be created. */
  readonly usesBucket: boolean;
  readonly core: RolePlan;
  /** Absent when the pool has no burst group. */
  readonly burst?: RolePlan;
  /** Every object to upload, once per key. */
  readonly objects: readonly BootObject[];
}

export interface BootFilesInputs {
  readonly spec: PoolSpec;
  readonly slots: readonly NodeSlot[];
  readonly core: BootstrapExtras;
  /** Burst extras, when the pool has a burst group. */
  readonly burst?: BootstrapExtras;
  /**
   * The boot bucket's name, for the nodes that fetch (written to
   * `BOOT_BUCKET_PATH`); called only when some role fetches files, so a pool
   * that needs no bucket creates nothing for its name.
   */
  readonly bucket: () => pulumi.Input<string>;
}

/**
 * Thresholds tried in turn when user-data does not fit: files above the
 * first go to the bucket; if that is not enough, smaller ones follow. Below
 * the last, a fetch command (about 300 bytes) would cost more than the file.
 */
export const OFFLOAD_THRESHOLDS_BYTES: readonly number[] = [PACK_ABOVE_BYTES, 2048, 1024, 512];

/**
 * Per role: keep the files inline when the user-data fits with headroom;
 * otherwise move the large ones to the bucket, the largest first, lowering
 * the size threshold until it fits. A role that still does not fit is an
 * error, reported for every role at once.
 */
export function planBootFiles(inputs: BootFilesInputs): BootFilesPlan {
  const budget = USER_DATA_LIMIT_BYTES - USER_DATA_HEADROOM_BYTES;
  const problems: string[] = [];
  const objects = new Map<string, BootObject>();

  const planRole = (role: BootRole, extras: BootstrapExtras): RolePlan => {
    const inline = estimateUserDataBytes(inputs.spec, role, extras, inputs.slots);
    if (inline <= budget) return { extras, keys: [], bytes: inline };
    const bucket = inputs.bucket();
    let moved: Offloaded = { extras, objects: [] };
    let bytes = inline;
    let threshold = PACK_ABOVE_BYTES;
    for (const above of OFFLOAD_THRESHOLDS_BYTES) {
      threshold = above;
      moved = offloadLargeFiles(extras, bucket, inputs.spec.region, above);
      bytes = estimateUserDataBytes(inputs.spec, role, moved.extras, inputs.slots);
      if (bytes <= budget) break;
    }
    if (bytes > budget) {
      problems.push(
        `AWS user-data for ${role} nodes is ${bytes} bytes with every file above ${threshold} bytes moved to the boot bucket; ` +
          `EC2 allows ${USER_DATA_LIMIT_BYTES} and ${USER_DATA_HEADROOM_BYTES} are kept spare: ship fewer or smaller bootstrap files, commands or packages`,
      );
    }
    for (const o of moved.objects) objects.set(o.key, o);
    return { extras: moved.extras, keys: moved.objects.map((o) => o.key), bytes };
  };

  const core = planRole("core", inputs.core);
  const burst = inputs.burst ? planRole("burst", inputs.burst) : undefined;
  if (problems.length > 0) throw new Error(problems.join("\n"));
  return {
    usesBucket: objects.size > 0,
    core,
    ...(burst ? { burst } : {}),
    objects: [...objects.values()],
  };
}

/** The last line of defence at deploy time, on the user-data as rendered with the engine's values. */
export function assertUserDataFits(role: BootRole, text: string): string {
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes >= USER_DATA_LIMIT_BYTES) {
    throw new Error(`AWS user-data for ${role} nodes is ${bytes} bytes; EC2 allows ${USER_DATA_LIMIT_BYTES}`);
  }
  return text;
}
