/**
 * The Azure pool network: one VNet, a node and a burst subnet per zone and
 * the edge subnet, NAT egress for the private subnets, and the two NSGs that
 * make the bastion the only way in.
 */
import * as pulumi from "@pulumi/pulumi";
import * as network from "@pulumi/azure-native/network";
import { bastionPrivateIp } from "../../infra/layout";
import { dropApiVersionAliases } from "./azure-names";
import { tagsFor } from "../../infra/spec";
import type { AdapterContext } from "./types";

export interface AzureNetwork {
  readonly vnet: network.VirtualNetwork;
  /** In zone order, like `spec.network.nodeSubnets`. */
  readonly nodeSubnets: readonly network.Subnet[];
  /** In zone order, like `spec.network.burstSubnets`. */
  readonly burstSubnets: readonly network.Subnet[];
  readonly edgeSubnet: network.Subnet;
  readonly natGateway: network.NatGateway;
  readonly nodeNsg: network.NetworkSecurityGroup;
  readonly bastionNsg: network.NetworkSecurityGroup;
}

/**
 * Azure's default rules allow any VNet source in (AllowVnetInBound, 65000)
 * and the load balancer probe; this deny sits above them so only the rules
 * written here let anything in.
 */
const DENY_ALL_INBOUND = {
  name: "deny-all-inbound",
  description: "Overrides AllowVnetInBound and AllowAzureLoadBalancerInBound: nothing else may reach these hosts.",
  priority: 4096,
  direction: "Inbound",
  access: "Deny",
  protocol: "*",
  sourceAddressPrefix: "*",
  sourcePortRange: "*",
  destinationAddressPrefix: "*",
  destinationPortRange: "*",
} as const;

export function buildAzureNetwork(ctx: AdapterContext, resourceGroupName: pulumi.Input<string>): AzureNetwork {
  const { spec, name } = ctx;
  const location = spec.region;
  const opts = { parent: ctx.parent, transformations: [dropApiVersionAliases] };
  const tags = tagsFor(spec, "network");

  const vnet = new network.VirtualNetwork(
    `${name}-vnet`,
    {
      resourceGroupName,
      location,
      // Subnets are their own resources below; the provider keeps them when the VNet has none inline.
      addressSpace: { addressPrefixes: [spec.network.cidr] },
      tags,
    },
    opts,
  );

  const nodeNsg = new network.NetworkSecurityGroup(
    `${name}-node-nsg`,
    {
      resourceGroupName,
      location,
      securityRules: [
        {
          name: "allow-ssh-from-bastion",
          description: "SSH to nodes only from the bastion's fixed private address.",
          priority: 100,
          direction: "Inbound",
          access: "Allow",
          protocol: "Tcp",
          sourceAddressPrefix: `${bastionPrivateIp(spec)}/32`,
          sourcePortRange: "*",
          destinationAddressPrefix: "*",
          destinationPortRange: "22",
        },
        DENY_ALL_INBOUND,
      ],
      tags: tagsFor(spec, "network"),
    },
    opts,
  );

  const bastionNsg = new network.NetworkSecurityGroup(
    `${name}-bastion-nsg`,
    {
      resourceGroupName,
      location,
      securityRules: [
        {
          name: "allow-ssh-from-operators",
          description: "SSH to the bastion only from the operators' networks.",
          priority: 100,
          direction: "Inbound",
          access: "Allow",
          protocol: "Tcp",
          sourceAddressPrefixes: [...spec.access.operatorCidrs],
          sourcePortRange: "*",
          destinationAddressPrefix: "*",
          destinationPortRange: "22",
        },
        DENY_ALL_INBOUND,
      ],
      tags: tagsFor(spec, "bastion"),
    },
    opts,
  );

  // The NAT's address is egress-only: a NAT gateway accepts no inbound
  // connections, so it gives the nodes package installs and nothing more.
  const natIp = new network.PublicIPAddress(
    `${name}-nat-ip`,
    {
      resourceGroupName,
      location,
      sku: { name: "Standard", tier: "Regional" },
      publicIPAllocationMethod: "Static",
      publicIPAddressVersion: "IPv4",
      tags: tagsFor(spec, "nat"),
    },
    opts,
  );
  // One NAT for all private subnets: Azure subnets are regional, and a NAT per
  // zone would triple its fixed hourly cost for egress that only installs packages.
  const natGateway = new network.NatGateway(
    `${name}-nat`,
    {
      resourceGroupName,
      location,
      sku: { name: "Standard" },
      publicIpAddresses: [{ id: natIp.id }],
      idleTimeoutInMinutes: 10,
      tags: tagsFor(spec, "nat"),
    },
    opts,
  );

  // Azure rejects concurrent writes to subnets of one VNet
  // (AnotherOperationInProgress), so each subnet waits for the one before.
  let previous: pulumi.Resource | undefined;
  const subnet = (
    resource: string,
    cidr: string,
    nsg: network.NetworkSecurityGroup,
    nat: network.NatGateway | undefined,
  ): network.Subnet => {
    const s = new network.Subnet(
      resource,
      {
        resourceGroupName,
        virtualNetworkName: vnet.name,
        addressPrefix: cidr,
        networkSecurityGroup: { id: nsg.id },
        ...(nat ? { natGateway: { id: nat.id } } : {}),
        // No implicit outbound address: private subnets egress only through the NAT.
        defaultOutboundAccess: false,
      },
      { ...opts, ...(previous ? { dependsOn: [previous] } : {}) },
    );
    previous = s;
    return s;
  };

  const nodeSubnets = spec.zones.map((zone, i) => subnet(`${name}-node-subnet-${zone}`, spec.network.nodeSubnets[i], nodeNsg, natGateway));
  const burstSubnets = spec.zones.map((zone, i) =>
    subnet(`${name}-burst-subnet-${zone}`, spec.network.burstSubnets[i], nodeNsg, natGateway),
  );
  // The bastion egresses through its own public address; the edge needs no NAT.
  const edgeSubnet = subnet(`${name}-edge-subnet`, spec.network.edgeSubnet, bastionNsg, undefined);

  return { vnet, nodeSubnets, burstSubnets, edgeSubnet, natGateway, nodeNsg, bastionNsg };
}
