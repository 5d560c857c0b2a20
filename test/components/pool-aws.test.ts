import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { poolConfig, rawConfig, TEST_SSH_KEY } from "../helpers/configs";
import { installMocks, valueOf, type Registered } from "../helpers/mocks";

import type { VmPool as VmPoolClass } from "../../components/pool";
import type * as AwsAdapter from "../../components/pool/aws";
import { bastionPrivateIp, nodeSlots } from "../../infra/layout";
import { deploymentDigest, deploymentId } from "../../infra/deployment";
import { parseSpec, STATE_DIR, type PoolSpec } from "../../infra/spec";

const mocks = installMocks();

const ACCOUNT = "123456789012";
const REGION = "us-east-1";
const SSM_AMI = "ami-0123456789abcdef0";
const keyArn = (name: string): string => `arn:aws:kms:${REGION}:${ACCOUNT}:key/${name}-id`;
/** The mock's project and stack: logos-compute / test. */
const DEPLOYMENT = deploymentId({ project: "logos-compute", stack: "test" });
const DIGEST = deploymentDigest({ project: "logos-compute", stack: "test" });
/** What disks name: the pool key's alias ARN, known at plan time. */
const diskKeyArn = (pool: string): string => `arn:aws:kms:${REGION}:${ACCOUNT}:alias/${pool}-${DEPLOYMENT}`;

/**
 * The helper's mock echoes inputs; a few attributes the cloud assigns are
 * answered here so the tests can follow them into the resources that use them
 * (key ARN into every disk, group name into the scaling policy).
 */
function answerCloudAssignedAttributes(): void {
  const monitor = pulumi.runtime.getMonitor() as unknown as { mocks: pulumi.runtime.Mocks };
  const echo = monitor.mocks.newResource.bind(monitor.mocks);
  monitor.mocks.newResource = async (args) => {
    const { id, state } = await echo(args);
    const extra: Record<string, unknown> = {};
    switch (args.type) {
      case "aws:kms/key:Key":
        extra.arn = keyArn(args.name);
        extra.keyId = `${args.name}-id`;
        break;
      case "aws:iam/serviceLinkedRole:ServiceLinkedRole":
        extra.arn = `arn:aws:iam::${ACCOUNT}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling_${args.inputs.customSuffix}`;
        break;
      case "aws:iam/role:Role":
      case "aws:iam/instanceProfile:InstanceProfile":
        extra.name = `${args.name}-generated`;
        extra.arn = `arn:aws:iam::${ACCOUNT}:${args.type.includes("Role") ? "role" : "instance-profile"}/${args.name}-generated`;
        break;
      case "aws:autoscaling/group:Group":
        extra.name = args.inputs.name ?? `${args.name}-generated`;
        extra.arn = `arn:aws:autoscaling:${REGION}:${ACCOUNT}:autoScalingGroup:uuid:autoScalingGroupName/${extra.name}`;
        break;
      case "aws:ec2/launchTemplate:LaunchTemplate":
        extra.latestVersion = 3;
        break;
      case "aws:autoscaling/policy:Policy":
      case "aws:iam/policy:Policy":
        extra.arn = `arn:aws:${args.type.startsWith("aws:iam") ? "iam" : "autoscaling"}::${ACCOUNT}:policy/${args.name}`;
        break;
      case "aws:ec2/eip:Eip":
        extra.publicIp = "198.51.100.7";
        extra.allocationId = `eipalloc-${args.name}`;
        break;
    }
    return { id, state: { ...(state as Record<string, unknown>), ...extra } };
  };
}
answerCloudAssignedAttributes();

/** Waits until no registration has arrived for a while; bounded so a broken adapter fails instead of hanging. */
async function settle(): Promise<void> {
  let seen = -1;
  for (let i = 0; i < 200 && seen !== mocks.resources.length; i++) {
    seen = mocks.resources.length;
    await new Promise((r) => setTimeout(r, 50));
  }
}

const UNTAGGABLE = new Set([
  "logos:compute:VmPool",
  "tls:index/privateKey:PrivateKey",
  "aws:ec2/routeTableAssociation:RouteTableAssociation",
  "aws:ec2/volumeAttachment:VolumeAttachment",
  "aws:kms/alias:Alias",
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  "aws:iam/rolePolicy:RolePolicy",
  "aws:autoscaling/policy:Policy",
  "time:index/sleep:Sleep",
  "random:index/randomId:RandomId",
]);

interface Built {
  readonly spec: PoolSpec;
  readonly pool: VmPoolClass;
  readonly all: Registered[];
  readonly ofType: (t: string) => Registered[];
  readonly one: (t: string, name: string) => Registered;
}

let pilot: Built;
let fleet: Built;
let custom: Built;
let adapter: typeof AwsAdapter;

beforeAll(async () => {
  const { VmPool } = await import("../../components/pool/index.js");
  adapter = await import("../../components/pool/aws.js");
  const build = (name: string, raw: Record<string, unknown>): (() => Built) => {
    const s = parseSpec(raw);
    const pool = new VmPool(name, { spec: s });
    return () => {
      const all = mocks.resources.filter((r) => r.name.startsWith(`${name}-`));
      const ofType = (t: string): Registered[] => all.filter((r) => r.type === t);
      const one = (t: string, n: string): Registered => {
        const found = ofType(t).filter((r) => r.name === n);
        expect(found, `${t} ${n}`).toHaveLength(1);
        return found[0];
      };
      return { spec: s, pool, all, ofType, one };
    };
  };
  const pilotDone = build("pilot", rawConfig("aws"));
  const fleetDone = build("logos", poolConfig("aws"));
  const customDone = build(
    "custom",
    rawConfig("aws", { image: "ami-0fedcba9876543210", zones: ["us-east-1b"], operatorCidrs: ["203.0.113.0/24", "198.51.100.0/25"] }),
  );
  await settle();
  pilot = pilotDone();
  fleet = fleetDone();
  custom = customDone();
});

const INSTANCE = "aws:ec2/instance:Instance";
const VOLUME = "aws:ebs/volume:Volume";
const ATTACHMENT = "aws:ec2/volumeAttachment:VolumeAttachment";
const SUBNET = "aws:ec2/subnet:Subnet";
const ROUTE_TABLE = "aws:ec2/routeTable:RouteTable";
const ASSOCIATION = "aws:ec2/routeTableAssociation:RouteTableAssociation";
const EIP = "aws:ec2/eip:Eip";
const SG = "aws:ec2/securityGroup:SecurityGroup";
const INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";
const GROUP = "aws:autoscaling/group:Group";
const POLICY = "aws:autoscaling/policy:Policy";
const KEY = "aws:kms/key:Key";

const decode = (b64: string): string => Buffer.from(b64, "base64").toString("utf8");
const cloudConfig = (text: string): any => parseYaml(text.replace(/^#cloud-config\n/, ""));
const coreInstances = (b: Built): Registered[] => b.ofType(INSTANCE).filter((r) => r.inputs.tags?.["logos-role"] === "core");
/** The primary network interface a VM attaches. */
const nicOf = (b: Built, instance: Registered): Registered => b.one("aws:ec2/networkInterface:NetworkInterface", `${instance.name}-nic`);

describe("aws pool: shapes", () => {
  it("pilot: 1 core node with its state volume, a bastion, no burst group", () => {
    const counts = (b: Built): Record<string, number> => {
      const c: Record<string, number> = {};
      for (const r of b.all) c[r.type] = (c[r.type] ?? 0) + 1;
      return c;
    };
    expect(counts(pilot)).toMatchObject({ [INSTANCE]: 2, [VOLUME]: 1, [ATTACHMENT]: 1, [SUBNET]: 7, [KEY]: 1 });
    expect(pilot.ofType(TEMPLATE)).toHaveLength(0);
    expect(pilot.ofType(GROUP)).toHaveLength(0);
    expect(pilot.ofType(POLICY)).toHaveLength(0);
    expect(pilot.ofType("aws:iam/serviceLinkedRole:ServiceLinkedRole")).toHaveLength(0);
    expect(pilot.pool.burst).toBeUndefined();
    expect(pilot.pool.nodes.map((n) => n.slot.name)).toEqual(["logos-core-0"]);
  });

  it("pool: 3 core nodes, each with a separate state volume and attachment; one burst group", () => {
    expect(coreInstances(fleet).map((r) => r.name)).toEqual(["logos-core-0", "logos-core-1", "logos-core-2"]);
    expect(fleet.ofType(VOLUME).map((r) => r.name)).toEqual(["logos-core-0-state", "logos-core-1-state", "logos-core-2-state"]);
    expect(fleet.ofType(ATTACHMENT).map((r) => r.name)).toEqual([
      "logos-core-0-state-attach",
      "logos-core-1-state-attach",
      "logos-core-2-state-attach",
    ]);
    expect(fleet.ofType(TEMPLATE)).toHaveLength(1);
    expect(fleet.ofType(GROUP)).toHaveLength(1);
    expect(fleet.ofType(POLICY)).toHaveLength(1);
    expect(fleet.pool.nodes).toHaveLength(3);
  });

  it("every resource is named after its pool and is a child of the VmPool", () => {
    const urns = [...(pulumi.runtime.getMonitor() as unknown as { resources: Map<string, { urn: string }> }).resources.values()].map(
      (r) => r.urn,
    );
    const awsUrns = urns.filter((u) => u.includes("$aws:") || /::aws:/.test(u));
    expect(awsUrns.length).toBeGreaterThan(0);
    for (const urn of awsUrns) {
      expect(urn, urn).toMatch(/::logos:compute:VmPool\$aws:[^:]+:[^:]+::(pilot|logos|custom)-/);
    }
  });
});

describe("aws pool: network", () => {
  it("one node subnet and one burst subnet per zone from the plan, plus the edge; none maps public IPs", () => {
    const s = fleet.spec;
    const subnets = fleet.ofType(SUBNET);
    expect(subnets.map((r) => [r.name, r.inputs.cidrBlock, r.inputs.availabilityZone])).toEqual([
      ...s.zones.map((z, i) => [`logos-node-subnet-${i}`, s.network.nodeSubnets[i], z]),
      ...s.zones.map((z, i) => [`logos-burst-subnet-${i}`, s.network.burstSubnets[i], z]),
      ["logos-edge-subnet", s.network.edgeSubnet, s.zones[0]],
    ]);
    for (const subnet of subnets) expect(subnet.inputs.mapPublicIpOnLaunch, subnet.name).toBe(false);
    const vpc = fleet.one("aws:ec2/vpc:Vpc", "logos-network");
    expect(vpc.inputs).toMatchObject({ cidrBlock: s.network.cidr, enableDnsHostnames: true });
  });

  it("only the edge route table reaches the internet gateway; node and burst subnets route 0.0.0.0/0 to the NAT only", () => {
    const tables = fleet.ofType(ROUTE_TABLE);
    const viaGateway = tables.filter((t) => (t.inputs.routes ?? []).some((r: any) => r.gatewayId));
    expect(viaGateway.map((t) => t.name)).toEqual(["logos-edge-rt"]);
    expect(viaGateway[0].inputs.routes).toEqual([{ cidrBlock: "0.0.0.0/0", gatewayId: "logos-igw-id" }]);
    const privateRt = fleet.one(ROUTE_TABLE, "logos-private-rt");
    expect(privateRt.inputs.routes).toEqual([{ cidrBlock: "0.0.0.0/0", natGatewayId: "logos-nat-id" }]);

    const routeTableOf = new Map(fleet.ofType(ASSOCIATION).map((a) => [a.inputs.subnetId, a.inputs.routeTableId]));
    expect(routeTableOf.get("logos-edge-subnet-id")).toBe("logos-edge-rt-id");
    for (let i = 0; i < fleet.spec.zones.length; i++) {
      expect(routeTableOf.get(`logos-node-subnet-${i}-id`)).toBe("logos-private-rt-id");
      expect(routeTableOf.get(`logos-burst-subnet-${i}-id`)).toBe("logos-private-rt-id");
    }
    expect(fleet.ofType(ASSOCIATION)).toHaveLength(1 + 2 * fleet.spec.zones.length);

    const nat = fleet.one("aws:ec2/natGateway:NatGateway", "logos-nat");
    expect(nat.inputs).toMatchObject({
      subnetId: "logos-edge-subnet-id",
      allocationId: "eipalloc-logos-nat-ip",
      connectivityType: "public",
    });
  });

  it("the default security group is adopted with no rules", () => {
    const sg = fleet.one("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "logos-default-sg");
    expect(sg.inputs.ingress ?? []).toEqual([]);
    expect(sg.inputs.egress ?? []).toEqual([]);
  });
});

describe("aws pool: public exposure and SSH", () => {
  it("no node and no template has a public IP; the bastion's Elastic IP is the only public address on an instance", () => {
    for (const b of [pilot, fleet, custom]) {
      // Each VM attaches its own, existing primary interface: EC2 never gives one a public address.
      for (const instance of b.ofType(INSTANCE)) {
        expect(instance.inputs.associatePublicIpAddress, instance.name).toBeUndefined();
        expect(instance.inputs.primaryNetworkInterface, instance.name).toEqual({
          networkInterfaceId: `${instance.name}-nic-id`,
          deleteOnTermination: false,
        });
      }
      const attached = b.ofType(EIP).filter((e) => e.inputs.instance || e.inputs.networkInterface);
      const prefix = b.all[0].name.split("-")[0];
      expect(attached.map((e) => [e.name, e.inputs.instance, e.inputs.tags["logos-role"]])).toEqual([
        [`${prefix}-bastion-ip`, `${prefix}-bastion-id`, "bastion"],
      ]);
    }
    const nics = fleet.one(TEMPLATE, "logos-burst").inputs.networkInterfaces;
    expect(nics).toHaveLength(1);
    expect(nics[0]).toMatchObject({ associatePublicIpAddress: "false", securityGroups: ["logos-node-sg-id"] });
    expect(fleet.pool.bastionPublicIp).toBeDefined();
  });

  it("the bastion admits SSH from operatorCidrs only, and its rules carry the bastion marker", () => {
    for (const [b, name] of [
      [fleet, "logos"],
      [custom, "custom"],
    ] as const) {
      const rules = b.ofType(INGRESS).filter((r) => r.inputs.securityGroupId === `${name}-bastion-sg-id`);
      expect(rules.map((r) => r.inputs)).toEqual(
        b.spec.access.operatorCidrs.map((cidr) => expect.objectContaining({ ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: cidr })),
      );
      for (const rule of rules) expect(rule.inputs.tags).toMatchObject({ "logos-role": "bastion", "logos-proof-gated": "true" });
      expect(b.one(SG, `${name}-bastion-sg`).inputs.tags["logos-role"]).toBe("bastion");
    }
    expect(custom.spec.access.operatorCidrs).toEqual(["203.0.113.0/24", "198.51.100.0/25"]);
  });

  it("nodes admit SSH from the bastion's security group and nothing else", () => {
    const rules = fleet.ofType(INGRESS).filter((r) => r.inputs.securityGroupId === "logos-node-sg-id");
    expect(rules.map((r) => r.inputs)).toEqual([
      expect.objectContaining({ ipProtocol: "tcp", fromPort: 22, toPort: 22, referencedSecurityGroupId: "logos-bastion-sg-id" }),
    ]);
    expect(rules[0].inputs.cidrIpv4).toBeUndefined();
    for (const instance of coreInstances(fleet)) expect(nicOf(fleet, instance).inputs.securityGroups).toEqual(["logos-node-sg-id"]);
  });

  it("no ingress anywhere admits 0.0.0.0/0, and no security group has inline ingress", () => {
    for (const b of [pilot, fleet, custom]) {
      for (const rule of b.ofType(INGRESS)) expect(rule.inputs.cidrIpv4, rule.name).not.toBe("0.0.0.0/0");
      for (const sg of b.ofType(SG)) expect(sg.inputs.ingress ?? [], sg.name).toEqual([]);
    }
  });

  it("the bastion is a small VM at its fixed address in the edge subnet, key-only, tagged as the bastion", () => {
    const bastion = fleet.one(INSTANCE, "logos-bastion");
    expect(bastion.inputs).toMatchObject({ instanceType: "t3.micro", metadataOptions: { httpTokens: "required" } });
    expect(nicOf(fleet, bastion).inputs).toMatchObject({
      subnetId: "logos-edge-subnet-id",
      privateIps: [bastionPrivateIp(fleet.spec)],
      securityGroups: ["logos-bastion-sg-id"],
    });
    expect(bastion.inputs.tags).toMatchObject({ "logos-role": "bastion", "logos-proof-gated": "true" });
    expect(bastion.inputs.iamInstanceProfile).toBeUndefined();
    const userData: string = bastion.inputs.userData;
    expect(userData).toMatch(/^#cloud-config\n/);
    expect(userData).toContain(TEST_SSH_KEY);
    expect(userData).toContain("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDeployKeyForTestsOnly");
    expect(userData).toContain("ssh_pwauth: false");
    expect(userData).toContain("disable_root: true");
    expect(userData).toContain("PasswordAuthentication no");
    expect(userData).toContain("PermitRootLogin no");
    expect(fleet.pool.bastionPrivateIp).toBe(bastionPrivateIp(fleet.spec));
  });
});

describe("aws pool: encryption", () => {
  it("one customer-managed key with rotation; the account administers it; only a burst pool lets Auto Scaling use it", () => {
    const policyOf = (b: Built, name: string): any => {
      const key = b.one(KEY, `${name}-key`);
      expect(key.inputs.enableKeyRotation).toBe(true);
      return JSON.parse(key.inputs.policy);
    };
    const pilotPolicy = policyOf(pilot, "pilot");
    expect(pilotPolicy.Statement).toEqual([
      expect.objectContaining({ Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "kms:*" }),
    ]);
    const fleetPolicy = policyOf(fleet, "logos");
    const role = `arn:aws:iam::${ACCOUNT}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling_logos-${DIGEST}`;
    expect(fleetPolicy.Statement.filter((st: any) => st.Principal.AWS === role).map((st: any) => st.Sid)).toEqual([
      "AutoScalingUsesKeyForEbs",
      "AutoScalingGrantsForEbs",
    ]);
    const slr = fleet.one("aws:iam/serviceLinkedRole:ServiceLinkedRole", "logos-burst-service-role");
    expect(slr.inputs).toMatchObject({ awsServiceName: "autoscaling.amazonaws.com", customSuffix: `logos-${DIGEST}` });
    expect(fleet.one(GROUP, "logos-burst").inputs.serviceLinkedRoleArn).toBe(role);
    expect(fleet.one("aws:kms/alias:Alias", "logos-key-alias").inputs).toMatchObject({
      name: `alias/logos-${DEPLOYMENT}`,
      targetKeyId: "logos-key-id",
    });
  });

  it("every boot disk, state volume and template disk is encrypted with the pool's key, named by its alias ARN", () => {
    for (const [b, name] of [
      [pilot, "pilot"],
      [fleet, "logos"],
      [custom, "custom"],
    ] as const) {
      const arn = diskKeyArn(name);
      for (const instance of b.ofType(INSTANCE)) {
        expect(instance.inputs.rootBlockDevice, instance.name).toMatchObject({ encrypted: true, kmsKeyId: arn, volumeType: "gp3" });
        expect(instance.inputs.ebsBlockDevices ?? [], instance.name).toEqual([]);
      }
      for (const volume of b.ofType(VOLUME))
        expect(volume.inputs, volume.name).toMatchObject({ encrypted: true, kmsKeyId: arn, type: "gp3" });
      for (const template of b.ofType(TEMPLATE)) {
        expect(template.inputs.blockDeviceMappings).toEqual([
          { deviceName: "/dev/sda1", ebs: expect.objectContaining({ encrypted: "true", kmsKeyId: arn, volumeSize: b.spec.disks.bootGiB }) },
        ]);
      }
    }
  });

  it("exports the key's own ARN, which grants and the archive need", async () => {
    expect(await valueOf(fleet.pool.encryptionKeyId)).toBe(keyArn("logos-key"));
  });
});

describe("aws pool: core nodes", () => {
  it("one VM per slot: type, image, stable private IP in its zone's node subnet, IMDSv2, node identity", () => {
    const slots = nodeSlots(fleet.spec);
    const instances = coreInstances(fleet);
    expect(instances).toHaveLength(slots.length);
    slots.forEach((slot, i) => {
      expect(instances[i].inputs).toMatchObject({
        ami: SSM_AMI,
        instanceType: fleet.spec.machine.type.name,
        iamInstanceProfile: "logos-node-profile-generated",
        metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 1 },
        rootBlockDevice: { volumeSize: fleet.spec.disks.bootGiB },
      });
      expect(instances[i].inputs.tags).toMatchObject({ "logos-role": "core", Name: slot.name });
      expect(instances[i].inputs.volumeTags).toBeUndefined();
      expect(nicOf(fleet, instances[i]).inputs).toMatchObject({
        privateIps: [slot.privateIp],
        subnetId: `logos-node-subnet-${slot.zoneIndex}-id`,
      });
    });
    expect(fleet.pool.nodes.map((n) => [n.slot.privateIp, n.machineType, n.vcpus])).toEqual(
      slots.map((s) => [s.privateIp, "c7i.2xlarge", 8]),
    );
  });

  it("each state volume is its own resource in the node's zone, attached by a separate attachment", () => {
    const slots = nodeSlots(fleet.spec);
    slots.forEach((slot) => {
      const volume = fleet.one(VOLUME, `logos-core-${slot.index}-state`);
      expect(volume.inputs).toMatchObject({ availabilityZone: slot.zone, size: fleet.spec.disks.stateGiB });
      const attachment = fleet.one(ATTACHMENT, `logos-core-${slot.index}-state-attach`);
      expect(attachment.inputs).toMatchObject({
        deviceName: "/dev/sdf",
        volumeId: `logos-core-${slot.index}-state-id`,
        instanceId: `logos-core-${slot.index}-id`,
      });
    });
    expect(fleet.pool.nodes.map((n) => n.stateDiskId)).toHaveLength(3);
  });

  it("user data names the state volume by its NVMe id and mounts it at the state dir", () => {
    expect(adapter.ebsDevicePath("vol-0abc123")).toBe("/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_vol0abc123");
    for (const instance of coreInstances(fleet)) {
      const userData: string = instance.inputs.userData;
      const device = adapter.ebsDevicePath(`${instance.name}-state-id`);
      expect(userData).toMatch(/^#cloud-config\n# logos-compute core node\n/);
      expect(userData).toContain(`hostname: ${instance.name}`);
      expect(userData).toContain(device);
      expect(userData).toContain(STATE_DIR);
      // The deploy key alone: the node's sync step authorizes the operator key.
      expect(userData).not.toContain(TEST_SSH_KEY);
      expect(userData).toMatch(/ssh_authorized_keys:\n\s+- ssh-ed25519 \S+ deploy\n/);
    }
  });

  it("an image that is not an SSM reference is used as the AMI id as is", () => {
    for (const instance of custom.ofType(INSTANCE)) expect(instance.inputs.ami).toBe("ami-0fedcba9876543210");
    expect(custom.ofType(SUBNET)).toHaveLength(3);
    expect(nicOf(custom, coreInstances(custom)[0]).inputs.subnetId).toBe("custom-node-subnet-0-id");
  });
});

describe("aws pool: burst and standby", () => {
  it("one template: same image, type and bootstrap role burst, no state device, IMDSv2, node identity, tagged launches", () => {
    const template = fleet.one(TEMPLATE, "logos-burst");
    expect(template.inputs).toMatchObject({
      imageId: SSM_AMI,
      instanceType: fleet.spec.machine.type.name,
      iamInstanceProfile: { arn: `arn:aws:iam::${ACCOUNT}:instance-profile/logos-node-profile-generated` },
      metadataOptions: { httpTokens: "required" },
    });
    const userData = decode(template.inputs.userData);
    expect(userData).toMatch(/^#cloud-config\n# logos-compute burst node\n/);
    expect(userData).not.toContain("nvme-Amazon_Elastic_Block_Store");
    expect(userData).not.toContain("hostname:");
    const specs = template.inputs.tagSpecifications;
    expect(specs.map((t: any) => t.resourceType)).toEqual(["instance", "volume", "network-interface"]);
    for (const t of specs) expect(t.tags).toMatchObject({ "logos-proof-gated": "true", "logos-role": "burst" });
  });

  it("the group spans the burst subnets, min 0, max burstMax - core, named per deployment, members tagged for discovery", () => {
    const group = fleet.one(GROUP, "logos-burst");
    expect(group.inputs).toMatchObject({
      name: `logos-burst-${DIGEST}`,
      minSize: 0,
      maxSize: 3,
      vpcZoneIdentifiers: fleet.spec.zones.map((_, i) => `logos-burst-subnet-${i}-id`),
    });
    expect(group.inputs.desiredCapacity).toBeUndefined();
    const tags = new Map(group.inputs.tags.map((t: any) => [t.key, t]));
    expect(tags.get("logos-role")).toEqual({ key: "logos-role", value: "burst", propagateAtLaunch: true });
    expect(tags.get("logos-proof-gated")).toEqual({ key: "logos-proof-gated", value: "true", propagateAtLaunch: true });
    expect(fleet.pool.burst).toMatchObject({
      min: 0,
      max: 3,
      discoveryTag: { key: "logos-role", value: "burst" },
      validatedTag: { key: "logos-validated", value: fleet.spec.repo.ref },
    });
  });

  it("a new template rolls: the group names the template's version number (never $Latest) and refreshes launch-before-terminate", () => {
    const group = fleet.one(GROUP, "logos-burst");
    expect(group.inputs.launchTemplate).toEqual({ id: "logos-burst-id", version: "3" });
    expect(group.inputs.instanceRefresh).toEqual({
      strategy: "Rolling",
      preferences: {
        minHealthyPercentage: 100,
        maxHealthyPercentage: 200,
        instanceWarmup: "60",
        scaleInProtectedInstances: "Wait",
        standbyInstances: "Terminate",
        skipMatching: false,
      },
    });
  });

  it("a destroy or replacement of the group never waits on a protected (busy) member: members hold no history", () => {
    expect(fleet.one(GROUP, "logos-burst").inputs).toMatchObject({ forceDelete: true, forceDeleteWarmPool: true });
  });

  it("every launch waits in a lifecycle hook for its own validation; a failure is abandoned after the hook's timeout", () => {
    const group = fleet.one(GROUP, "logos-burst");
    expect(group.inputs.initialLifecycleHooks).toEqual([
      {
        name: "logos-validated",
        lifecycleTransition: "autoscaling:EC2_INSTANCE_LAUNCHING",
        defaultResult: "ABANDON",
        heartbeatTimeout: 7200,
      },
    ]);
    // The member's config names that hook and the group; its boot units complete it only after a pass.
    const userData = decode(fleet.one(TEMPLATE, "logos-burst").inputs.userData);
    const member = cloudConfig(userData).write_files.find((f: any) => f.path === "/etc/logos/member.json");
    expect(JSON.parse(member.content)).toMatchObject({
      cloud: "aws",
      aws: { region: REGION, group: `logos-burst-${DIGEST}`, hook: "logos-validated" },
      ref: fleet.spec.repo.ref,
    });
    expect(cloudConfig(userData).runcmd).toContainEqual([
      "/usr/bin/python3",
      "/opt/logos/bin/logos-member",
      "install",
      "--config",
      "/etc/logos/member.json",
    ]);
  });

  it("members may complete their own hook, set their protection and only their role and validated tags", () => {
    const grant = fleet.one("aws:iam/rolePolicy:RolePolicy", "logos-burst-member");
    expect(grant.inputs.role).toBe("logos-node-role-generated");
    const statements = JSON.parse(grant.inputs.policy).Statement;
    expect(statements).toEqual([
      {
        Sid: "OwnLifecycleAndProtection",
        Effect: "Allow",
        Action: ["autoscaling:CompleteLifecycleAction", "autoscaling:SetInstanceProtection"],
        // By name: the grant exists (and has propagated) before the group and its id do.
        Resource: `arn:aws:autoscaling:${REGION}:${ACCOUNT}:autoScalingGroup:*:autoScalingGroupName/logos-burst-${DIGEST}`,
      },
      {
        Sid: "OwnRoleTags",
        Effect: "Allow",
        Action: ["ec2:CreateTags", "ec2:DeleteTags"],
        Resource: `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/*`,
        Condition: {
          StringEquals: { "ec2:ResourceTag/aws:autoscaling:groupName": `logos-burst-${DIGEST}` },
          "ForAllValues:StringEquals": { "aws:TagKeys": ["logos-role", "logos-validated"] },
        },
      },
    ]);
  });

  it("scales on the scheduler's demand metric with ExactCapacity steps, from and to zero; no CPU policy", () => {
    const policies = fleet.ofType(POLICY);
    expect(policies.map((p) => p.name)).toEqual(["logos-burst-demand-0"]);
    expect(policies[0].inputs).toMatchObject({
      autoscalingGroupName: `logos-burst-${DIGEST}`,
      policyType: "StepScaling",
      adjustmentType: "ExactCapacity",
      stepAdjustments: [
        { metricIntervalLowerBound: "0", metricIntervalUpperBound: "1", scalingAdjustment: 0 },
        { metricIntervalLowerBound: "1", metricIntervalUpperBound: "2", scalingAdjustment: 1 },
        { metricIntervalLowerBound: "2", metricIntervalUpperBound: "3", scalingAdjustment: 2 },
        { metricIntervalLowerBound: "3", scalingAdjustment: 3 },
      ],
    });
    const [alarm] = fleet.ofType("aws:cloudwatch/metricAlarm:MetricAlarm").filter((a) => a.name.startsWith("logos-burst-demand"));
    expect(alarm.inputs).toMatchObject({
      namespace: "Logos/Burst",
      metricName: "BurstDemand",
      dimensions: { deployment: DEPLOYMENT },
      statistic: "Maximum",
      period: 60,
      evaluationPeriods: 1,
      threshold: 0,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      treatMissingData: "missing",
      alarmActions: ["arn:aws:autoscaling::123456789012:policy/logos-burst-demand-0"],
    });
  });

  it("standby 1 is one stopped instance in the group's warm pool, safe now that the launch hook holds it until it passed", () => {
    expect(fleet.one(GROUP, "logos-burst").inputs.warmPool).toEqual({
      poolState: "Stopped",
      minSize: 1,
      maxGroupPreparedCapacity: 1,
      instanceReusePolicy: { reuseOnScaleIn: false },
    });
    expect(fleet.pool.burst?.standby).toMatchObject({ kind: "aws-asg-warm-pool", size: 1, tag: { key: "logos-role", value: "standby" } });
  });

  it("gives a scheduler one policy to publish demand, mark members busy and discover them", async () => {
    const policy = JSON.parse(fleet.one("aws:iam/policy:Policy", "logos-burst-scheduler").inputs.policy).Statement;
    expect(policy[0]).toEqual({
      Sid: "PublishDemand",
      Effect: "Allow",
      Action: "cloudwatch:PutMetricData",
      Resource: "*",
      Condition: { StringEquals: { "cloudwatch:namespace": "Logos/Burst" } },
    });
    expect(policy[1].Action).toBe("autoscaling:SetInstanceProtection");
    const demand = fleet.pool.burst!.contract.demand as any;
    expect(await valueOf(demand.permission)).toContain("arn:aws:iam::123456789012:policy/logos-burst-scheduler");
    expect(fleet.pool.burst!.contract.scaleIn.by).toBe("autoscaler");
  });
});

describe("aws pool: identity and tags", () => {
  it("one node role, assumable by EC2, with only the CloudWatch agent's grant", () => {
    const roles = fleet.ofType("aws:iam/role:Role");
    expect(roles.map((r) => r.name)).toEqual(["logos-node-role"]);
    expect(JSON.parse(roles[0].inputs.assumeRolePolicy).Statement).toEqual([
      { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" },
    ]);
    // No managed policy: CloudWatchAgentServerPolicy would let a node write any namespace and log group.
    expect(fleet.ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment")).toEqual([]);
    // The other inline policy is the burst members' own (see "burst and standby").
    expect(
      fleet
        .ofType("aws:iam/rolePolicy:RolePolicy")
        .map((p) => p.name)
        .sort(),
    ).toEqual(["logos-burst-member", "logos-node-agent"]);
    expect(fleet.pool.nodeIdentity.kind).toBe("aws-iam-role");
  });

  it("the agent may publish only its own namespace and write only this deployment's log group, never the burst demand", () => {
    const grant = fleet.one("aws:iam/rolePolicy:RolePolicy", "logos-node-agent");
    expect(grant.inputs.role).toBe("logos-node-role-generated");
    const logGroup = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/logos/logos/${DEPLOYMENT}/validation`;
    const statements = JSON.parse(grant.inputs.policy).Statement;
    expect(statements).toEqual([
      {
        Sid: "AgentMetricsOwnNamespace",
        Effect: "Allow",
        Action: "cloudwatch:PutMetricData",
        Resource: "*",
        Condition: { StringEquals: { "cloudwatch:namespace": "CWAgent" } },
      },
      {
        Sid: "AgentValidationLog",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
        Resource: [logGroup, `${logGroup}:*`],
      },
      { Sid: "AgentDescribe", Effect: "Allow", Action: ["ec2:DescribeTags", "ec2:DescribeVolumes"], Resource: "*" },
    ]);
    // Every grant on the node role: none lets it publish metrics outside the agent's namespace.
    const all = fleet
      .ofType("aws:iam/rolePolicy:RolePolicy")
      .flatMap((p) => JSON.parse(p.inputs.policy).Statement as Array<{ Action: string | string[]; Condition?: unknown }>);
    const publishing = all.filter((st) => [st.Action].flat().some((a) => a === "cloudwatch:PutMetricData" || a === "cloudwatch:*"));
    expect(publishing.map((st) => st.Condition)).toEqual([{ StringEquals: { "cloudwatch:namespace": "CWAgent" } }]);
  });

  it("every taggable resource carries logos-proof-gated and a label-safe role", () => {
    for (const b of [pilot, fleet, custom]) {
      for (const r of b.all) {
        if (UNTAGGABLE.has(r.type)) continue;
        if (r.type === GROUP) {
          expect(r.inputs.tags, r.name).toContainEqual({ key: "logos-proof-gated", value: "true", propagateAtLaunch: true });
          continue;
        }
        expect(r.inputs.tags?.["logos-proof-gated"], `${r.type} ${r.name}`).toBe("true");
        expect(r.inputs.tags?.["logos-role"], `${r.type} ${r.name}`).toMatch(/^[a-z0-9_-]+$/);
      }
      for (const instance of b.ofType(INSTANCE)) expect(instance.inputs.rootBlockDevice.tags["logos-proof-gated"]).toBe("true");
      // The interfaces EC2 would otherwise create untagged at launch are our own, tagged resources.
      for (const instance of b.ofType(INSTANCE)) {
        expect(nicOf(b, instance).inputs.tags, instance.name).toMatchObject({
          "logos-proof-gated": "true",
          "logos-role": instance.inputs.tags["logos-role"],
        });
      }
    }
  });
});

describe("aws pool: policy pack on preview inputs", () => {
  /** The plan's wire form: the engine's unknown sentinel where the mock reports an unknown. */
  function asPlanned(value: unknown, unknown: string): unknown {
    if (Array.isArray(value)) return value.map((v) => asPlanned(v, unknown));
    if (value !== null && typeof value === "object") {
      if ((value as { __pulumiUnknown?: boolean }).__pulumiUnknown) return unknown;
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, asPlanned(v, unknown)]));
    }
    return value;
  }

  it("pilot and pool shapes pass every rule, with ids the cloud assigns still unknown", async () => {
    const preview = installMocks(true);
    const { VmPool } = await import("../../components/pool/index.js");
    const { evaluateResource, packConfig } = await import("../../policies/evaluate.js");
    const { UNKNOWN } = await import("../../infra/plan/types.js");
    new VmPool("pv-pilot", { spec: parseSpec(rawConfig("aws")) });
    new VmPool("pv-pool", { spec: parseSpec(poolConfig("aws")) });
    let seen = -1;
    for (let i = 0; i < 200 && seen !== preview.resources.length; i++) {
      seen = preview.resources.length;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(preview.resources.filter((r) => r.type === VOLUME).map((r) => r.inputs.kmsKeyId)).toEqual(
      ["pv-pilot", "pv-pool", "pv-pool", "pv-pool"].map(diskKeyArn),
    );
    const config = packConfig({ operatorCidrs: ["203.0.113.0/24"], requireCmek: true });
    const violations = preview.resources.flatMap((r) =>
      evaluateResource(
        {
          urn: `urn:pulumi:test::logos-compute::${r.type}::${r.name}`,
          type: r.type,
          name: r.name,
          inputs: asPlanned(r.inputs, UNKNOWN) as Record<string, unknown>,
        },
        { config },
      ),
    );
    expect(violations.map((v) => v.message)).toEqual([]);
  });
});
