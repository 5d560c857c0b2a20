/**
 * Reads the observable pool out of a plan, per cloud, so one assertion can
 * compare three clouds: what a user of the pool could see from outside.
 */
import { lookupMachineType } from "../../infra/machines";
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
  /** Custom resources that take tags/labels but lack logos-proof-gated. */
  readonly untagged: readonly string[];
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
    untagged: plan.resources
      .filter((r) => r.custom && tagsOf(r) !== undefined)
      .filter((r) => tagsOf(r)?.["logos-proof-gated"] !== "true")
      .map((r) => `${r.type} ${r.name}`),
  };
}
