import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { tagsFor } from "../../infra/spec";
import { BASTION_TAG } from "./common";
import type { AdapterContext } from "./types";

export interface AwsNetwork {
  readonly vpc: aws.ec2.Vpc;
  /** One per zone, in `spec.zones` order. */
  readonly nodeSubnets: readonly aws.ec2.Subnet[];
  readonly burstSubnets: readonly aws.ec2.Subnet[];
  readonly edgeSubnet: aws.ec2.Subnet;
  readonly internetGateway: aws.ec2.InternetGateway;
  /**
   * Node traffic leaves through the NAT only once these exist (the node
   * group's egress rule, the NAT with the edge route it sends through, the
   * private route table and its associations); boot-time package installs
   * and every node launch wait on them.
   */
  readonly egressReady: readonly pulumi.Resource[];
  /**
   * What makes the bastion reachable from operators and able to open SSH to
   * nodes: its group with every ingress and egress rule, the internet
   * gateway and the edge route table with its association.
   */
  readonly bastionPath: readonly pulumi.Resource[];
  /** What admits the bastion's SSH to a node: the node group and its ingress rule. */
  readonly nodeIngress: readonly pulumi.Resource[];
  readonly bastionSecurityGroup: aws.ec2.SecurityGroup;
  readonly nodeSecurityGroup: aws.ec2.SecurityGroup;
}

const ANYWHERE = "0.0.0.0/0";
const SSH_PORT = 22;

/**
 * VPC with private node and burst subnets per zone, one edge subnet holding
 * the bastion and a single NAT, and the two security groups. Only the edge
 * route table knows the internet gateway, so nothing in a node subnet can be
 * reached from the internet even if it somehow got a public address.
 */
export function buildAwsNetwork(ctx: AdapterContext): AwsNetwork {
  const { spec, name } = ctx;
  const opts = { parent: ctx.parent };
  const networkTags = tagsFor(spec, "network");
  const named = (tags: Record<string, string>, n: string): Record<string, string> => ({ ...tags, Name: n });

  const vpc = new aws.ec2.Vpc(
    `${name}-network`,
    {
      cidrBlock: spec.network.cidr,
      // Private DNS names for nodes; the scheduler still addresses them by IP.
      enableDnsSupport: true,
      enableDnsHostnames: true,
      tags: named(networkTags, `${name}-network`),
    },
    opts,
  );

  // Adopting the default group strips its allow-all-from-itself rule, so an
  // instance launched without an explicit group is reachable by nothing.
  new aws.ec2.DefaultSecurityGroup(`${name}-default-sg`, { vpcId: vpc.id, tags: named(networkTags, `${name}-default-sg`) }, opts);

  const subnet = (role: string, cidr: string, zone: string): aws.ec2.Subnet =>
    new aws.ec2.Subnet(
      `${name}-${role}`,
      {
        vpcId: vpc.id,
        cidrBlock: cidr,
        availabilityZone: zone,
        mapPublicIpOnLaunch: false,
        tags: named(networkTags, `${name}-${role}`),
      },
      opts,
    );
  const nodeSubnets = spec.zones.map((zone, i) => subnet(`node-subnet-${i}`, spec.network.nodeSubnets[i], zone));
  const burstSubnets = spec.zones.map((zone, i) => subnet(`burst-subnet-${i}`, spec.network.burstSubnets[i], zone));
  // The edge needs one zone only; the bastion has an Elastic IP, so the subnet
  // itself never hands out public addresses either.
  const edgeSubnet = subnet("edge-subnet", spec.network.edgeSubnet, spec.zones[0]);

  const internetGateway = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: named(networkTags, `${name}-igw`) }, opts);
  const edgeRoutes = new aws.ec2.RouteTable(
    `${name}-edge-rt`,
    { vpcId: vpc.id, routes: [{ cidrBlock: ANYWHERE, gatewayId: internetGateway.id }], tags: named(networkTags, `${name}-edge-rt`) },
    opts,
  );
  const edgeAssociation = new aws.ec2.RouteTableAssociation(
    `${name}-edge-rt-assoc`,
    { subnetId: edgeSubnet.id, routeTableId: edgeRoutes.id },
    opts,
  );

  // One NAT for the pool: nodes only need it for package installs and the
  // repository fetch, so a zone outage costs egress, not running jobs.
  const natAddress = new aws.ec2.Eip(
    `${name}-nat-ip`,
    { domain: "vpc", tags: named(networkTags, `${name}-nat-ip`) },
    { ...opts, dependsOn: [internetGateway] },
  );
  const nat = new aws.ec2.NatGateway(
    `${name}-nat`,
    {
      connectivityType: "public",
      allocationId: natAddress.allocationId,
      subnetId: edgeSubnet.id,
      tags: named(networkTags, `${name}-nat`),
    },
    // The NAT sends through the edge subnet's route to the internet gateway: the
    // association, not the table alone, is what puts the subnet on that route.
    { ...opts, dependsOn: [internetGateway, edgeRoutes, edgeAssociation] },
  );
  const privateRoutes = new aws.ec2.RouteTable(
    `${name}-private-rt`,
    { vpcId: vpc.id, routes: [{ cidrBlock: ANYWHERE, natGatewayId: nat.id }], tags: named(networkTags, `${name}-private-rt`) },
    opts,
  );
  const associations = [
    ...nodeSubnets.map((s, i) => ({ s, n: `${name}-node-subnet-${i}-rt-assoc` })),
    ...burstSubnets.map((s, i) => ({ s, n: `${name}-burst-subnet-${i}-rt-assoc` })),
  ].map(({ s, n }) => new aws.ec2.RouteTableAssociation(n, { subnetId: s.id, routeTableId: privateRoutes.id }, opts));

  const bastionTags = { ...tagsFor(spec, "bastion"), [BASTION_TAG.key]: BASTION_TAG.value };
  const bastionSecurityGroup = new aws.ec2.SecurityGroup(
    `${name}-bastion-sg`,
    {
      vpcId: vpc.id,
      description: "logos bastion: SSH from operator networks only",
      tags: named(bastionTags, `${name}-bastion-sg`),
    },
    opts,
  );
  // Each rule is its own resource: a security group with inline rules and a
  // separate rule on the same group fight over its rules on every update.
  // The provider removes a new group's default allow-all egress rule, so the
  // egress rules below are what lets the bastion open SSH to nodes and nodes
  // reach the NAT (NOTE on Egress rules in @pulumi/aws ec2/securityGroup).
  const bastionIngress = spec.access.operatorCidrs.map(
    (cidr, i) =>
      new aws.vpc.SecurityGroupIngressRule(
        `${name}-bastion-ssh-${i}`,
        {
          securityGroupId: bastionSecurityGroup.id,
          description: `SSH from operator network ${cidr}`,
          ipProtocol: "tcp",
          fromPort: SSH_PORT,
          toPort: SSH_PORT,
          cidrIpv4: cidr,
          // The bastion marker lets the policy pack hold these sources to operatorCidrs.
          tags: bastionTags,
        },
        opts,
      ),
  );
  const bastionEgress = new aws.vpc.SecurityGroupEgressRule(
    `${name}-bastion-egress`,
    { securityGroupId: bastionSecurityGroup.id, description: "all outbound", ipProtocol: "-1", cidrIpv4: ANYWHERE, tags: bastionTags },
    opts,
  );

  const nodeTags = tagsFor(spec, "node");
  const nodeSecurityGroup = new aws.ec2.SecurityGroup(
    `${name}-node-sg`,
    {
      vpcId: vpc.id,
      description: "logos nodes (core and burst): SSH from the bastion only",
      tags: named(nodeTags, `${name}-node-sg`),
    },
    opts,
  );
  // By group, not by the bastion's /32: a replaced bastion keeps access without a rule change.
  const nodeSsh = new aws.vpc.SecurityGroupIngressRule(
    `${name}-node-ssh`,
    {
      securityGroupId: nodeSecurityGroup.id,
      description: "SSH from the bastion",
      ipProtocol: "tcp",
      fromPort: SSH_PORT,
      toPort: SSH_PORT,
      referencedSecurityGroupId: bastionSecurityGroup.id,
      tags: nodeTags,
    },
    opts,
  );
  const nodeEgress = new aws.vpc.SecurityGroupEgressRule(
    `${name}-node-egress`,
    {
      securityGroupId: nodeSecurityGroup.id,
      description: "all outbound (through the NAT)",
      ipProtocol: "-1",
      cidrIpv4: ANYWHERE,
      tags: nodeTags,
    },
    opts,
  );

  return {
    vpc,
    nodeSubnets,
    burstSubnets,
    edgeSubnet,
    internetGateway,
    egressReady: [nodeEgress, nat, privateRoutes, ...associations],
    bastionPath: [bastionSecurityGroup, ...bastionIngress, bastionEgress, internetGateway, edgeRoutes, edgeAssociation],
    nodeIngress: [nodeSecurityGroup, nodeSsh],
    bastionSecurityGroup,
    nodeSecurityGroup,
  };
}
