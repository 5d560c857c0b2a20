/**
 * Reads the observable pool out of a plan, per cloud, so one assertion can
 * compare three clouds: what a user of the pool could see from outside.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { lookupMachineType } from "../../infra/machines";
import { REPO_ROOT } from "../../infra/plan/stack-config";
import { diskFacts, publicEndpoints } from "../../infra/plan/summary";
import type { Plan, PlannedResource } from "../../infra/plan/types";
import type { Cloud } from "../../infra/clouds";

export interface ObservedPool {
  readonly coreNodes: ReadonlyArray<{ name: string; machineType: string; cpuSlots: number; memoryGiB: number }>;
  /** Who may open SSH to nodes: "bastion" for the bastion's identity / group / address, else the literal source. */
  readonly nodeSshSources: readonly string[];
  /** Any other inbound allowance to nodes (ports other than 22, other sources). */
  readonly otherNodeIngress: readonly string[];
  /** Sources allowed to reach the bastion's SSH. */
  readonly bastionSources: readonly string[];
  /** Public endpoints that belong to something other than the bastion or the NAT. */
  readonly unexpectedPublic: readonly string[];
  /** Disks and the key references they use. */
  readonly diskCount: number;
  readonly disksWithoutKey: readonly string[];
  readonly keyReferences: readonly string[];
  /**
   * Custom resources whose type takes tags / labels (by the provider SDK's
   * own Args type, see `tagInputOf`) but that lack logos-proof-gated=true,
   * including those that set no tags at all.
   */
  readonly untagged: readonly string[];
}

/** npm package of a provider's type tokens. */
const PACKAGES: Readonly<Record<string, string>> = {
  aws: "@pulumi/aws",
  gcp: "@pulumi/gcp",
  "azure-native": "@pulumi/azure-native",
  random: "@pulumi/random",
  tls: "@pulumi/tls",
  command: "@pulumi/command",
  time: "@pulumiverse/time",
};

const tagInputs = new Map<string, TagInput | undefined>();
export type TagInput = "tags" | "labels" | "userLabels";

/**
 * The input that carries a type's key/value tags, read from the provider
 * SDK's declaration of its Args (`gcp:compute/instance:Instance` →
 * `@pulumi/gcp/compute/instance.d.ts`, `interface InstanceArgs`), so a type
 * nobody thought of is still checked. GCP: `labels`, or `userLabels` where
 * the type has them (a notification channel's `labels` are its settings);
 * GCP's `tags` are network tags, not key/value tags. Undefined: the type
 * takes none. Throws for a type whose declaration cannot be found.
 */
export function tagInputOf(type: string): TagInput | undefined {
  if (tagInputs.has(type)) return tagInputs.get(type);
  const [pkg, mod = "", kind = ""] = type.split(":");
  const pkgDir = PACKAGES[pkg];
  if (!pkgDir) throw new Error(`tagInputOf: no SDK known for ${type}`);
  const [folder, file] = mod.includes("/") ? mod.split("/") : [mod, `${kind.charAt(0).toLowerCase()}${kind.slice(1)}`];
  const dir = path.join(REPO_ROOT, "node_modules", pkgDir, folder === "index" ? "" : folder);
  // File names follow the token's casing, except where it is odd (gcp `iAMMember` lives in `iammember.d.ts`).
  const name = existsSync(dir) ? readdirSync(dir).find((f) => f.toLowerCase() === `${file}.d.ts`.toLowerCase()) : undefined;
  if (!name) throw new Error(`tagInputOf: ${type}: no declaration ${file}.d.ts in ${dir}`);
  const dts = path.join(dir, name);
  const text = readFileSync(dts, "utf8");
  const start = text.indexOf(`export interface ${kind}Args {`);
  if (start < 0) throw new Error(`tagInputOf: ${type}: no ${kind}Args in ${dts}`);
  const args = text.slice(start, text.indexOf("\n}", start));
  const has = (field: string): boolean => new RegExp(`^\\s+${field}\\?:`, "m").test(args);
  const found: TagInput | undefined =
    pkg === "gcp" ? (has("userLabels") ? "userLabels" : has("labels") ? "labels" : undefined) : has("tags") ? "tags" : undefined;
  tagInputs.set(type, found);
  return found;
}

/** Resources of a taggable type without logos-proof-gated=true, whether their tags are missing or lack it. */
export function untaggedResources(plan: Plan): string[] {
  return plan.resources
    .filter((r) => r.custom)
    .filter((r) => {
      const field = tagInputOf(r.type);
      if (!field) return false;
      const tags = r.inputs[field];
      // A map, or (AWS Auto Scaling groups) a list of {key, value} entries.
      if (Array.isArray(tags))
        return !tags.some((t: { key?: unknown; value?: unknown }) => t?.key === "logos-proof-gated" && t.value === "true");
      return tags === null || typeof tags !== "object" || (tags as Record<string, unknown>)["logos-proof-gated"] !== "true";
    })
    .map((r) => `${r.type} ${r.name}`);
}

/** Key/value tags (AWS, Azure) or labels (GCP, whose `tags` are network tags, a list). */
const tagsOf = (r: PlannedResource): Record<string, string> | undefined => {
  for (const v of [r.inputs.labels, r.inputs.tags])
    if (v !== null && typeof v === "object" && !Array.isArray(v)) return v as Record<string, string>;
  return undefined;
};
const role = (r: PlannedResource): string | undefined => tagsOf(r)?.["logos-role"];
const ofType = (plan: Plan, type: string): PlannedResource[] => plan.resources.filter((r) => r.type === type);

function node(cloud: Cloud, name: string, machineType: string): ObservedPool["coreNodes"][number] {
  const t = lookupMachineType(cloud, machineType);
  if (!t) throw new Error(`${name}: unknown ${cloud} machine type ${machineType}`);
  return { name, machineType, cpuSlots: t.vcpus, memoryGiB: t.memoryGiB };
}

function observeAws(plan: Plan) {
  const sgId = (roleName: string): string =>
    `${ofType(plan, "aws:ec2/securityGroup:SecurityGroup").find((r) => role(r) === roleName)?.name}-id`;
  const nodeSg = sgId("node");
  const bastionSg = sgId("bastion");
  const ingress = ofType(plan, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
  const inline = ofType(plan, "aws:ec2/securityGroup:SecurityGroup").flatMap((r) =>
    ((r.inputs.ingress as unknown[]) ?? []).map((x) => `${r.name}: inline ${JSON.stringify(x)}`),
  );
  const toNodes = ingress.filter((r) => r.inputs.securityGroupId === nodeSg);
  return {
    coreNodes: ofType(plan, "aws:ec2/instance:Instance")
      .filter((r) => role(r) === "core")
      .map((r) => node("aws", r.name, String(r.inputs.instanceType))),
    nodeSshSources: toNodes
      .filter((r) => r.inputs.fromPort === 22 && r.inputs.toPort === 22)
      .map((r) =>
        r.inputs.referencedSecurityGroupId === bastionSg ? "bastion" : String(r.inputs.cidrIpv4 ?? r.inputs.referencedSecurityGroupId),
      ),
    otherNodeIngress: [...toNodes.filter((r) => r.inputs.fromPort !== 22 || r.inputs.toPort !== 22).map((r) => r.name), ...inline],
    bastionSources: ingress.filter((r) => r.inputs.securityGroupId === bastionSg).map((r) => String(r.inputs.cidrIpv4)),
    unexpectedPublic: publicEndpoints(plan)
      .filter(
        (r) =>
          !(
            r.type === "aws:ec2/eip:Eip" &&
            (r.inputs.instance === "logos-bastion-id" ||
              ofType(plan, "aws:ec2/natGateway:NatGateway").some((n) => n.inputs.allocationId === `eipalloc-${r.name}`))
          ),
      )
      .map((r) => r.name),
  };
}

function observeGcp(plan: Plan) {
  const instances = ofType(plan, "gcp:compute/instance:Instance");
  const saOf = (r: PlannedResource): string | undefined => (r.inputs.serviceAccount as { email?: string } | undefined)?.email;
  const bastionSa = saOf(instances.find((r) => role(r) === "bastion")!);
  const nodeSa = saOf(instances.find((r) => role(r) === "core")!);
  const firewalls = ofType(plan, "gcp:compute/firewall:Firewall").filter(
    (r) => r.inputs.direction === "INGRESS" && ((r.inputs.allows as unknown[]) ?? []).length > 0,
  );
  const targets = (r: PlannedResource, sa: string | undefined): boolean =>
    ((r.inputs.targetServiceAccounts as string[]) ?? []).includes(sa ?? "?") || (!r.inputs.targetServiceAccounts && !r.inputs.targetTags);
  const toNodes = firewalls.filter((r) => targets(r, nodeSa));
  const sshOnly = (r: PlannedResource): boolean => JSON.stringify(r.inputs.allows) === JSON.stringify([{ ports: ["22"], protocol: "tcp" }]);
  return {
    coreNodes: instances.filter((r) => role(r) === "core").map((r) => node("gcp", r.name, String(r.inputs.machineType))),
    nodeSshSources: toNodes
      .filter(sshOnly)
      .flatMap((r) => [
        ...((r.inputs.sourceServiceAccounts as string[]) ?? []).map((s) => (s === bastionSa ? "bastion" : s)),
        ...((r.inputs.sourceRanges as string[]) ?? []),
        ...((r.inputs.sourceTags as string[]) ?? []),
      ]),
    otherNodeIngress: toNodes.filter((r) => !sshOnly(r)).map((r) => r.name),
    bastionSources: firewalls
      .filter((r) => targets(r, bastionSa) && r.inputs.targetServiceAccounts)
      .flatMap((r) => (r.inputs.sourceRanges as string[]) ?? []),
    unexpectedPublic: publicEndpoints(plan)
      .filter((r) => role(r) !== "bastion" && !(r.type === "gcp:compute/address:Address" && r.name.includes("bastion")))
      .map((r) => r.name),
  };
}

function observeAzure(plan: Plan, bastionIp: string) {
  const nsgRules = (roleName: string) =>
    ofType(plan, "azure-native:network:NetworkSecurityGroup")
      .filter((r) => role(r) === roleName || r.name.includes(roleName))
      .flatMap((r) => (r.inputs.securityRules as Array<Record<string, unknown>>) ?? [])
      .filter((x) => x.direction === "Inbound" && x.access === "Allow");
  const sources = (x: Record<string, unknown>): string[] => [
    ...(typeof x.sourceAddressPrefix === "string" ? [x.sourceAddressPrefix] : []),
    ...((x.sourceAddressPrefixes as string[]) ?? []),
  ];
  const nodeRules = nsgRules("node");
  const ssh = (x: Record<string, unknown>): boolean => x.destinationPortRange === "22" && x.protocol === "Tcp";
  const nics = ofType(plan, "azure-native:network:NetworkInterface");
  const publicNics = nics.filter((r) =>
    ((r.inputs.ipConfigurations as Array<Record<string, unknown>>) ?? []).some((c) => c.publicIPAddress),
  );
  return {
    coreNodes: ofType(plan, "azure-native:compute:VirtualMachine")
      .filter((r) => role(r) === "core")
      .map((r) => node("azure", r.name, String((r.inputs.hardwareProfile as { vmSize: string }).vmSize))),
    nodeSshSources: nodeRules
      .filter(ssh)
      .flatMap((x) => sources(x).map((s) => (s === `${bastionIp}/32` || s === bastionIp ? "bastion" : s))),
    otherNodeIngress: nodeRules.filter((x) => !ssh(x)).map((x) => String(x.name)),
    bastionSources: nsgRules("bastion").filter(ssh).flatMap(sources),
    unexpectedPublic: [
      ...publicNics.filter((r) => role(r) !== "bastion").map((r) => r.name),
      ...publicEndpoints(plan)
        .filter((r) => role(r) !== "bastion" && role(r) !== "nat" && !r.name.includes("nat"))
        .map((r) => r.name),
    ],
  };
}

export function observe(plan: Plan): ObservedPool {
  const cloud = plan.cloud as Cloud;
  const bastionIp = String((plan.outputs.bastion as { privateIp?: string } | undefined)?.privateIp);
  const specific = cloud === "aws" ? observeAws(plan) : cloud === "gcp" ? observeGcp(plan) : observeAzure(plan, bastionIp);
  const disks = diskFacts(plan);
  return {
    ...specific,
    diskCount: disks.length,
    disksWithoutKey: disks.filter((d) => !d.cmk).map((d) => `${d.resource} (${d.what})`),
    keyReferences: [...new Set(disks.map((d) => d.cmk).filter((k): k is string => k !== undefined))],
    untagged: untaggedResources(plan),
  };
}
