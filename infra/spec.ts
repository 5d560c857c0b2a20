/**
 * The cloud-neutral pool spec and `parseSpec`, the one place config becomes a
 * validated `PoolSpec` and the one place defaults are applied. Pure: no Pulumi
 * runtime imports, so it runs the same under `pulumi up`, the offline plan and
 * unit tests.
 */
import { UBUNTU_2404_COQ } from "./bootstrap";
import { contains, isNetworkAligned, parseCidr, planNetwork, type Ipv4Cidr, type NetworkPlan } from "./cidr";
import { subnetCapacity } from "./layout";
import { CLOUDS, isCloud, REGION_KEYS, UBUNTU_2404, type Cloud } from "./clouds";
import { OPERATOR_CIDR_MIN_PREFIX, PORTABLE_TAG_KEY, PORTABLE_TAG_VALUE, PRIVATE_NETWORK_RANGES, TAG_LIMITS } from "./cloud-limits";
import { chooseMachineType, lookupMachineType, uncataloguedMachineType, type MachineType } from "./machines";
import { isProviderNamespace, PROVIDER_CONFIG_KEYS } from "./provider-config-keys";
import { GCP_REGIONS, knownRegions, regionSource } from "./regions";
import { autoRolloutBatchSize, ROLLOUT_AUTO_PERCENT, ROLLOUT_BATCH_MAX } from "./rollout";
import { COQ_PIN, isTrustedSigner, type ValidationTimeouts } from "./node/validation";
import { DEFAULT_AVAILABILITY_WINDOW_MINUTES, REBUILD_SLA_MINUTES, slaStepTimeouts } from "./sla";
import { closest } from "./suggest";

/** The project's config namespace (`Pulumi.yaml` `name`). */
export const NAMESPACE = "logos-compute";
/** The tag / label every taggable resource carries; the policy pack requires it. */
export const PROOF_GATED_TAG = "logos-proof-gated";
/** Where the persistent state disk is mounted; the workload sees it as `LOGOS_STATE_DIR`. */
export const STATE_DIR = "/var/lib/logos/state";
/** Where the workload repository is checked out on every node. */
export const REPO_DIR = "/opt/logos/repo";
/** `EXPECTED_AGENT_HASH` in the workload: SHA-256 of `ProjectLOGOS:LOGOS-AGENT-OMEGA`. */
export const DEFAULT_AGENT_HASH = "a09d35345ad8dcee4d56ecf49eada0a7425ff6082353002e4473a6d582e85bda";

export interface PoolSpec {
  /** Pool name: prefix of every resource name and the scheduler's pool identity. */
  readonly name: string;
  readonly cloud: Cloud;
  readonly region: string;
  /** Zones the nodes are spread over, round-robin. GCP also needs a project. */
  readonly zones: readonly string[];
  /** GCP project id (from `gcp:project`); undefined on other clouds. */
  readonly gcpProject?: string;
  readonly nodes: {
    readonly core: number;
    readonly burstMax: number;
    readonly standby: 0 | 1;
  };
  /** The machine class asked for and the type chosen for it. */
  readonly machine: {
    readonly vcpus: number;
    readonly memoryGiB: number;
    readonly type: MachineType;
    /** True when the type came from `machineType` rather than the chooser. */
    readonly explicit: boolean;
  };
  readonly disks: { readonly bootGiB: number; readonly stateGiB: number };
  /** Cloud image reference (Ubuntu 24.04 LTS unless overridden). */
  readonly image: string;
  readonly repo: {
    readonly url: string;
    /** Full 40-hex commit SHA the nodes check out and verify. */
    readonly ref: string;
    /** 64-hex pinned `EXPECTED_AGENT_HASH`. */
    readonly agentHash: string;
    /** 64-hex SHA-256 of `scripts/boot_aligned_agent.py`, when pinned. */
    readonly agentScriptDigest?: string;
    readonly dir: string;
  };
  /** Tags / labels for every taggable resource; always includes `logos-proof-gated`. */
  readonly tags: Readonly<Record<string, string>>;
  readonly network: NetworkPlan;
  readonly access: {
    readonly operatorCidrs: readonly string[];
    readonly sshUser: string;
    readonly sshPublicKey: string;
  };
  readonly stateDir: string;
  readonly validation: {
    /** Run the proof validation on every core node after `pulumi up`. */
    readonly enabled: boolean;
    /** Per-step limits on the node, seconds: `validationStepTimeoutSeconds`, or derived from the rebuild SLA. */
    readonly timeouts: ValidationTimeouts;
    /** Axioms outside `allowedAxioms` fail the node (false: a loud warning only). */
    readonly strictFootprint: boolean;
    /** The gated theorem: a name or a qualified name. */
    readonly footprintTheorem: string;
    /** Fully qualified axioms the gated theorem may use. */
    readonly allowedAxioms: readonly string[];
    /** SSH allowed-signers lines or armored OpenPGP public keys; the pinned commit must be signed by one. Empty: not checked. */
    readonly trustedSigners: readonly string[];
    /** The pinned `coq` package version nodes install, hold and check; empty: the archive's, unchecked. */
    readonly coqVersion: string;
    /** Confine the workload's writes to the state dir, the checkout and a private temp dir. */
    readonly writeSandbox: boolean;
    /** Core nodes rolled (checked out and validated) at once by one `pulumi up`; resolved from `rolloutBatchSize`. */
    readonly rolloutBatchSize: number;
  };
  readonly archive: {
    /** Object Lock / retention mode: `governance` can be lifted by privileged users, `compliance` cannot. */
    readonly lockMode: "governance" | "compliance";
    readonly retentionDays: number;
    /** GCP: lock the bucket retention policy (irreversible). Azure: lock the immutability policy. */
    readonly lockRetention: boolean;
  };
  readonly monitoring: {
    readonly cpuPercent: number;
    readonly memoryPercent: number;
    readonly diskPercent: number;
    /** A validation that takes longer than this breaks the rebuild SLA, seconds. */
    readonly rebuildSlaSeconds: number;
    /** How long fewer than `coreNodes` core nodes may hold a passing validation before the availability alert fires. */
    readonly availabilityWindowMinutes: number;
    /** Email for alarms; none means alarms exist without a subscriber. */
    readonly alertEmail?: string;
  };
}

/**
 * One project config key: its type, default and meaning. `Pulumi.yaml`'s
 * `config:` block mirrors this table (a unit test keeps the two equal).
 */
export interface ConfigKey {
  readonly type: "string" | "integer" | "boolean" | "array";
  /** `undefined` means required (or, for optional keys, absent). */
  readonly default?: string | number | boolean | readonly string[];
  readonly required?: boolean;
  readonly secret?: boolean;
  readonly description: string;
}

export const CONFIG_KEYS = {
  cloud: { type: "string", required: true, description: "Cloud of this stack: aws, gcp or azure." },
  poolName: {
    type: "string",
    default: "logos",
    description: "Pool name: prefix of resource names, scheduler pool id. Lowercase letters, digits, '-', 3-20 chars.",
  },
  region: {
    type: "string",
    default: "",
    description: "Region; empty means the provider's own key (aws:region, gcp:region, azure-native:location).",
  },
  zones: { type: "array", default: [], description: "Zones to spread nodes over; empty means three zones derived from the region." },
  coreNodes: { type: "integer", default: 1, description: "Always-on nodes that run jobs and keep a persistent state disk (>= 1)." },
  burstMax: {
    type: "integer",
    default: 0,
    description: "Most nodes in total including burst capacity; 0 means equal to coreNodes (no burst).",
  },
  standbyNodes: {
    type: "integer",
    default: 0,
    description: "Pre-initialised standby in the burst group's native warm/standby pool: 0 or 1 (needs burstMax > coreNodes).",
  },
  vcpus: { type: "integer", default: 8, description: "vCPUs per node; the scheduler's CPU slots. The plan's pilot size is 8." },
  memoryGiB: { type: "integer", default: 16, description: "Minimum memory per node in GiB." },
  machineType: {
    type: "string",
    default: "",
    description: "Explicit instance type; must meet vcpus exactly and memoryGiB at least. Empty: cheapest type that fits.",
  },
  bootDiskGiB: { type: "integer", default: 30, description: "Boot disk size, GiB (>= 20)." },
  stateDiskGiB: { type: "integer", default: 50, description: "Persistent state disk size, GiB (>= 10); mounted at /var/lib/logos/state." },
  image: { type: "string", default: "", description: "Image override; empty means Ubuntu 24.04 LTS on the stack's cloud." },
  repoUrl: { type: "string", required: true, description: "Git URL of the workload repository (https:// or git@)." },
  repoRef: { type: "string", required: true, description: "Full 40-hex commit SHA every node checks out and verifies." },
  agentHash: {
    type: "string",
    default: DEFAULT_AGENT_HASH,
    description: "Pinned EXPECTED_AGENT_HASH (64 hex) the validation checks before anything runs.",
  },
  agentScriptDigest: {
    type: "string",
    default: "",
    description: "Pinned SHA-256 (64 hex) of scripts/boot_aligned_agent.py; empty: not checked.",
  },
  tags: {
    type: "array",
    default: [],
    description: "Extra tags as key=value strings; GCP label rules apply to all clouds so one spec fits three.",
  },
  networkCidr: { type: "string", default: "10.40.0.0/16", description: "Pool network, /16 to /24; subnets are derived from it." },
  operatorCidrs: { type: "array", required: true, description: "IPv4 CIDRs allowed to reach the bastion by SSH; never 0.0.0.0/0." },
  sshUser: { type: "string", default: "logos", description: "Login user on the bastion and the nodes." },
  sshPublicKey: {
    type: "string",
    required: true,
    description: "Operator's SSH public key (ssh-ed25519 or ssh-rsa), authorized on bastion and nodes.",
  },
  validate: { type: "boolean", default: true, description: "Run the proof validation on every core node after pulumi up." },
  validationStepTimeoutSeconds: {
    type: "integer",
    default: 0,
    description:
      "Timeout of the first-boot wait, the lock wait and each rebuild step on a node, seconds (30-86400); 0 derives every step's limit from rebuildSlaMinutes.",
  },
  strictFootprint: {
    type: "boolean",
    default: true,
    description: "Fail validation when the gated theorem uses an axiom outside allowedAxioms; false only warns (loudly).",
  },
  footprintTheorem: {
    type: "string",
    default: "pxl_excluded_middle",
    description: "Gated theorem for the axiom footprint: a name or a qualified name; every match in the kernel is checked.",
  },
  allowedAxioms: {
    type: "array",
    default: [],
    description: "Pinned, fully qualified axioms the gated theorem may use (like agentHash); empty: it must be closed.",
  },
  trustedSigners: {
    type: "array",
    default: [],
    description:
      "SSH allowed-signers lines (principal ssh-ed25519 AAAA...) or armored OpenPGP public keys; the pinned commit must be signed by one. Empty: not checked.",
  },
  coqVersion: {
    type: "string",
    default: UBUNTU_2404_COQ,
    description:
      "coq package version every node installs, holds and checks with coqc --version; empty: whatever the archive serves, unchecked.",
  },
  writeSandbox: {
    type: "boolean",
    default: true,
    description: "Confine the workload's writes to the state dir, the checkout and a private temp dir (Landlock); false only warns.",
  },
  rolloutBatchSize: {
    type: "integer",
    default: 0,
    description: `Core nodes checked out and validated at once by one pulumi up (1-${ROLLOUT_BATCH_MAX}); 0 means ${ROLLOUT_AUTO_PERCENT} % of coreNodes, at least 1.`,
  },
  archiveLockMode: { type: "string", default: "governance", description: "Audit archive lock mode: governance or compliance." },
  archiveRetentionDays: { type: "integer", default: 365, description: "Days each archived audit log is kept immutable (1-36500)." },
  archiveLockRetention: {
    type: "boolean",
    default: false,
    description: "Lock the archive retention policy (GCP bucket lock, Azure locked immutability); irreversible.",
  },
  alertCpuPercent: { type: "integer", default: 90, description: "CPU alarm threshold, percent." },
  alertMemoryPercent: { type: "integer", default: 90, description: "Memory alarm threshold, percent." },
  alertDiskPercent: { type: "integer", default: 85, description: "State disk usage alarm threshold, percent." },
  rebuildSlaMinutes: {
    type: "integer",
    default: REBUILD_SLA_MINUTES,
    description: "Rebuild turnaround SLA, minutes (1-720): a validation that takes longer raises an alert.",
  },
  availabilityWindowMinutes: {
    type: "integer",
    default: DEFAULT_AVAILABILITY_WINDOW_MINUTES,
    description: "Minutes (5-720) fewer than coreNodes core nodes may hold a passing validation before the availability alert fires.",
  },
  alertEmail: { type: "string", default: "", description: "Email subscribed to alarms; empty: none." },
  allowUnlistedRegion: {
    type: "boolean",
    default: false,
    description: "Accept a region missing from the program's region list (newer than this release); the cloud still checks it.",
  },
} as const satisfies Record<string, ConfigKey>;

export type ConfigKeyName = keyof typeof CONFIG_KEYS;

/** Raw config: `namespace:key` → value, either typed (YAML) or a string (Pulumi's runtime config). */
export type RawConfig = Readonly<Record<string, unknown>>;

export class SpecError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(
      `invalid pool config (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${problems.map((p) => `  - ${p}`).join("\n")}`,
    );
    this.name = "SpecError";
  }
}

const HEX40 = /^[0-9a-f]{40}$/;
/** A Coq (qualified) identifier; the validation script accepts the same shape. */
const COQ_NAME = /^[\p{L}_][\p{L}\p{N}_']*(\.[\p{L}_][\p{L}\p{N}_']*)*$/u;
const HEX64 = /^[0-9a-f]{64}$/;
const POOL_NAME = /^[a-z][a-z0-9-]{1,18}[a-z0-9]$/;
const SSH_KEY = /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/=]{40,}( .*)?$/;
const SSH_USER = /^[a-z_][a-z0-9_-]{0,31}$/;
const RESERVED_USERS = new Set(["root", "admin", "administrator", "ubuntu"]);

function key(name: ConfigKeyName): string {
  return `${NAMESPACE}:${name}`;
}

/** Reads and coerces every key; collects type problems instead of throwing. */
class Reader {
  readonly problems: string[] = [];
  constructor(private readonly raw: RawConfig) {}

  private value(name: ConfigKeyName): unknown {
    const v = this.raw[key(name)];
    const def: ConfigKey = CONFIG_KEYS[name];
    if (v === undefined || v === null) return def.default;
    return v;
  }

  private missing(name: ConfigKeyName, hint: string): void {
    this.problems.push(`${key(name)} is required: ${hint} (set it with \`pulumi config set ${key(name)} ...\` or in the stack file)`);
  }

  string(name: ConfigKeyName, hint = "a string"): string {
    const v = this.value(name);
    if (v === undefined || v === "") {
      const def: ConfigKey = CONFIG_KEYS[name];
      if (def.required) this.missing(name, hint);
      return "";
    }
    if (typeof v !== "string") {
      this.problems.push(`${key(name)} must be a string, got ${JSON.stringify(v)}`);
      return "";
    }
    return v.trim();
  }

  integer(name: ConfigKeyName): number {
    let v = this.value(name);
    if (typeof v === "string" && /^-?\d+$/.test(v.trim())) v = Number(v.trim());
    if (typeof v !== "number" || !Number.isInteger(v)) {
      this.problems.push(`${key(name)} must be a whole number, got ${JSON.stringify(v)}`);
      return Number.NaN;
    }
    return v;
  }

  boolean(name: ConfigKeyName): boolean {
    let v = this.value(name);
    if (v === "true") v = true;
    if (v === "false") v = false;
    if (typeof v !== "boolean") {
      this.problems.push(`${key(name)} must be true or false, got ${JSON.stringify(v)}`);
      return false;
    }
    return v;
  }

  array(name: ConfigKeyName, hint: string): string[] {
    let v = this.value(name);
    const def: ConfigKey = CONFIG_KEYS[name];
    if (v === undefined) {
      if (def.required) this.missing(name, hint);
      return [];
    }
    if (typeof v === "string") {
      try {
        v = JSON.parse(v);
      } catch {
        this.problems.push(
          `${key(name)} must be a list of strings (JSON array when set with pulumi config set --path or as a string), got ${JSON.stringify(v)}`,
        );
        return [];
      }
    }
    if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) {
      this.problems.push(`${key(name)} must be a list of strings, got ${JSON.stringify(v)}`);
      return [];
    }
    if (def.required && v.length === 0) this.missing(name, hint);
    return (v as string[]).map((s) => s.trim());
  }

  raw_(k: string): unknown {
    return this.raw[k];
  }
}

function defaultZones(cloud: Cloud, region: string): string[] {
  switch (cloud) {
    case "aws":
      return ["a", "b", "c"].map((s) => `${region}${s}`);
    case "gcp":
      // Not every GCP region has an `-a` zone (us-east1, europe-west1 start at `-b`).
      return (GCP_REGIONS[region] ?? ["a", "b", "c"]).slice(0, 3).map((s) => `${region}-${s}`);
    case "azure":
      return ["1", "2", "3"];
    default: {
      const unreachable: never = cloud;
      throw new Error(`unknown cloud ${String(unreachable)}`);
    }
  }
}

function zoneProblem(cloud: Cloud, region: string, zone: string): string | undefined {
  switch (cloud) {
    case "aws":
      return new RegExp(`^${escape(region)}[a-z]$`).test(zone) ? undefined : `must be a zone of ${region} such as ${region}a`;
    case "gcp":
      return new RegExp(`^${escape(region)}-[a-z]$`).test(zone) ? undefined : `must be a zone of ${region} such as ${region}-a`;
    case "azure":
      return /^[1-3]$/.test(zone) ? undefined : "must be an Azure availability zone: 1, 2 or 3";
    default: {
      const unreachable: never = cloud;
      throw new Error(`unknown cloud ${String(unreachable)}`);
    }
  }
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function describeType(t: MachineType): string {
  return `${t.name} (${t.vcpus} vCPU / ${t.memoryGiB} GiB)`;
}

/** "an AWS region", "a GCP region", "an Azure region". */
const CLOUD_TITLES: Readonly<Record<Cloud, string>> = { aws: "an AWS", gcp: "a GCP", azure: "an Azure" };

/** Namespaces people reach for that this program does not read, and the one it does. */
const NAMESPACE_MIXUPS: Readonly<Record<string, string>> = { azure: "azure-native", google: "gcp", "google-native": "gcp" };

/**
 * Keys nothing reads: in the project's namespace, keys `CONFIG_KEYS` does not
 * declare; in a cloud provider's namespace, keys the pinned provider SDK does
 * not declare; and namespaces that look like a typo of one of those. Each is
 * an error with the closest real key, since a silently ignored key means a
 * pool built from defaults the user meant to change.
 */
export function unknownKeyProblems(raw: RawConfig): string[] {
  const problems: string[] = [];
  const ownKeys = Object.keys(CONFIG_KEYS);
  const namespaces = [NAMESPACE, ...Object.keys(PROVIDER_CONFIG_KEYS)];
  const knownIn = (ns: string): readonly string[] => (ns === NAMESPACE ? ownKeys : isProviderNamespace(ns) ? PROVIDER_CONFIG_KEYS[ns] : []);
  const suggestion = (ns: string, name: string): string => {
    const near = closest(name, knownIn(ns));
    return near ? `${ns}:${near}` : "";
  };
  for (const full of Object.keys(raw)) {
    const colon = full.indexOf(":");
    const ns = colon < 0 ? "" : full.slice(0, colon);
    const name = full.slice(colon + 1);
    if (ns === NAMESPACE || isProviderNamespace(ns)) {
      if (knownIn(ns).includes(name)) continue;
      const near = suggestion(ns, name);
      const whose = ns === NAMESPACE ? "this program (see Pulumi.yaml or the README's config reference)" : `the ${ns} provider`;
      problems.push(`${full} is not a setting of ${whose}${near ? `; did you mean ${near}?` : ""}`);
      continue;
    }
    const intended = NAMESPACE_MIXUPS[ns] ?? closest(ns, namespaces);
    if (intended) {
      const near = knownIn(intended).includes(name) ? `${intended}:${name}` : suggestion(intended, name);
      problems.push(
        `${full}: nothing in this program reads the namespace "${ns}"${near ? `; did you mean ${near}?` : `; did you mean ${intended}:...?`}`,
      );
    }
  }
  return problems;
}

/** Tags a provider adds to every resource from its own config (`aws:defaultTags`, `gcp:defaultLabels`). */
function providerDefaultTags(cloud: Cloud, raw: RawConfig): { key: string; count: number } | undefined {
  const parse = (v: unknown): unknown => {
    if (typeof v !== "string") return v;
    try {
      return JSON.parse(v);
    } catch {
      return undefined;
    }
  };
  const size = (v: unknown): number => (v !== null && typeof v === "object" && !Array.isArray(v) ? Object.keys(v).length : 0);
  switch (cloud) {
    case "aws": {
      const count = size((parse(raw["aws:defaultTags"]) as { tags?: unknown } | undefined)?.tags);
      return count > 0 ? { key: "aws:defaultTags", count } : undefined;
    }
    case "gcp": {
      const count = size(parse(raw["gcp:defaultLabels"]));
      return count > 0 ? { key: "gcp:defaultLabels", count } : undefined;
    }
    case "azure":
      return undefined;
    default: {
      const unreachable: never = cloud;
      throw new Error(`unknown cloud ${String(unreachable)}`);
    }
  }
}

/**
 * Validates raw config and returns the spec, or throws one {@link SpecError}
 * listing every problem, each naming its config key and what is allowed.
 */
export function parseSpec(raw: RawConfig): PoolSpec {
  const r = new Reader(raw);
  const p = r.problems;
  p.push(...unknownKeyProblems(raw));
  const allowUnlistedRegion = r.boolean("allowUnlistedRegion");

  const cloudText = r.string("cloud", `one of ${CLOUDS.join(", ")}`);
  let cloud: Cloud | undefined;
  if (cloudText !== "") {
    if (isCloud(cloudText)) cloud = cloudText;
    else p.push(`${key("cloud")} (${JSON.stringify(cloudText)}) must be one of ${CLOUDS.join(", ")}`);
  }

  const name = r.string("poolName");
  if (!POOL_NAME.test(name)) {
    p.push(
      `${key("poolName")} (${JSON.stringify(name)}) must be 3-20 characters of lowercase letters, digits and '-', starting with a letter and not ending with '-'`,
    );
  }

  let region = r.string("region");
  let regionKey = key("region");
  if (region === "" && cloud) {
    const providerRegion = r.raw_(REGION_KEYS[cloud]);
    regionKey = REGION_KEYS[cloud];
    if (typeof providerRegion === "string" && providerRegion.trim() !== "") region = providerRegion.trim();
    else p.push(`${key("region")} is required: set ${REGION_KEYS[cloud]} (or ${key("region")}) to the ${cloud} region`);
  } else if (region !== "" && cloud) {
    // The provider creates resources in its own region; names and ARNs built
    // from the spec's region would then point elsewhere.
    const providerRegion = r.raw_(REGION_KEYS[cloud]);
    if (typeof providerRegion === "string" && providerRegion.trim() !== "" && providerRegion.trim() !== region) {
      p.push(
        `${key("region")} (${region}) differs from ${REGION_KEYS[cloud]} (${providerRegion.trim()}): leave ${key("region")} empty or set both to the same region`,
      );
    }
  }
  if (region !== "" && !/^[a-z][a-z0-9-]*[a-z0-9]$/.test(region)) {
    p.push(`${regionKey} (${JSON.stringify(region)}) must be a region name such as us-east-1, us-central1 or eastus`);
  } else if (region !== "" && cloud && !allowUnlistedRegion && !knownRegions(cloud).includes(region)) {
    const near = closest(region, knownRegions(cloud));
    p.push(
      `${regionKey} (${region}) is not ${CLOUD_TITLES[cloud]} region (${regionSource(cloud)})${near ? `; did you mean ${near}?` : ""} ` +
        `If the region is newer than this list, set ${key("allowUnlistedRegion")}: true${cloud === "aws" ? " and aws:skipRegionValidation: true" : ""}`,
    );
  }

  let gcpProject: string | undefined;
  if (cloud === "gcp") {
    const project = r.raw_("gcp:project");
    if (typeof project === "string" && project.trim() !== "") gcpProject = project.trim();
    else p.push("gcp:project is required on gcp: set it to the Google Cloud project id (pulumi config set gcp:project <id>)");
  }

  let zones = r.array("zones", "zone names");
  if (cloud && region !== "") {
    if (zones.length === 0) zones = defaultZones(cloud, region);
    zones.forEach((z, i) => {
      const problem = zoneProblem(cloud, region, z);
      if (problem) p.push(`${key("zones")}[${i}] (${JSON.stringify(z)}) ${problem}`);
    });
    if (new Set(zones).size !== zones.length) p.push(`${key("zones")} must not repeat a zone, got ${JSON.stringify(zones)}`);
    if (zones.length > 6) p.push(`${key("zones")} may list at most 6 zones, got ${zones.length}`);
  }

  const core = r.integer("coreNodes");
  if (Number.isInteger(core) && core < 1) p.push(`${key("coreNodes")} (${core}) must be >= 1`);
  if (Number.isInteger(core) && core > 1000) p.push(`${key("coreNodes")} (${core}) must be <= 1000`);
  let burstMax = r.integer("burstMax");
  if (burstMax === 0 && Number.isInteger(core)) burstMax = core;
  if (Number.isInteger(burstMax) && Number.isInteger(core) && burstMax < core) {
    p.push(`${key("burstMax")} (${burstMax}) must be >= ${key("coreNodes")} (${core}), or 0 for no burst capacity`);
  }
  const standby = r.integer("standbyNodes");
  if (Number.isInteger(standby) && standby !== 0 && standby !== 1) p.push(`${key("standbyNodes")} (${standby}) must be 0 or 1`);
  // The standby is a pre-initialised member of the burst group's warm pool
  // (ASG warm pool, MIG standby policy, Azure standby pool), so it needs one.
  if (standby === 1 && Number.isInteger(core) && Number.isInteger(burstMax) && burstMax <= core) {
    p.push(
      `${key("standbyNodes")} (1) needs burst capacity to sit in: set ${key("burstMax")} (${burstMax}) above ${key("coreNodes")} (${core})`,
    );
  }

  const vcpus = r.integer("vcpus");
  if (Number.isInteger(vcpus) && (vcpus < 2 || vcpus > 96)) p.push(`${key("vcpus")} (${vcpus}) must be between 2 and 96`);
  const memoryGiB = r.integer("memoryGiB");
  if (Number.isInteger(memoryGiB) && (memoryGiB < 2 || memoryGiB > 768))
    p.push(`${key("memoryGiB")} (${memoryGiB}) must be between 2 and 768`);

  let machine: PoolSpec["machine"] | undefined;
  const explicitType = r.string("machineType");
  if (cloud && Number.isInteger(vcpus) && Number.isInteger(memoryGiB)) {
    if (explicitType !== "") {
      const t = lookupMachineType(cloud, explicitType);
      if (!t) {
        // Outside the catalog: sized from vcpus / memoryGiB, which the scheduler is told (specWarnings says so).
        const outside = uncataloguedMachineType(cloud, explicitType, vcpus, memoryGiB);
        if ("type" in outside) machine = { vcpus, memoryGiB, type: outside.type, explicit: true };
        else if (outside.kind === "name") {
          const fit = chooseMachineType(cloud, vcpus, memoryGiB);
          p.push(
            `${key("machineType")} (${JSON.stringify(explicitType)}) ${outside.problem}${outside.problem.endsWith("?") ? " Or" : ";"}` +
              `${fit ? ` ${describeType(fit)} fits ${vcpus} vCPU / ${memoryGiB} GiB, or` : ""} leave it empty to choose automatically`,
          );
        } else {
          p.push(
            `${key("machineType")} ${explicitType} ${outside.problem} (${key("vcpus")} ${vcpus}, ${key("memoryGiB")} ${memoryGiB}): set both to the type's real size, or leave ${key("machineType")} empty to choose automatically`,
          );
        }
      } else if (t.vcpus !== vcpus || t.memoryGiB < memoryGiB) {
        const fit = chooseMachineType(cloud, vcpus, memoryGiB);
        p.push(
          `${key("machineType")} ${describeType(t)} does not meet ${key("vcpus")} ${vcpus} exactly and ${key("memoryGiB")} >= ${memoryGiB}${fit ? `; use ${fit.name} or leave it empty` : ""}`,
        );
      } else {
        machine = { vcpus, memoryGiB, type: t, explicit: true };
      }
    } else {
      const t = chooseMachineType(cloud, vcpus, memoryGiB);
      if (!t)
        p.push(
          `no ${cloud} machine type has exactly ${vcpus} vCPUs and >= ${memoryGiB} GiB: change ${key("vcpus")} or ${key("memoryGiB")}`,
        );
      else machine = { vcpus, memoryGiB, type: t, explicit: false };
    }
  }

  const bootGiB = r.integer("bootDiskGiB");
  if (Number.isInteger(bootGiB) && (bootGiB < 20 || bootGiB > 2048))
    p.push(`${key("bootDiskGiB")} (${bootGiB}) must be between 20 and 2048`);
  const stateGiB = r.integer("stateDiskGiB");
  if (Number.isInteger(stateGiB) && (stateGiB < 10 || stateGiB > 16384))
    p.push(`${key("stateDiskGiB")} (${stateGiB}) must be between 10 and 16384`);

  const imageOverride = r.string("image");

  const url = r.string("repoUrl", "the git URL of the workload repository");
  if (url !== "" && !/^(https:\/\/[^\s]+|git@[^\s:]+:[^\s]+|ssh:\/\/[^\s]+)$/.test(url)) {
    p.push(`${key("repoUrl")} (${JSON.stringify(url)}) must be an https://, ssh:// or git@host:path URL`);
  }
  const ref = r.string("repoRef", "a full 40-hex commit SHA");
  if (ref !== "" && !HEX40.test(ref)) {
    p.push(
      `${key("repoRef")} (${JSON.stringify(ref)}) must be a full 40-character lowercase hex commit SHA; branch and tag names are refused because they move`,
    );
  }
  const agentHash = r.string("agentHash");
  if (!HEX64.test(agentHash)) p.push(`${key("agentHash")} (${JSON.stringify(agentHash)}) must be 64 lowercase hex characters (a SHA-256)`);
  const agentScriptDigest = r.string("agentScriptDigest");
  if (agentScriptDigest !== "" && !HEX64.test(agentScriptDigest)) {
    p.push(
      `${key("agentScriptDigest")} (${JSON.stringify(agentScriptDigest)}) must be 64 lowercase hex characters (sha256sum scripts/boot_aligned_agent.py), or empty`,
    );
  }

  const tags: Record<string, string> = {};
  r.array("tags", "key=value strings").forEach((entry, i) => {
    const eq = entry.indexOf("=");
    const k = eq < 0 ? entry : entry.slice(0, eq);
    const v = eq < 0 ? "" : entry.slice(eq + 1);
    const where = `${key("tags")}[${i}] (${JSON.stringify(entry)})`;
    if (eq < 0) p.push(`${where} must be key=value`);
    else if (!PORTABLE_TAG_KEY.test(k))
      p.push(`${where}: key must start with a lowercase letter and use only [a-z0-9_-], at most 63 characters (GCP label rules)`);
    else if (!PORTABLE_TAG_VALUE.test(v)) p.push(`${where}: value must use only [a-z0-9_-], at most 63 characters (GCP label rules)`);
    else if (k === PROOF_GATED_TAG && v !== "true")
      p.push(`${where}: ${PROOF_GATED_TAG} is set by the pool to "true" and cannot be changed`);
    else if (k in tags) p.push(`${where}: key ${k} is given twice`);
    else tags[k] = v;
  });
  if (cloud) {
    const limits = TAG_LIMITS[cloud];
    const fromProvider = providerDefaultTags(cloud, raw);
    const room = limits.maxPerResource - limits.reserved - (fromProvider?.count ?? 0);
    const count = Object.keys(tags).length;
    if (count > room) {
      p.push(
        `${key("tags")} holds ${count} entries but ${cloud} allows ${limits.maxPerResource} ${cloud === "gcp" ? "labels" : "tags"} per resource and the pool adds up to ${limits.reserved} of its own` +
          `${fromProvider ? `, ${fromProvider.key} ${fromProvider.count} more` : ""}: list at most ${Math.max(room, 0)}`,
      );
    }
  }

  const cidr = r.string("networkCidr");
  let network: NetworkPlan | undefined;
  const parsed = parseCidr(cidr);
  if (!parsed) p.push(`${key("networkCidr")} (${JSON.stringify(cidr)}) must be an IPv4 CIDR such as 10.40.0.0/16`);
  else if (parsed.prefix < 16 || parsed.prefix > 24) p.push(`${key("networkCidr")} (${cidr}) must be between /16 and /24`);
  else if (!isNetworkAligned(cidr))
    p.push(`${key("networkCidr")} (${cidr}) has host bits set; use ${parsed && cidr.replace(/^[^/]+/, formatBase(parsed.base))}`);
  else if (!PRIVATE_NETWORK_RANGES.some((range) => contains(parseCidr(range) as Ipv4Cidr, parsed)))
    p.push(
      `${key("networkCidr")} (${cidr}) is not private address space: use a range inside ${PRIVATE_NETWORK_RANGES.join(", ")} (RFC 1918), such as 10.40.0.0/16`,
    );
  else if (zones.length >= 1 && zones.length <= 6) {
    network = planNetwork(cidr, zones.length);
    const capacity = subnetCapacity(parsed.prefix + 4);
    const perZone = (n: number): number => Math.ceil(n / zones.length);
    if (Number.isInteger(core) && perZone(core) > capacity) {
      p.push(
        `${key("networkCidr")} (${cidr}) holds ${capacity} core nodes per zone but ${key("coreNodes")} (${core}) needs ${perZone(core)} in each of ${zones.length} zones; use a wider network (smaller prefix) or more zones`,
      );
    }
    // A GCP regional MIG's template and an Azure scale set name one subnet, so
    // there all burst nodes share the first burst subnet; an AWS ASG spreads.
    const oneSubnet = cloud === "gcp" || cloud === "azure";
    const burstPerSubnet = oneSubnet ? burstMax - core : perZone(burstMax - core);
    if (Number.isInteger(burstMax) && Number.isInteger(core) && burstPerSubnet > capacity) {
      p.push(
        `${key("networkCidr")} (${cidr}) holds ${capacity} burst nodes per subnet but ${key("burstMax")} - ${key("coreNodes")} needs ${burstPerSubnet}${oneSubnet ? ` in one subnet on ${cloud}` : ""}; use a wider network${oneSubnet ? "" : " or more zones"}`,
      );
    }
  }

  const operatorCidrs = r.array("operatorCidrs", 'the IPv4 CIDRs of your VPN or office, e.g. ["203.0.113.0/24"]');
  operatorCidrs.forEach((c, i) => {
    const where = `${key("operatorCidrs")}[${i}] (${JSON.stringify(c)})`;
    if (c.includes(":")) {
      if (/^::\/0$/.test(c.replace(/\s/g, "")))
        p.push(`${where} opens the bastion to the whole internet; list your VPN or office ranges instead`);
      else p.push(`${where} is IPv6; only IPv4 operator ranges are supported`);
      return;
    }
    const pc = parseCidr(c);
    if (!pc) p.push(`${where} must be an IPv4 CIDR such as 203.0.113.0/24`);
    else if (pc.prefix === 0) p.push(`${where} opens the bastion to the whole internet; list your VPN or office ranges instead`);
    else if (pc.prefix < OPERATOR_CIDR_MIN_PREFIX)
      p.push(
        `${where} is wider than /${OPERATOR_CIDR_MIN_PREFIX}; list your VPN or office ranges, each /${OPERATOR_CIDR_MIN_PREFIX} or narrower`,
      );
    else if (!isNetworkAligned(c)) p.push(`${where} has host bits set; use ${formatBase(pc.base)}/${pc.prefix}`);
  });

  const sshUser = r.string("sshUser");
  if (!SSH_USER.test(sshUser) || RESERVED_USERS.has(sshUser)) {
    p.push(`${key("sshUser")} (${JSON.stringify(sshUser)}) must be a lowercase Linux user name (not root, admin, administrator or ubuntu)`);
  }
  const sshPublicKey = r.string("sshPublicKey", "an OpenSSH public key line such as `ssh-ed25519 AAAA... you@host`");
  if (sshPublicKey !== "" && !SSH_KEY.test(sshPublicKey)) {
    p.push(
      `${key("sshPublicKey")} must be one OpenSSH public key line (ssh-ed25519, ssh-rsa or ecdsa-sha2-*), not a private key or a file path`,
    );
  }

  const validationEnabled = r.boolean("validate");
  const stepTimeoutSeconds = r.integer("validationStepTimeoutSeconds");
  if (Number.isInteger(stepTimeoutSeconds) && stepTimeoutSeconds !== 0 && (stepTimeoutSeconds < 30 || stepTimeoutSeconds > 86400)) {
    p.push(
      `${key("validationStepTimeoutSeconds")} (${stepTimeoutSeconds}) must be between 30 and 86400, or 0 to derive the limits from ${key("rebuildSlaMinutes")}`,
    );
  }
  const strictFootprint = r.boolean("strictFootprint");
  const footprintTheorem = r.string("footprintTheorem");
  if (!COQ_NAME.test(footprintTheorem)) {
    p.push(
      `${key("footprintTheorem")} (${JSON.stringify(footprintTheorem)}) must be a Coq name such as pxl_excluded_middle or PXL_Internal_LEM.pxl_excluded_middle`,
    );
  }
  const trustedSigners = r.array("trustedSigners", "SSH allowed-signers lines or OpenPGP public keys");
  trustedSigners.forEach((signer, i) => {
    if (!isTrustedSigner(signer)) {
      p.push(
        `${key("trustedSigners")}[${i}] (${JSON.stringify(signer.slice(0, 60))}) must be an SSH allowed-signers line such as "release@example.org ssh-ed25519 AAAA..." or an armored OpenPGP public key`,
      );
    }
  });
  const coqVersion = r.string("coqVersion");
  if (coqVersion !== "" && !COQ_PIN.test(coqVersion)) {
    p.push(`${key("coqVersion")} (${JSON.stringify(coqVersion)}) must be a coq package version such as ${UBUNTU_2404_COQ}, or empty`);
  }
  const writeSandbox = r.boolean("writeSandbox");
  const allowedAxioms = r.array("allowedAxioms", "fully qualified axiom names");
  allowedAxioms.forEach((axiom, i) => {
    if (!COQ_NAME.test(axiom) || !axiom.includes(".")) {
      p.push(
        `${key("allowedAxioms")}[${i}] (${JSON.stringify(axiom)}) must be a fully qualified Coq name such as PXL.PXLv3.ax_name, as a failed validation lists them`,
      );
    }
  });
  const rolloutBatchSize = r.integer("rolloutBatchSize");
  if (Number.isInteger(rolloutBatchSize) && (rolloutBatchSize < 0 || rolloutBatchSize > ROLLOUT_BATCH_MAX)) {
    p.push(
      `${key("rolloutBatchSize")} (${rolloutBatchSize}) must be between 1 and ${ROLLOUT_BATCH_MAX} (validations in flight through one bastion), or 0 for ${ROLLOUT_AUTO_PERCENT} % of coreNodes`,
    );
  }

  const lockMode = r.string("archiveLockMode");
  if (lockMode !== "governance" && lockMode !== "compliance") {
    p.push(`${key("archiveLockMode")} (${JSON.stringify(lockMode)}) must be governance or compliance`);
  }
  const retentionDays = r.integer("archiveRetentionDays");
  if (Number.isInteger(retentionDays) && (retentionDays < 1 || retentionDays > 36500)) {
    p.push(`${key("archiveRetentionDays")} (${retentionDays}) must be between 1 and 36500`);
  }
  const lockRetention = r.boolean("archiveLockRetention");

  const percent = (n: ConfigKeyName): number => {
    const v = r.integer(n);
    if (Number.isInteger(v) && (v < 1 || v > 100)) p.push(`${key(n)} (${v}) must be between 1 and 100`);
    return v;
  };
  const cpuPercent = percent("alertCpuPercent");
  const memoryPercent = percent("alertMemoryPercent");
  const diskPercent = percent("alertDiskPercent");
  const minutes = (n: ConfigKeyName, min: number, max: number): number => {
    const v = r.integer(n);
    if (Number.isInteger(v) && (v < min || v > max)) p.push(`${key(n)} (${v}) must be between ${min} and ${max} minutes`);
    return v;
  };
  const rebuildSlaMinutes = minutes("rebuildSlaMinutes", 1, 720);
  // 5: the alerts' evaluation period; 720 stays inside every cloud's longest
  // window (CloudWatch: periods x period <= 1 day; Azure: query range <= 2 days).
  const availabilityWindowMinutes = minutes("availabilityWindowMinutes", 5, 720);
  const alertEmail = r.string("alertEmail");
  if (alertEmail !== "" && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(alertEmail)) {
    p.push(`${key("alertEmail")} (${JSON.stringify(alertEmail)}) must be an email address, or empty`);
  }

  if (p.length > 0 || !cloud || !machine || !network) throw new SpecError(p.length > 0 ? p : ["incomplete config"]);

  return {
    name,
    cloud,
    region,
    zones,
    ...(gcpProject !== undefined ? { gcpProject } : {}),
    nodes: { core, burstMax, standby: standby as 0 | 1 },
    machine,
    disks: { bootGiB, stateGiB },
    image: imageOverride !== "" ? imageOverride : UBUNTU_2404[cloud],
    repo: {
      url,
      ref,
      agentHash,
      ...(agentScriptDigest !== "" ? { agentScriptDigest } : {}),
      dir: REPO_DIR,
    },
    tags: { ...tags, [PROOF_GATED_TAG]: "true" },
    network,
    access: { operatorCidrs, sshUser, sshPublicKey },
    stateDir: STATE_DIR,
    validation: {
      enabled: validationEnabled,
      timeouts: slaStepTimeouts(rebuildSlaMinutes * 60, stepTimeoutSeconds === 0 ? undefined : stepTimeoutSeconds),
      strictFootprint,
      footprintTheorem,
      allowedAxioms,
      trustedSigners,
      coqVersion,
      writeSandbox,
      rolloutBatchSize: rolloutBatchSize === 0 ? autoRolloutBatchSize(core) : rolloutBatchSize,
    },
    archive: { lockMode: lockMode as "governance" | "compliance", retentionDays, lockRetention },
    monitoring: {
      cpuPercent,
      memoryPercent,
      diskPercent,
      rebuildSlaSeconds: rebuildSlaMinutes * 60,
      availabilityWindowMinutes,
      ...(alertEmail !== "" ? { alertEmail } : {}),
    },
  };
}

function formatBase(n: number): string {
  return [24, 16, 8, 0].map((s) => (n >>> s) & 255).join(".");
}

/** Tags for one resource: the pool's tags plus the resource's role and pool name. */
export function tagsFor(spec: PoolSpec, role: string): Record<string, string> {
  return { ...spec.tags, "logos-pool": spec.name, "logos-role": role };
}

/** Documentation ranges (RFC 5737): the stack files ship one as a placeholder; nobody connects from them. */
const DOCUMENTATION_RANGES = ["192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"];

/**
 * What a valid spec still deserves a word about: the program logs each with
 * `pulumi.log.warn` and the offline plan prints them.
 */
export function specWarnings(spec: PoolSpec): string[] {
  const warnings: string[] = [];
  const t = spec.machine.type;
  if (t.uncatalogued) {
    warnings.push(
      `${key("machineType")} ${t.name} is not in the machine catalog: its size is taken from ${key("vcpus")} (${t.vcpus}) and ` +
        `${key("memoryGiB")} (${t.memoryGiB}), and the scheduler is told ${t.vcpus} CPU slots per node; check both against the cloud's published size`,
    );
  }
  spec.access.operatorCidrs.forEach((c, i) => {
    const cidr = parseCidr(c);
    const doc = DOCUMENTATION_RANGES.find((range) => cidr && contains(parseCidr(range) as Ipv4Cidr, cidr));
    if (doc) {
      warnings.push(
        `${key("operatorCidrs")}[${i}] (${c}) is a documentation range (${doc}, RFC 5737) that no operator connects from: the bastion will be unreachable until you list your own egress ranges`,
      );
    }
  });
  return warnings;
}
