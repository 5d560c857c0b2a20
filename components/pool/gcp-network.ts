import * as gcp from "@pulumi/gcp";
import type * as pulumi from "@pulumi/pulumi";
import type { AdapterContext } from "./types";

/** Network tags (GCP's firewall targeting handle, distinct from labels). */
export const NODE_NETWORK_TAG = "logos-node";
export const BURST_NETWORK_TAG = "logos-burst";
export const BASTION_NETWORK_TAG = "logos-bastion";

export interface GcpNetwork {
  readonly network: gcp.compute.Network;
  /** One per zone, in `spec.zones` order; core node i uses `nodeSubnets[slot.zoneIndex]`. */
  readonly nodeSubnets: readonly gcp.compute.Subnetwork[];
  readonly burstSubnets: readonly gcp.compute.Subnetwork[];
  readonly edgeSubnet: gcp.compute.Subnetwork;
  /** Cloud NAT and its router: what a private VM's first boot installs through. */
  readonly egressReady: readonly pulumi.Resource[];
}

/** The ingress rules that admit SSH to the bastion and from it to the nodes. */
export interface GcpFirewall {
  readonly bastionSsh: gcp.compute.Firewall;
  readonly nodeSsh: gcp.compute.Firewall;
  /** The explicit deny of everything else: the whole rule set is in place before anything relies on it. */
  readonly denyAll: gcp.compute.Firewall;
}

/**
 * A custom-mode VPC holding exactly the planned subnets, with Cloud NAT for
 * the private subnets' egress. Our own network means none of the default
 * network's permissive rules (default-allow-ssh from 0.0.0.0/0) exist.
 */
export function buildGcpNetwork(ctx: AdapterContext, project: string, apis: readonly pulumi.Resource[]): GcpNetwork {
  const { spec, name } = ctx;
  const opts = { parent: ctx.parent };

  const network = new gcp.compute.Network(
    `${name}-network`,
    {
      project,
      autoCreateSubnetworks: false,
      routingMode: "REGIONAL",
      description: `logos-compute pool ${spec.name}: private nodes, bastion, Cloud NAT`,
    },
    { ...opts, dependsOn: [...apis] },
  );

  // Private Google Access everywhere: the monitoring agent and log shipping
  // reach Google APIs without depending on NAT.
  const subnet = (role: string, cidr: string): gcp.compute.Subnetwork =>
    new gcp.compute.Subnetwork(
      `${name}-${role}`,
      {
        project,
        region: spec.region,
        network: network.id,
        ipCidrRange: cidr,
        privateIpGoogleAccess: true,
        stackType: "IPV4_ONLY",
      },
      opts,
    );

  // GCP subnets are regional, not zonal; one per zone still keeps every
  // cloud's address plan (and so every node's stable IP) identical.
  const nodeSubnets = spec.network.nodeSubnets.map((cidr, i) => subnet(`nodes-${i}`, cidr));
  const burstSubnets = spec.network.burstSubnets.map((cidr, i) => subnet(`burst-${i}`, cidr));
  const edgeSubnet = subnet("edge", spec.network.edgeSubnet);

  const router = new gcp.compute.Router(`${name}-router`, { project, region: spec.region, network: network.id }, opts);
  // Only the private subnets are NATed: the bastion has its own address and
  // nothing else lives in the edge subnet.
  const nat = new gcp.compute.RouterNat(
    `${name}-nat`,
    {
      project,
      region: spec.region,
      router: router.name,
      natIpAllocateOption: "AUTO_ONLY",
      sourceSubnetworkIpRangesToNat: "LIST_OF_SUBNETWORKS",
      subnetworks: [...nodeSubnets, ...burstSubnets].map((s) => ({ name: s.id, sourceIpRangesToNats: ["ALL_IP_RANGES"] })),
      logConfig: { enable: true, filter: "ERRORS_ONLY" },
    },
    opts,
  );

  return { network, nodeSubnets, burstSubnets, edgeSubnet, egressReady: [router, nat] };
}

/**
 * The pool's whole ingress policy. Rules key on service accounts rather than
 * network tags: anyone who can edit an instance can add a tag, but attaching
 * a service account needs iam.serviceAccountUser on it.
 */
export function buildGcpFirewall(
  ctx: AdapterContext,
  project: string,
  network: gcp.compute.Network,
  emails: { readonly bastion: pulumi.Input<string>; readonly nodes: pulumi.Input<string> },
): GcpFirewall {
  const { spec, name } = ctx;
  const opts = { parent: ctx.parent };

  const bastionSsh = new gcp.compute.Firewall(
    `${name}-bastion-ssh`,
    {
      project,
      network: network.id,
      direction: "INGRESS",
      priority: 1000,
      description: "SSH to the bastion from the operator ranges only",
      allows: [{ protocol: "tcp", ports: ["22"] }],
      sourceRanges: [...spec.access.operatorCidrs],
      targetServiceAccounts: [emails.bastion],
      logConfig: { metadata: "INCLUDE_ALL_METADATA" },
    },
    opts,
  );

  const nodeSsh = new gcp.compute.Firewall(
    `${name}-node-ssh`,
    {
      project,
      network: network.id,
      direction: "INGRESS",
      priority: 1000,
      description: "SSH to core and burst nodes from the bastion only",
      allows: [{ protocol: "tcp", ports: ["22"] }],
      sourceServiceAccounts: [emails.bastion],
      targetServiceAccounts: [emails.nodes],
      logConfig: { metadata: "INCLUDE_ALL_METADATA" },
    },
    opts,
  );

  // GCP's implied deny already sits at 65535; an explicit rule makes the
  // default visible in the plan and the console. Not logged: every internet
  // scan of the bastion's address would become a billed log entry.
  const denyAll = new gcp.compute.Firewall(
    `${name}-deny-ingress`,
    {
      project,
      network: network.id,
      direction: "INGRESS",
      priority: 65534,
      description: "Deny every other inbound connection",
      denies: [{ protocol: "all" }],
      sourceRanges: ["0.0.0.0/0"],
    },
    opts,
  );
  return { bastionSsh, nodeSsh, denyAll };
}
