/**
 * Lifecycle guarantees checked on a plan's graph (what the SDK sends the
 * engine: dependencies and resource options). Each check returns every
 * problem it finds as a sentence naming the resources, so a test can
 * `expect(problems).toEqual([])` and a failure reads as the fix to make.
 *
 *   import { orderingProblems, validationPathProblems, retentionProblems } from "../helpers/graph";
 *   const { plan } = await planStack("gcp-pool");
 *   expect(orderingProblems(plan)).toEqual([]);
 */
import { isCloud, type Cloud } from "../../infra/clouds";
import { dataBearing, isKeptOnDelete, unclassifiedTypes, type DataRole } from "../../infra/plan/data";
import { PlanGraph } from "../../infra/plan/graph";
import type { Plan, PlannedResource } from "../../infra/plan/types";

export { PlanGraph } from "../../infra/plan/graph";
export { dataBearing, unclassifiedTypes } from "../../infra/plan/data";

const graphs = new WeakMap<Plan, PlanGraph>();
/** One graph per plan object, so several checks share its indexes. */
export function graphOf(plan: Plan): PlanGraph {
  let g = graphs.get(plan);
  if (!g) {
    g = new PlanGraph(plan);
    graphs.set(plan, g);
  }
  return g;
}

const label = (r: PlannedResource): string => `${r.type} ${r.name}`;

/**
 * Ordering: a resource whose inputs name another by a preview-known value
 * (its explicit name, or an id / ARN / email built from it) must wait for it,
 * directly or through what it waits for. Such a value carries no dependency
 * of its own, so without one the engine may create both at once and the
 * cloud answers "not found". A reference the other way round (the named
 * resource waits for the one naming it) cannot be ordered at all.
 */
export function orderingProblems(plan: Plan): string[] {
  const g = graphOf(plan);
  const byPair = new Map<string, { from: PlannedResource; to: PlannedResource; paths: Set<string>; cycle: boolean }>();
  for (const ref of g.nameReferences()) {
    if (g.waitsFor(ref.from.urn, ref.to.urn)) continue;
    if (grantsAhead(ref.from, ref.path)) continue;
    const key = `${ref.from.urn} -> ${ref.to.urn}`;
    const entry = byPair.get(key) ?? { from: ref.from, to: ref.to, paths: new Set<string>(), cycle: g.waitsFor(ref.to.urn, ref.from.urn) };
    entry.paths.add(ref.path);
    byPair.set(key, entry);
  }
  return [...byPair.values()].map(({ from, to, paths, cycle }) =>
    cycle
      ? `${label(from)} names ${label(to)} (at ${[...paths].join(", ")}), which is created after it: the two cannot be ordered`
      : `${label(from)} names ${label(to)} (at ${[...paths].join(", ")}) but does not wait for it: add it to dependsOn`,
  );
}

/**
 * The document of an AWS identity policy, which may name a resource before it
 * exists: IAM matches its Resource and Condition values against each request
 * and never looks the named resources up, so such a grant can (and, for the
 * burst members' own, must) be in effect before what it names is created
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html).
 */
const IDENTITY_POLICY_DOCUMENTS: Readonly<Record<string, string>> = {
  "aws:iam/rolePolicy:RolePolicy": "policy",
  "aws:iam/policy:Policy": "policy",
};

function grantsAhead(from: PlannedResource, path: string): boolean {
  const document = IDENTITY_POLICY_DOCUMENTS[from.type];
  return document !== undefined && (path === document || path.startsWith(`${document}.`));
}

/** What makes up the SSH path and first boot a validation relies on, per cloud. */
interface PathTypes {
  readonly vm: string;
  readonly subnet: string;
  /** Firewall / security group / NSG resources: every rule that can admit or drop the SSH hop. */
  readonly rules: readonly string[];
  /** NAT, gateways, public addresses and route tables the bastion's address and the node's first boot need. */
  readonly routing: readonly string[];
  /** Route table / NAT associations of a subnet: only those of the node's and the bastion's subnets are on the path. */
  readonly subnetAssociations: readonly string[];
  /** Resources attaching a disk to a VM, separate from the VM. */
  readonly attachments: readonly string[];
  readonly disks: readonly string[];
}

const PATH_TYPES: Readonly<Record<Cloud, PathTypes>> = {
  aws: {
    vm: "aws:ec2/instance:Instance",
    subnet: "aws:ec2/subnet:Subnet",
    rules: [
      "aws:ec2/securityGroup:SecurityGroup",
      "aws:ec2/securityGroupRule:SecurityGroupRule",
      "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
      "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    ],
    routing: [
      "aws:ec2/natGateway:NatGateway",
      "aws:ec2/internetGateway:InternetGateway",
      "aws:ec2/eip:Eip",
      "aws:ec2/routeTable:RouteTable",
      "aws:ec2/route:Route",
    ],
    subnetAssociations: ["aws:ec2/routeTableAssociation:RouteTableAssociation"],
    attachments: ["aws:ec2/volumeAttachment:VolumeAttachment"],
    disks: ["aws:ebs/volume:Volume"],
  },
  gcp: {
    vm: "gcp:compute/instance:Instance",
    subnet: "gcp:compute/subnetwork:Subnetwork",
    rules: ["gcp:compute/firewall:Firewall", "gcp:compute/networkFirewallPolicyRule:NetworkFirewallPolicyRule"],
    routing: ["gcp:compute/router:Router", "gcp:compute/routerNat:RouterNat", "gcp:compute/route:Route", "gcp:compute/address:Address"],
    subnetAssociations: [],
    attachments: ["gcp:compute/attachedDisk:AttachedDisk"],
    disks: ["gcp:compute/disk:Disk", "gcp:compute/regionDisk:RegionDisk"],
  },
  azure: {
    vm: "azure-native:compute:VirtualMachine",
    subnet: "azure-native:network:Subnet",
    rules: [
      "azure-native:network:NetworkSecurityGroup",
      "azure-native:network:SecurityRule",
      "azure-native:network:ApplicationSecurityGroup",
    ],
    routing: [
      "azure-native:network:NatGateway",
      "azure-native:network:PublicIPAddress",
      "azure-native:network:RouteTable",
      "azure-native:network:Route",
    ],
    subnetAssociations: ["azure-native:network:SubnetNatGatewayAssociation"],
    attachments: [],
    disks: ["azure-native:compute:Disk"],
  },
};

const roleOf = (r: PlannedResource): string | undefined => {
  for (const v of [r.inputs.tags, r.inputs.labels])
    if (v !== null && typeof v === "object" && !Array.isArray(v)) {
      const role = (v as Record<string, unknown>)["logos-role"];
      if (typeof role === "string") return role;
    }
  return undefined;
};

/**
 * Each node's validation (every SSH step of it: copy and run) waits for all
 * of its path: the node with its state disk attached, the bastion VM and
 * its public address, every firewall / security group rule, the NAT,
 * gateways and routes (the routes of the node's and the bastion's subnets),
 * and every resource of the log archive it uploads to.
 */
export function validationPathProblems(plan: Plan): string[] {
  if (!isCloud(plan.cloud)) return [`unknown cloud ${plan.cloud}`];
  const t = PATH_TYPES[plan.cloud];
  const g = graphOf(plan);
  const of = (types: readonly string[]): PlannedResource[] => plan.resources.filter((r) => types.includes(r.type));
  const vms = of([t.vm]);
  const bastion = vms.find((r) => roleOf(r) === "bastion");
  const problems: string[] = [];
  if (!bastion) problems.push(`no ${t.vm} tagged logos-role=bastion`);
  const archive = plan.resources.filter((r) => r.type === "logos:compute:LogArchive").flatMap((a) => g.descendants(a));
  if (archive.length === 0) problems.push("no log archive resources");
  // The VM's subnet: used directly (AWS, GCP) or through its network interface (Azure).
  const subnetOf = (vm: PlannedResource): string[] =>
    [...g.uses(vm), ...g.uses(vm).flatMap((u) => g.uses(u))].filter((u) => u.type === t.subnet).map((u) => u.urn);

  const validations = plan.resources.filter((r) => r.type === "logos:compute:ProofValidation");
  for (const v of validations) {
    const nodeName = v.name.replace(/-validate$/, "");
    const node = vms.find((r) => r.name === nodeName);
    if (!node) {
      problems.push(`${v.name}: no ${t.vm} named ${nodeName}`);
      continue;
    }
    const attachments = of(t.attachments).filter((a) => a.dependencies.includes(node.urn));
    const disks = of(t.disks).filter((d) => node.dependencies.includes(d.urn) || attachments.some((a) => a.dependencies.includes(d.urn)));
    if (disks.length === 0) problems.push(`${v.name}: no state disk attached to ${nodeName}`);
    const pathSubnets = new Set([...subnetOf(node), ...(bastion ? subnetOf(bastion) : [])]);
    const required: Array<[string, PlannedResource]> = [
      ["the node", node],
      ...(bastion ? ([["the bastion VM", bastion]] as Array<[string, PlannedResource]>) : []),
      ...attachments.map((a): [string, PlannedResource] => ["the state disk's attachment", a]),
      ...disks.map((d): [string, PlannedResource] => ["the state disk", d]),
      ...of(t.rules).map((r): [string, PlannedResource] => ["a firewall rule", r]),
      ...of(t.routing).map((r): [string, PlannedResource] => ["NAT, address or route", r]),
      ...of(t.subnetAssociations)
        .filter((a) => a.dependencies.some((d) => pathSubnets.has(d)))
        .map((r): [string, PlannedResource] => ["a route of the path's subnets", r]),
      ...archive.map((r): [string, PlannedResource] => ["the log archive", r]),
    ];
    const steps = plan.resources.filter((r) => r.custom && r.parent === v.urn);
    if (steps.length === 0) problems.push(`${v.name}: no validation steps`);
    for (const step of steps) {
      const missing = required.filter(([, r]) => !g.waitsFor(step.urn, r.urn));
      for (const [what, r] of missing) problems.push(`${step.name} does not wait for ${what}: ${label(r)}`);
    }
  }
  return problems;
}

/**
 * Data is never deleted by `pulumi up` or `pulumi destroy`: every resource
 * that holds history or keeps it readable and immutable (see
 * `dataBearing`) is kept on delete — `retainOnDelete`, `protect`, or a type
 * its provider never deletes.
 */
export function retentionProblems(plan: Plan): string[] {
  return dataBearing(graphOf(plan))
    .filter((d) => !isKeptOnDelete(d.resource))
    .map(
      (d) => `${label(d.resource)} (${d.role}: ${d.because}) is deleted by pulumi destroy, or by an up that drops it: set retainOnDelete`,
    );
}

/**
 * A state disk survives its VM: the VM's attachment does not delete it with
 * the VM (Azure `deleteOption: Delete` on a data disk would).
 */
export function stateDiskAttachmentProblems(plan: Plan): string[] {
  const g = graphOf(plan);
  const disks = new Set(
    dataBearing(g)
      .filter((d) => d.role === "state-disk")
      .map((d) => d.resource.urn),
  );
  const problems: string[] = [];
  for (const vm of plan.resources.filter((r) => r.type === "azure-native:compute:VirtualMachine")) {
    const dataDisks = ((vm.inputs.storageProfile as { dataDisks?: Array<Record<string, unknown>> } | undefined)?.dataDisks ?? []).filter(
      (d) => d.deleteOption === "Delete",
    );
    if (dataDisks.length > 0 && g.uses(vm).some((u) => disks.has(u.urn)))
      problems.push(`${label(vm)} deletes its data disks with the VM (deleteOption: Delete): use Detach`);
  }
  return problems;
}

/** The data-bearing resources of a plan as `role type name` lines, sorted: what a reviewer checks when it changes. */
export function dataBearingList(plan: Plan): string[] {
  return dataBearing(graphOf(plan))
    .map((d) => `${d.role} ${d.resource.type} ${d.resource.name}`)
    .sort();
}

/** Roles of the data-bearing resources, for summaries. */
export type { DataRole };

/** Types in the plan no classification covers. */
export function unclassifiedTypeProblems(plan: Plan): string[] {
  return unclassifiedTypes(graphOf(plan)).map(
    (t) => `${t} is not classified: add it to infra/plan/data.ts as data-bearing or, with the reason, to NOT_DATA`,
  );
}
