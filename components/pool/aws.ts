import { renderBastionUserData } from "../../infra/bootstrap";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { RandomId } from "@pulumi/random/randomId";
import { bastionPrivateIp, nodeSlots, type NodeSlot } from "../../infra/layout";
import { BASTION_TYPES } from "../../infra/machines";
import { tagsFor } from "../../infra/spec";
import { buildAwsBootArtifacts, buildBootReadGrant, type AwsBootArtifacts } from "./aws-artifacts";
import { assertUserDataFits, bootBucketName, ebsDevicePath, planBootFiles, type RolePlan } from "./aws-boot-files";
import { deploymentDigest, deploymentId } from "../../infra/deployment";
import { awsBurstGroupName, buildAwsBurst, buildBurstMemberGrant, LAUNCH_HOOK_NAME } from "./aws-burst";
import { buildAwsNetwork, type AwsNetwork } from "./aws-network";
import { awsAccount, awsGrantsPropagated, awsKeyPropagated, buildAwsKey, buildAwsNodeIdentity } from "./aws-security";
import { BASTION_TAG, dependsOnWithLater, nodeUserData, withMember } from "./common";
import type { AdapterContext, PoolNode, PoolParts } from "./types";

/** `spec.image` values with this prefix name an SSM parameter holding the AMI id. */
export const SSM_IMAGE_PREFIX = "resolve:ssm:";
/** Where the state volume is attached; on Nitro it shows up as NVMe, found by volume id instead. */
export const STATE_DEVICE_NAME = "/dev/sdf";
const BASTION_ROOT_GIB = 10;
/** Entropy in the boot bucket's name: 6 bytes, 12 hex digits. */
const BOOT_SUFFIX_BYTES = 6;

export { ebsDevicePath };

/**
 * The AMI for `spec.image`. The instance API would resolve `resolve:ssm:`
 * itself, but then the provider reads back a different AMI id than it was
 * given and plans a replacement on every run; resolving here keeps the input
 * equal to what the instance reports.
 */
export function resolveAwsImage(ctx: AdapterContext): pulumi.Output<string> {
  const image = ctx.spec.image;
  if (!image.startsWith(SSM_IMAGE_PREFIX)) return pulumi.output(image);
  return aws.ssm.getParameterOutput({ name: image.slice(SSM_IMAGE_PREFIX.length) }, { parent: ctx.parent }).value;
}

/** The key disks name (see `AwsKey.diskKeyId`), the alias it resolves through, and the wait for both to propagate. */
interface DiskKey {
  readonly id: pulumi.Output<string>;
  readonly alias: pulumi.Resource;
  /** `awsKeyPropagated`: whatever encrypts with the key starts after it. */
  readonly ready: pulumi.Resource;
  /** `awsGrantsPropagated`: whatever runs as the node role starts after it. */
  readonly grantsReady: pulumi.Resource;
}

/** AWS reports the key ARN the alias resolved to; without this every run would replace every disk. */
const KEY_ID_READ_BACK = "kmsKeyId";

const IMDS_V2 = { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 } as const;

export function buildAwsPool(ctx: AdapterContext): PoolParts {
  const { spec } = ctx;
  const withBurst = spec.nodes.burstMax > spec.nodes.core;

  const account = awsAccount(ctx);
  const poolKey = buildAwsKey(ctx, account, withBurst);
  const { key, alias, diskKeyId, autoScalingRole } = poolKey;
  const identity = buildAwsNodeIdentity(ctx, account);
  const slots = nodeSlots(spec);
  const scope = { project: pulumi.getProject(), stack: pulumi.getStack() };
  const burstGroup = awsBurstGroupName(ctx.name, deploymentDigest(scope));
  // Members put themselves in service (launch hook) and tag themselves; their
  // config names the group, known here, before the boot files are planned.
  const burstExtras = withMember(spec, ctx.burstBootstrap, {
    cloud: "aws",
    aws: { region: spec.region, group: burstGroup, hook: LAUNCH_HOOK_NAME },
  });

  // S3 names are global: the boot bucket's carries random entropy kept in the state.
  let bootBucket: pulumi.Output<string> | undefined;
  const bootBucketOnce = (): pulumi.Output<string> =>
    (bootBucket ??= new RandomId(`${ctx.name}-boot-suffix`, { byteLength: BOOT_SUFFIX_BYTES }, { parent: ctx.parent }).hex.apply((hex) =>
      bootBucketName(ctx.name, hex),
    ));
  // Decided from plain values: which files outgrow EC2's user-data limit and must be fetched at boot.
  const boot = planBootFiles({
    spec,
    slots,
    core: ctx.coreBootstrap,
    ...(withBurst ? { burst: burstExtras } : {}),
    bucket: bootBucketOnce,
  });
  const readGrant = boot.usesBucket
    ? buildBootReadGrant(ctx, { bucketName: bootBucketOnce(), account, keyArn: key.arn, role: identity.role })
    : undefined;
  // What burst members do to themselves (launch hook, protection, own tags); the standby needs it on its first boot.
  const memberGrant = withBurst ? buildBurstMemberGrant(ctx, { role: identity.role, account, groupName: burstGroup }) : undefined;
  // Everything that encrypts with the key or runs as the node role waits for them to propagate.
  const keyReady = awsKeyPropagated(ctx, poolKey);
  const grants = awsGrantsPropagated(ctx, poolKey, identity, [...(readGrant ? [readGrant] : []), ...(memberGrant ? [memberGrant] : [])]);
  const artifacts = boot.usesBucket
    ? buildAwsBootArtifacts(ctx, {
        bucketName: bootBucketOnce(),
        objects: boot.objects,
        account,
        keyRef: diskKeyId,
        keyAlias: alias,
        role: identity.role,
        uploadAfter: [keyReady],
        ...(ctx.reportsTo ? { reportsTo: ctx.reportsTo } : {}),
      })
    : undefined;
  const bootCtx: AdapterContext = {
    ...ctx,
    coreBootstrap: boot.core.extras,
    burstBootstrap: boot.burst?.extras ?? burstExtras,
  };

  const network = buildAwsNetwork(ctx);
  const imageId = resolveAwsImage(ctx);

  const diskKey: DiskKey = { id: diskKeyId, alias, ready: keyReady, grantsReady: grants };
  const bastion = buildBastion(ctx, network, imageId, diskKey);

  const coreTags = tagsFor(spec, "core");
  const stateTags = tagsFor(spec, "state");
  const nodes: PoolNode[] = slots.map((slot) =>
    buildCoreNode(bootCtx, slot, {
      network,
      imageId,
      diskKey,
      instanceProfile: identity.instanceProfile.name,
      coreTags,
      stateTags,
      bootReady: bootFilesReady(artifacts, readGrant, boot.core),
    }),
  );

  const burst =
    withBurst && autoScalingRole
      ? buildAwsBurst(bootCtx, {
          network,
          imageId,
          diskKeyId,
          keyAlias: alias,
          instanceProfileArn: identity.instanceProfile.arn,
          autoScalingRoleArn: autoScalingRole.arn,
          bootReady: bootFilesReady(artifacts, readGrant, boot.burst),
          grantsReady: [keyReady, grants],
          groupName: burstGroup,
          deployment: deploymentId(scope),
        })
      : undefined;

  return {
    networkId: network.vpc.id,
    bastion,
    nodes,
    ...(burst ? { burst } : {}),
    encryptionKeyId: key.arn,
    encryptionKeyRef: diskKeyId,
    nodeIdentity: { kind: "aws-iam-role", id: identity.role.name, principal: identity.role.arn },
  };
}

/** What a node fetching boot files must not start before: its objects and the role's read grant. */
function bootFilesReady(
  artifacts: AwsBootArtifacts | undefined,
  readGrant: pulumi.Resource | undefined,
  plan: RolePlan | undefined,
): pulumi.Resource[] {
  if (!artifacts || !readGrant || !plan || plan.keys.length === 0) return [];
  const objects = plan.keys.flatMap((k) => artifacts.objects.get(k) ?? []);
  return [...objects, readGrant];
}

function buildBastion(ctx: AdapterContext, network: AwsNetwork, imageId: pulumi.Output<string>, diskKey: DiskKey): PoolParts["bastion"] {
  const { spec, name } = ctx;
  const tags = { ...tagsFor(spec, "bastion"), [BASTION_TAG.key]: BASTION_TAG.value };
  const privateIp = bastionPrivateIp(spec);

  const nic = primaryInterface(ctx, `${name}-bastion`, network.edgeSubnet, privateIp, network.bastionSecurityGroup, tags);
  const instance = new aws.ec2.Instance(
    `${name}-bastion`,
    {
      ami: imageId,
      instanceType: BASTION_TYPES.aws,
      // The Elastic IP below is the public address, so it survives a bastion replacement.
      primaryNetworkInterface: { networkInterfaceId: nic.id, deleteOnTermination: false },
      metadataOptions: IMDS_V2,
      // Burstable credits stay "standard": a busy jump host slows down instead of billing surplus.
      creditSpecification: { cpuCredits: "standard" },
      rootBlockDevice: {
        encrypted: true,
        kmsKeyId: diskKey.id,
        volumeType: "gp3",
        volumeSize: BASTION_ROOT_GIB,
        deleteOnTermination: true,
        tags,
      },
      userData: ctx.deployPublicKey.apply((deployKey) =>
        renderBastionUserData({
          sshUser: spec.access.sshUser,
          sshAuthorizedKeys: [spec.access.sshPublicKey, deployKey.trim()],
        }),
      ),
      tags: { ...tags, Name: `${name}-bastion` },
      // cloud-init reads user-data at first boot only, and an in-place change stops and starts
      // the instance for nothing (the provider's documented default); the bastion holds no
      // state, so a new cloud-init (e.g. sshd capacity) gets a new bastion.
      userDataReplaceOnChange: true,
    },
    // Fixed private IP: the old instance must release it before the new one can take it.
    // A new AMI release must not replace the bastion on the next run; replace it on purpose.
    {
      parent: ctx.parent,
      deleteBeforeReplace: true,
      ignoreChanges: ["ami", `rootBlockDevice.${KEY_ID_READ_BACK}`],
      dependsOn: [diskKey.alias, diskKey.ready],
    },
  );

  const address = new aws.ec2.Eip(
    `${name}-bastion-ip`,
    { domain: "vpc", instance: instance.id, tags: { ...tags, Name: `${name}-bastion-ip` } },
    { parent: ctx.parent, dependsOn: [network.internetGateway] },
  );

  return {
    publicIp: address.publicIp,
    privateIp,
    instanceId: instance.id,
    readyForValidation: [instance, nic, address, ...network.bastionPath],
  };
}

interface CoreNodeInputs {
  readonly network: AwsNetwork;
  readonly imageId: pulumi.Output<string>;
  readonly diskKey: DiskKey;
  readonly instanceProfile: pulumi.Output<string>;
  readonly coreTags: Readonly<Record<string, string>>;
  readonly stateTags: Readonly<Record<string, string>>;
  /** Boot files this node fetches, uploaded and readable; empty when all ride inline. */
  readonly bootReady: readonly pulumi.Resource[];
}

/**
 * A VM's primary network interface as its own resource, because EC2 tags
 * only what RunInstances is told to tag and the provider's instance sends
 * tag specifications for the instance and its volumes, never for the
 * interface it creates (TagSpecifications in resourceInstanceCreate,
 * ec2_instance.go of terraform-provider-aws). Attached as
 * `primaryNetworkInterface` (TF AWS provider 6.10+; Pulumi AWS 7), it holds
 * the fixed private address and the security group, and survives a
 * replacement of its VM (deleteOnTermination false). EC2 gives a public
 * address only to a network interface it creates at launch, never to an
 * existing one (AssociatePublicIpAddress, InstanceNetworkInterfaceSpecification),
 * so the VM has none.
 */
function primaryInterface(
  ctx: AdapterContext,
  vmName: string,
  subnet: aws.ec2.Subnet,
  privateIp: string,
  securityGroup: aws.ec2.SecurityGroup,
  tags: Readonly<Record<string, string>>,
): aws.ec2.NetworkInterface {
  return new aws.ec2.NetworkInterface(
    `${vmName}-nic`,
    {
      description: `primary interface of ${vmName}`,
      subnetId: subnet.id,
      privateIps: [privateIp],
      securityGroups: [securityGroup.id],
      tags: { ...tags, Name: `${vmName}-nic` },
    },
    // A fixed address: the old interface must release it before a new one can take it.
    { parent: ctx.parent, deleteBeforeReplace: true },
  );
}

/**
 * One core node: VM, its state volume and the attachment. The volume is its
 * own resource so replacing the VM re-attaches the same disk and history.
 */
function buildCoreNode(ctx: AdapterContext, slot: NodeSlot, inputs: CoreNodeInputs): PoolNode {
  const { spec, name } = ctx;
  const nodeName = `${name}-core-${slot.index}`;
  const machine = spec.machine.type;

  const state = new aws.ebs.Volume(
    `${nodeName}-state`,
    {
      availabilityZone: slot.zone,
      size: spec.disks.stateGiB,
      type: "gp3",
      encrypted: true,
      kmsKeyId: inputs.diskKey.id,
      tags: { ...inputs.stateTags, Name: `${slot.name}-state` },
    },
    {
      parent: ctx.parent,
      dependsOn: [inputs.diskKey.alias, inputs.diskKey.ready],
      ignoreChanges: [KEY_ID_READ_BACK],
      // Holds the node's audit history. The engine refuses any up that would
      // delete it (fewer coreNodes) or replace it (another zone, encryption or
      // key: ForceNew in ebs_volume.go of terraform-provider-aws; size and
      // type change in place), and a plain destroy; README *Tear down* says
      // how to keep or move it.
      protect: true,
    },
  );

  const nic = primaryInterface(
    ctx,
    nodeName,
    inputs.network.nodeSubnets[slot.zoneIndex],
    slot.privateIp,
    inputs.network.nodeSecurityGroup,
    inputs.coreTags,
  );
  const instance = new aws.ec2.Instance(
    nodeName,
    {
      ami: inputs.imageId,
      instanceType: machine.name,
      primaryNetworkInterface: { networkInterfaceId: nic.id, deleteOnTermination: false },
      iamInstanceProfile: inputs.instanceProfile,
      metadataOptions: IMDS_V2,
      // Root volume tags go here, not in volumeTags: volumeTags would also claim the
      // separately managed state volume and the two would rewrite each other's tags.
      rootBlockDevice: {
        encrypted: true,
        kmsKeyId: inputs.diskKey.id,
        volumeType: "gp3",
        volumeSize: spec.disks.bootGiB,
        deleteOnTermination: true,
        tags: { ...inputs.coreTags, Name: `${slot.name}-boot` },
      },
      userData: nodeUserData(ctx, "core", slot, state.id.apply(ebsDevicePath)).apply((text) => assertUserDataFits("core", text)),
      tags: { ...inputs.coreTags, Name: slot.name },
    },
    {
      parent: ctx.parent,
      // Fixed private IP and a single-attach state volume: the old VM must go first.
      deleteBeforeReplace: true,
      // A new Ubuntu AMI must not replace every node on the next run; roll nodes on purpose.
      // userData: a change would stop and start every core node at once
      // (modifyInstanceAttributeWithStopStart, ec2_instance.go of
      // terraform-provider-aws) and cloud-init would not act on it; what evolves
      // reaches running nodes through their sync step. A targeted `pulumi up
      // --replace` keeps the old value (pulumi/pulumi step_generator.go), which
      // the sync step brings current before the node's validation.
      ignoreChanges: ["ami", "userData", `rootBlockDevice.${KEY_ID_READ_BACK}`],
      // Boot installs packages through the NAT, which has to be routable by then.
      // Boot fetches the large files from the boot bucket, which must hold them by then.
      // The key and the node role must have propagated (see awsGrantsPropagated).
      // What the node writes into must exist (ctx.reportsTo): the agent's log
      // group (the agent may not create it, aws-security.ts, and would only
      // wait) and the archive its validations upload to.
      dependsOn: dependsOnWithLater(
        [...inputs.network.egressReady, inputs.diskKey.alias, inputs.diskKey.ready, inputs.diskKey.grantsReady, ...inputs.bootReady],
        ctx.reportsTo,
      ),
    },
  );

  const attachment = new aws.ec2.VolumeAttachment(
    `${nodeName}-state-attach`,
    {
      deviceName: STATE_DEVICE_NAME,
      volumeId: state.id,
      instanceId: instance.id,
      // Detach only from a stopped VM, so the filesystem holding the audit log is clean.
      stopInstanceBeforeDetaching: true,
    },
    { parent: ctx.parent, deleteBeforeReplace: true },
  );

  return {
    slot,
    machineType: machine.name,
    vcpus: machine.vcpus,
    memoryGiB: machine.memoryGiB,
    instanceId: instance.id,
    stateDiskId: state.id,
    instance,
    readyForValidation: [attachment, state, nic, ...inputs.network.nodeIngress, ...inputs.network.egressReady],
  };
}
