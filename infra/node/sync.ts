/**
 * The per-node sync step (`node_sync.py`): what a running core node must be
 * brought to on every `pulumi up` — operator keys, the archive uploader, the
 * monitoring configuration, the result appender, the pinned Coq — and the
 * exact command that applies it. Pure (no Pulumi imports): the component
 * runs these strings, the e2e tests run the same ones against real sshd.
 *
 * Why a step and not user-data: a core VM's user-data acts at first boot
 * only, and changing it on a running VM stops and starts it (AWS), is refused
 * (Azure: osProfile.customData cannot change) or is never read again (GCP).
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { gunzipSync, gzipSync } from "node:zlib";
import * as path from "node:path";

/** The script in this repository; the single source shipped to core nodes. */
export const SYNC_SCRIPT_SOURCE = path.join(__dirname, "node_sync.py");
/** Where the component copies it: under the login user's home, like the validator. */
export const SYNC_SCRIPT_REMOTE_COPY = "logos-node_sync.py";

/** Exit code of `node_sync.py` per failing step (must match EXIT_CODES in the script). */
export const SYNC_EXIT_CODES = {
  usage: 2,
  "first-boot": 5,
  keys: 10,
  files: 20,
  packages: 30,
  commands: 40,
  grow: 50,
  internal: 99,
} as const;
export type SyncStep = keyof typeof SYNC_EXIT_CODES;

export interface SyncFile {
  /** Absolute path on the node. */
  readonly path: string;
  readonly content: string;
  /** Octal mode, e.g. "0644". */
  readonly permissions: string;
  /** @default "root:root" */
  readonly owner?: string;
}

/** The manifest `node_sync.py` reads on stdin. */
export interface SyncManifest {
  readonly version: 1;
  /** Node name for messages. */
  readonly node: string;
  /** Login user whose authorized_keys the step owns. */
  readonly user: string;
  /** Exactly the keys authorized after the step: operator key(s) and the deploy key. */
  readonly authorizedKeys: readonly string[];
  /** @default the user's `~/.ssh/authorized_keys` */
  readonly authorizedKeysFile?: string;
  readonly files: readonly SyncFile[];
  /** Ubuntu packages; `name=version` installs exactly that version. */
  readonly packages: readonly string[];
  /** Run in order when files or packages changed, or when the node has not run this list yet; each must be idempotent. */
  readonly commands: readonly (readonly string[])[];
  /** File naming the state disk's device (core nodes); with `stateDir`, the filesystem is grown to the disk. @default no growing */
  readonly stateDeviceFile?: string;
  readonly stateDir?: string;
  /** @default 1800 */
  readonly firstBootSeconds?: number;
  /** Where the step records which command list ran. @default /var/lib/logos/sync */
  readonly stampDir?: string;
}

/** What the script prints on success. */
export interface SyncResult {
  readonly node: string;
  readonly status: "synced";
  readonly firstBoot: "done" | "error" | "none";
  readonly keysChanged: boolean;
  readonly filesChanged: readonly string[];
  readonly packagesInstalled: readonly string[];
  readonly commandsRun: number;
  readonly stateDisk: {
    readonly status: "skipped" | "current" | "grown";
    readonly why?: string;
    readonly deviceBytes?: number;
    readonly filesystemBytes?: number;
    readonly filesystemBytesBefore?: number;
  };
}

/** SHA-256 of the script as shipped: a new script re-runs the step everywhere. */
export function syncScriptDigest(): string {
  return createHash("sha256").update(readFileSync(SYNC_SCRIPT_SOURCE)).digest("hex");
}

/** SHA-256 of a manifest in a canonical form: the step's trigger. */
export function manifestDigest(m: SyncManifest): string {
  return createHash("sha256").update(canonicalJson(m)).digest("hex");
}

/**
 * The manifest as the command's stdin: gzip, then base64 on one line. The
 * step's inputs live in the stack's state once per core node, and the
 * manifest carries whole scripts (the archive uploader, the availability
 * script): compressed it takes about a third of the room. Node's gzip writes
 * no timestamp, so the text is stable and a plan compares equal.
 */
export function manifestText(m: SyncManifest): string {
  return `${gzipSync(Buffer.from(canonicalJson(m)), { level: 9 }).toString("base64")}\n`;
}

/** The manifest back from `manifestText` (what the node reads), for inspection and tests. */
export function readManifestText(text: string): SyncManifest {
  return JSON.parse(gunzipSync(Buffer.from(text.trim(), "base64")).toString("utf8")) as SyncManifest;
}

function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  if (v !== null && typeof v === "object")
    return `{${Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`)
      .join(",")}}`;
  return JSON.stringify(v);
}

/**
 * The command line: the script runs as root (it writes root-owned files,
 * installs packages and grows a mounted filesystem), through `sudo -n` for
 * the login user, who has passwordless sudo on every node; the manifest
 * arrives on stdin.
 */
export function buildSyncCommand(scriptPath: string = SYNC_SCRIPT_REMOTE_COPY): string {
  const q = `'${scriptPath.replaceAll("'", `'\\''`)}'`;
  return `if [ "$(id -u)" -eq 0 ]; then exec python3 ${q}; else exec sudo -n python3 ${q}; fi`;
}

/** Problems with a manifest, each naming its field; empty when it is usable. */
export function syncManifestProblems(m: SyncManifest): string[] {
  const p: string[] = [];
  if (m.authorizedKeys.length === 0) p.push(`sync manifest for ${m.node}: authorizedKeys is empty; the node would lock everyone out`);
  for (const f of m.files) {
    if (!f.path.startsWith("/")) p.push(`sync manifest for ${m.node}: file ${f.path} must be an absolute path`);
    if (!/^0?[0-7]{3,4}$/.test(f.permissions))
      p.push(`sync manifest for ${m.node}: file ${f.path} permissions (${f.permissions}) must be octal`);
  }
  const paths = m.files.map((f) => f.path);
  for (const dup of new Set(paths.filter((x, i) => paths.indexOf(x) !== i)))
    p.push(`sync manifest for ${m.node}: file ${dup} is given twice`);
  return p;
}

/** Parses the script's stdout (its last line); throws with the node's name otherwise. */
export function parseSyncResult(node: string, stdout: string): SyncResult {
  const line = stdout.trim().split("\n").pop() ?? "";
  try {
    const r = JSON.parse(line) as SyncResult;
    if (r.status === "synced") return r;
  } catch {
    // reported below
  }
  throw new Error(`node ${node}: the sync step printed no result: ${JSON.stringify(stdout.slice(-400))}`);
}
