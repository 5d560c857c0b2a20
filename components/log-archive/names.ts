/**
 * Pure helpers for the log archive: physical names, the uploader shipped to
 * nodes, the shell command the validation runs, and the Key Vault parts of an
 * Azure key id. No Pulumi imports, so they are unit-tested on their own and
 * usable where only plain strings fit (cloud-init, the burst boot unit).
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import type { Cloud } from "../../infra/clouds";
import { bucketStem } from "../../infra/cloud-limits";
import type { BootstrapExtras } from "../pool/types";

/** The uploader in this repository; the single source shipped to nodes. */
export const ARCHIVE_UPLOADER_SOURCE = path.join(__dirname, "..", "..", "infra", "node", "archive_upload.py");
/** Where cloud-init writes the uploader on every node (core, burst, standby). */
export const ARCHIVE_UPLOADER_PATH = "/opt/logos/bin/archive_upload.py";
/** The Azure container audit logs go to. */
export const AZURE_ARCHIVE_CONTAINER = "audit-logs";
/**
 * Where cloud-init writes the archive's target on every node. The target's
 * name carries per-deployment entropy the engine knows only at deploy time,
 * so the upload command (a plain string in the validation's argv and the
 * burst boot unit) reads it from here when it runs.
 */
export const ARCHIVE_TARGET_PATH = "/etc/logos/archive-target";

/** What makes one deployment's archive name differ from every other's. */
export interface ArchiveSeed {
  readonly organization: string;
  readonly project: string;
  readonly stack: string;
  readonly cloud: Cloud;
  readonly region: string;
  /** GCP project; bucket names are global across projects. @default none */
  readonly gcpProject?: string;
  /**
   * Random hex kept in the stack's state (a `RandomId`): the public values
   * above are the same for everyone who deploys the shipped stacks, so they
   * alone would make two deployers anywhere claim the same global name.
   */
  readonly entropy: string;
}

export interface ArchiveNames {
  /** AWS / GCP bucket name. */
  readonly bucket: string;
  /** Azure storage account name (3-24 of [a-z0-9]). */
  readonly storageAccount: string;
  readonly container: string;
}

function digest(seed: ArchiveSeed, length: number): string {
  const text = [seed.organization, seed.project, seed.stack, seed.cloud, seed.region, seed.gcpProject ?? "", seed.entropy].join("/");
  return createHash("sha256").update(text).digest("hex").slice(0, length);
}

/**
 * Names fixed by the deployment, not by the cloud: bucket and account names
 * are global, so they carry a digest of org/project/stack/cloud/region and
 * the deployment's own entropy. Nodes learn the result from the file at
 * {@link ARCHIVE_TARGET_PATH}, so the archive command stays a plain string.
 */
export function archiveNames(poolName: string, seed: ArchiveSeed): ArchiveNames {
  const stem = poolName
    .toLowerCase()
    .replace(/[^a-z0-9]/g, "")
    .slice(0, 12);
  return {
    // <= 20 + 7 + 12 = 39 of the 63 characters S3 and GCS allow; a pool name
    // either API refuses at the start of a bucket name is left out (bucketStem).
    bucket: `${bucketStem(poolName)}-audit-${digest(seed, 12)}`,
    // "la" + <= 12 + 10 = 24, Azure's limit.
    storageAccount: `la${stem}${digest(seed, 10)}`.slice(0, 24),
    container: AZURE_ARCHIVE_CONTAINER,
  };
}

/** The `--target` of the uploader: the bucket, or `account/container` on Azure. */
export function archiveTarget(cloud: Cloud, names: ArchiveNames): string {
  switch (cloud) {
    case "aws":
    case "gcp":
      return names.bucket;
    case "azure":
      return `${names.storageAccount}/${names.container}`;
    default: {
      const unreachable: never = cloud;
      throw new Error(`no archive target for cloud ${String(unreachable)}`);
    }
  }
}

/** One word for /bin/sh: bare when safe, otherwise single-quoted. */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replaceAll("'", `'"'"'`)}'`;
}

export interface ArchiveCommandOptions {
  readonly cloud: Cloud;
  /**
   * Bucket, or `account/container` on Azure.
   * @default read when the command runs from the file `targetFile`
   */
  readonly target?: string;
  /** File on the node holding the target, used when `target` is not given. @default ARCHIVE_TARGET_PATH */
  readonly targetFile?: string;
  readonly pool: string;
  /**
   * Node name in the object path. @default `"$LOGOS_NODE"`, expanded by the
   * shell: the validation script exports it (its --node-name, else the
   * hostname), so one command serves every node, burst ones included.
   */
  readonly node?: string;
  /** AWS: the bucket's region. @default the instance's region (from IMDS) */
  readonly region?: string;
  /** Azure: client id of the node's user-assigned identity. @default the VM's only identity */
  readonly clientId?: string;
  /** Interpreter on the node. @default "python3" */
  readonly python?: string;
}

/**
 * The `--archive-command` for `validate_proof.py`. The script runs it with
 * `/bin/sh -c` and exports `LOGOS_AUDIT_LOG` (the audit log path) and
 * `LOGOS_NODE`; the command uploads `$LOGOS_AUDIT_LOG` to
 * `<pool>/<node>/<UTC stamp>.json` and prints the object URL. It holds no
 * secret: credentials come from the instance's identity.
 */
export function archiveCommandFor(o: ArchiveCommandOptions): string {
  const parts = [o.python ?? "python3", ARCHIVE_UPLOADER_PATH, "--cloud", o.cloud, "--target"].map(shellQuote);
  // One word either way: a missing file gives an empty target, which the uploader refuses by name.
  parts.push(o.target !== undefined ? shellQuote(o.target) : `"$(cat ${shellQuote(o.targetFile ?? ARCHIVE_TARGET_PATH)})"`);
  parts.push("--pool", shellQuote(o.pool));
  parts.push("--node", o.node === undefined ? '"$LOGOS_NODE"' : shellQuote(o.node));
  parts.push("--file", '"$LOGOS_AUDIT_LOG"');
  if (o.region) parts.push("--region", shellQuote(o.region));
  if (o.clientId) parts.push("--client-id", shellQuote(o.clientId));
  return parts.join(" ");
}

/**
 * What every node needs to upload: the uploader and, when given, the file
 * naming the target (known to the engine only at deploy time). Add to both
 * VmPool bootstraps.
 */
export function archiveBootstrap(target?: pulumi.Input<string>): BootstrapExtras {
  return {
    files: [{ path: ARCHIVE_UPLOADER_PATH, content: readFileSync(ARCHIVE_UPLOADER_SOURCE, "utf8"), permissions: "0755" }],
    ...(target !== undefined ? { computedFiles: [{ path: ARCHIVE_TARGET_PATH, content: target, permissions: "0644" }] } : {}),
  };
}

export interface KeyVaultKeyParts {
  readonly subscriptionId: string;
  readonly resourceGroupName: string;
  readonly vaultName: string;
  /** ARM id of the vault: the scope of the archive's key grant. */
  readonly vaultId: string;
  readonly vaultUri: string;
  readonly keyName: string;
}

/**
 * Splits the ARM id of a Key Vault key
 * (`/subscriptions/<s>/resourceGroups/<rg>/providers/Microsoft.KeyVault/vaults/<v>/keys/<k>`).
 * The vault URI assumes the public cloud's `vault.azure.net`.
 */
export function parseKeyVaultKeyId(id: string): KeyVaultKeyParts {
  const m = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.KeyVault\/vaults\/([^/]+)\/keys\/([^/]+)$/i.exec(id);
  if (!m) {
    throw new Error(
      `encryptionKeyId (${JSON.stringify(id)}) must be the ARM id of a Key Vault key, ` +
        "/subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.KeyVault/vaults/<vault>/keys/<key>; " +
        "or pass azureKeyVault explicitly",
    );
  }
  const [, subscriptionId, resourceGroupName, vaultName, keyName] = m;
  return {
    subscriptionId,
    resourceGroupName,
    vaultName,
    vaultId: `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroupName}/providers/Microsoft.KeyVault/vaults/${vaultName}`,
    vaultUri: `https://${vaultName}.vault.azure.net/`,
    keyName,
  };
}

/** Seconds as the decimal string GCS wants for a retention period. */
export function retentionSeconds(days: number): string {
  return String(days * 86400);
}
