import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { RandomId } from "@pulumi/random/randomId";
import { bastionPrivateIp, nodeSlots } from "../../infra/layout";
import { PROOF_GATED_TAG } from "../../infra/spec";
import { enableServices, gcpLabels, propagationWait } from "../gcp-project";
import { BURST_DEMAND_DIMENSION, BURST_DEMAND_PERIOD_SECONDS, GCP_BURST_DEMAND_TYPE } from "../../infra/burst-demand";
import { deploymentId } from "../../infra/deployment";
import { MEMBER_BUSY_COMMAND, MEMBER_IDLE_COMMAND } from "../../infra/node/member";
import { BURST_DISCOVERY_TAG, dependsOnWithLater, nodeUserData, STANDBY_TAG, validatedTag, withMember } from "./common";
import { buildGcpBastion, LOGIN_METADATA, SHIELDED } from "./gcp-bastion";
import { buildGcpBastionIdentity, buildGcpKey, buildGcpNodeIdentity, gcpScope, type GcpKey } from "./gcp-identity";
import { gcpBurstBaseName, gcpBurstRoleIds, gcpMemberCondition } from "./gcp-names";
import { BURST_NETWORK_TAG, buildGcpFirewall, buildGcpNetwork, NODE_NETWORK_TAG, type GcpNetwork } from "./gcp-network";
import type { AdapterContext, PoolBurst, PoolNode, PoolParts } from "./types";

/** The state disk's device name, which GCE exposes as `/dev/disk/by-id/google-<name>`. */
export const STATE_DEVICE_NAME = "logos-state";
export const STATE_DEVICE_PATH = `/dev/disk/by-id/google-${STATE_DEVICE_NAME}`;

/** Balanced PD: SSD-backed at a fraction of pd-ssd's price; Coq builds are not IOPS-bound. */
const DISK_TYPE = "pd-balanced";

/** Seconds a new burst VM runs before the MIG stops it into the standby pool: cloud-init installs Coq and clones the repository first. */
const STANDBY_INITIAL_DELAY_SEC = 900;

/** Seconds the autoscaler gives a new VM to initialise before it acts on the group again. */
const AUTOSCALER_COOLDOWN_SEC = 300;

/** What a member does to itself (burst_member.py): read and set its own labels, read its group's view of it. */
export const MEMBER_PERMISSIONS = ["compute.instances.get", "compute.instances.setLabels", "compute.instanceGroupManagers.get"] as const;
/**
 * What a scheduler needs: publish the demand, list members (listManagedInstances
 * needs instanceGroupManagers.get) and delete idle ones (deleteInstances needs
 * instanceGroupManagers.update).
 */
export const SCHEDULER_PERMISSIONS = [
  "monitoring.timeSeries.create",
  "compute.instanceGroupManagers.get",
  "compute.instanceGroupManagers.update",
  "compute.instances.get",
  "compute.instances.list",
] as const;

/**
 * The Google APIs the pool's own resources call. Storage, Monitoring and
 * Logging are enabled by the archive and monitoring components that use
 * them; Service Usage and Cloud Resource Manager must already be enabled,
 * because the provider calls them to enable anything (README, Deploying).
 */
export const POOL_APIS = ["compute.googleapis.com", "cloudkms.googleapis.com", "iam.googleapis.com"] as const;

/**
 * Google Cloud: a custom VPC with Cloud NAT, a bastion with the only public
 * address, core nodes as individual VMs with separate CMEK state disks, and
 * burst capacity as one regional MIG (with an optional stopped standby pool)
 * behind a regional autoscaler.
 */
export function buildGcpPool(ctx: AdapterContext): PoolParts {
  const { spec } = ctx;
  const project = spec.gcpProject;
  if (!project) throw new Error(`pool ${spec.name}: gcp:project is required on gcp`);

  const apis = enableServices(ctx.parent, ctx.name, project, POOL_APIS);
  const net = buildGcpNetwork(ctx, project, apis);
  const key = buildGcpKey(ctx, project, apis);
  const nodeIdentity = buildGcpNodeIdentity(ctx, project, apis);
  const bastionIdentity = buildGcpBastionIdentity(ctx, project, apis);
  const firewall = buildGcpFirewall(ctx, project, net.network, { bastion: bastionIdentity.email, nodes: nodeIdentity.email });

  // Every CMEK disk is created by the Compute Engine service agent, which
  // needs the key grant to have taken effect first or the create fails with
  // a permission error, hence `key.ready` (key, grant and the wait after it).
  const bastion = buildGcpBastion(ctx, project, net.edgeSubnet, bastionIdentity.email, key.ref, apis, key.ready);
  const nodes = buildCoreNodes(ctx, project, net, key, nodeIdentity.email).map(({ stateDisk, ...n }): PoolNode => ({
    ...n,
    // The state disk is attached inline, so the VM is its attachment; the
    // disk itself is named too, for whoever reads the graph.
    readyForValidation: [stateDisk, firewall.nodeSsh, firewall.denyAll, ...net.egressReady],
  }));
  const burst = spec.nodes.burstMax > spec.nodes.core ? buildBurst(ctx, project, net, key, nodeIdentity.email, apis) : undefined;

  return {
    networkId: net.network.id,
    bastion: {
      publicIp: bastion.address.address,
      privateIp: bastionPrivateIp(spec),
      instanceId: bastion.instance.id,
      readyForValidation: [bastion.instance, bastion.address, firewall.bastionSsh, firewall.denyAll],
    },
    nodes,
    ...(burst ? { burst } : {}),
    encryptionKeyId: key.key.id,
    encryptionKeyRef: key.ref,
    nodeIdentity: {
      kind: "gcp-service-account",
      id: nodeIdentity.email,
      principal: pulumi.interpolate`serviceAccount:${nodeIdentity.email}`,
    },
  };
}

/** Metadata shared by core and burst nodes; only `user-data` differs. */
function nodeMetadata(userData: pulumi.Output<string>): pulumi.Output<Record<string, string>> {
  // Ubuntu's GCE images run cloud-init from the `user-data` key.
  return userData.apply((ud): Record<string, string> => ({ ...LOGIN_METADATA, "user-data": ud }));
}

/** Core nodes; the state disk is attached inline, so the VM itself is the attachment. */
function buildCoreNodes(
  ctx: AdapterContext,
  project: string,
  net: GcpNetwork,
  key: GcpKey,
  email: pulumi.Output<string>,
): (Omit<PoolNode, "readyForValidation"> & { readonly stateDisk: gcp.compute.Disk })[] {
  const { spec, name } = ctx;
  const labels = gcpLabels(spec, "core");
  const stateLabels = gcpLabels(spec, "state");

  return nodeSlots(spec).map((slot) => {
    const resourceName = `${name}-core-${slot.index}`;
    // Its own resource, so replacing the VM detaches the disk and the next
    // VM re-attaches it; the bootstrap never formats a disk that has a filesystem.
    // Protected: it holds the node's audit history. Pulumi refuses, already in
    // preview, any update that would delete or replace it: fewer core nodes,
    // reordered zones, another disk type or a smaller size (zone, type and
    // disk_encryption_key are ForceNew and a shrink forces a new disk,
    // terraform-provider-google google/services/compute/resource_compute_disk.go;
    // a larger size resizes in place). README "Day 2" says how to move the data.
    const stateDisk = new gcp.compute.Disk(
      `${resourceName}-state`,
      {
        project,
        zone: slot.zone,
        size: spec.disks.stateGiB,
        type: DISK_TYPE,
        diskEncryptionKey: { kmsKeySelfLink: key.ref },
        labels: stateLabels,
      },
      { parent: ctx.parent, dependsOn: [...key.ready], protect: true },
    );

    const instance = new gcp.compute.Instance(
      resourceName,
      {
        project,
        zone: slot.zone,
        machineType: spec.machine.type.name,
        bootDisk: {
          autoDelete: true,
          kmsKeySelfLink: key.ref,
          initializeParams: { image: spec.image, size: spec.disks.bootGiB, type: DISK_TYPE, labels },
        },
        attachedDisks: [{ source: stateDisk.id, deviceName: STATE_DEVICE_NAME, mode: "READ_WRITE" }],
        // No accessConfigs: no external address; egress goes through Cloud NAT.
        networkInterfaces: [{ subnetwork: net.nodeSubnets[slot.zoneIndex].id, networkIp: slot.privateIp }],
        metadata: nodeMetadata(nodeUserData(ctx, "core", slot, STATE_DEVICE_PATH)),
        serviceAccount: { email, scopes: ["cloud-platform"] },
        shieldedInstanceConfig: { ...SHIELDED },
        scheduling: { automaticRestart: true, onHostMaintenance: "MIGRATE" },
        labels,
        tags: [PROOF_GATED_TAG, NODE_NETWORK_TAG],
        allowStoppingForUpdate: true,
      },
      // The replacement needs the old VM's private address and its state disk
      // (single-writer), so the old VM must go first. Its Ops Agent writes
      // into what the monitoring enables (`reportsTo`), built after the pool.
      // user-data: a change is written in place (setMetadata) and cloud-init
      // never reads it again; what evolves reaches running nodes through their
      // sync step, which also brings a replacement current (a targeted
      // `pulumi up --replace` keeps an ignored property's old value,
      // step_generator.go).
      {
        parent: ctx.parent,
        dependsOn: dependsOnWithLater([...key.ready], ctx.reportsTo),
        deleteBeforeReplace: true,
        // A new image would replace every core VM at once (boot_disk.initialize_params.image
        // is ForceNew, resource_compute_instance.go of terraform-provider-google); nodes
        // pick it up when replaced on purpose, one at a time (`pulumi up --replace`).
        ignoreChanges: ['metadata["user-data"]', "bootDisk.initializeParams.image"],
      },
    );

    return {
      slot,
      machineType: spec.machine.type.name,
      vcpus: spec.machine.type.vcpus,
      memoryGiB: spec.machine.type.memoryGiB,
      instanceId: instance.id,
      stateDiskId: stateDisk.id,
      instance,
      stateDisk,
    };
  });
}

/**
 * Burst capacity: one regional MIG from one template, sized by the scheduler's
 * demand metric (per-group metric, so it scales from and to zero), rolled
 * proactively onto a new template, with an optional stopped standby.
 */
function buildBurst(
  ctx: AdapterContext,
  project: string,
  net: GcpNetwork,
  key: GcpKey,
  email: pulumi.Output<string>,
  apis: readonly pulumi.Resource[],
): PoolBurst {
  const { spec, name } = ctx;
  const opts = { parent: ctx.parent };
  const labels = { ...gcpLabels(spec, "burst"), [BURST_DISCOVERY_TAG.key]: BURST_DISCOVERY_TAG.value };
  const max = spec.nodes.burstMax - spec.nodes.core;
  const scope = gcpScope(ctx, project);
  const baseInstanceName = gcpBurstBaseName(scope);
  // Fresh role ids per deployment: a destroyed stack's ids stay taken for
  // up to 37 days (gcpBurstRoleIds), and a stack created again in that time
  // must not need them.
  const roleEntropy = new RandomId(`${name}-burst-role-entropy`, { byteLength: 8 }, opts).hex;
  const roleIds = roleEntropy.apply((entropy) => gcpBurstRoleIds(scope, entropy));
  const deployment = deploymentId({ project: pulumi.getProject(), stack: pulumi.getStack() });

  // Members label themselves (role, validated commit) and read their group's
  // target status to know whether this boot is for the standby pool.
  const memberRole = new gcp.projects.IAMCustomRole(
    `${name}-burst-member-role`,
    {
      project,
      roleId: roleIds.apply((r) => r.member),
      title: `logos ${spec.name} burst member`,
      description: "A burst member labels itself and reads its group's view of it",
      permissions: [...MEMBER_PERMISSIONS],
    },
    // Custom roles are the IAM API's.
    { ...opts, dependsOn: [...apis] },
  );
  // The role's resource name, from its id, carrying the dependency on the role.
  const roleName = (role: gcp.projects.IAMCustomRole) => role.roleId.apply((id) => `projects/${project}/roles/${id}`);
  const memberGrant = new gcp.projects.IAMMember(
    `${name}-burst-member`,
    {
      project,
      role: roleName(memberRole),
      member: pulumi.interpolate`serviceAccount:${email}`,
      condition: {
        title: "burst members only",
        description: `Instances of ${baseInstanceName} only`,
        expression: gcpMemberCondition(baseInstanceName),
      },
    },
    opts,
  );
  // A standby VM boots as soon as the group exists and labels itself from
  // its first boot; the grant must have taken effect by then (IAM_PROPAGATION).
  const memberGrantLive = propagationWait(
    ctx.parent,
    `${name}-burst-member-wait`,
    { role: memberGrant.role, member: memberGrant.member },
    memberGrant,
  );
  const schedulerRole = new gcp.projects.IAMCustomRole(
    `${name}-burst-scheduler-role`,
    {
      project,
      roleId: roleIds.apply((r) => r.scheduler),
      title: `logos ${spec.name} burst scheduler`,
      description: "Publish burst demand, list the burst group's members and delete idle ones",
      permissions: [...SCHEDULER_PERMISSIONS],
    },
    { ...opts, dependsOn: [...apis] },
  );

  const template = new gcp.compute.InstanceTemplate(
    `${name}-burst-template`,
    {
      project,
      region: spec.region,
      machineType: spec.machine.type.name,
      disks: [
        {
          boot: true,
          autoDelete: true,
          sourceImage: spec.image,
          diskSizeGb: spec.disks.bootGiB,
          diskType: DISK_TYPE,
          diskEncryptionKey: { kmsKeySelfLink: key.ref },
          labels,
        },
      ],
      // A template names one subnetwork, and GCP subnets span the region's
      // zones, so the regional group places every zone's burst VMs in the
      // first burst subnet. No accessConfigs: no external address.
      networkInterfaces: [{ subnetwork: net.burstSubnets[0].id }],
      metadata: nodeMetadata(
        nodeUserData({ ...ctx, burstBootstrap: withMember(spec, ctx.burstBootstrap, { cloud: "gcp" }) }, "burst", undefined, undefined),
      ),
      serviceAccount: { email, scopes: ["cloud-platform"] },
      shieldedInstanceConfig: { ...SHIELDED },
      scheduling: { automaticRestart: true, onHostMaintenance: "MIGRATE" },
      labels,
      tags: [PROOF_GATED_TAG, NODE_NETWORK_TAG, BURST_NETWORK_TAG],
    },
    { parent: ctx.parent, dependsOn: [...key.ready] },
  );

  const standby = spec.nodes.standby === 1;
  const group = new gcp.compute.RegionInstanceGroupManager(
    `${name}-burst`,
    {
      project,
      region: spec.region,
      baseInstanceName,
      distributionPolicyZones: [...spec.zones],
      versions: [{ name: "primary", instanceTemplate: template.selfLinkUnique }],
      // A new template (repoRef, image, validator) replaces running members
      // and the stopped standby: PROACTIVE, by replacement (cloud-init runs
      // only on a VM's first boot), one new VM per zone before an old one goes
      // (a regional group's fixed surge and unavailability must each be 0 or
      // at least its zone count; both 0 is refused: the
      // RegionInstanceGroupManager update_policy docs of terraform-provider-google).
      updatePolicy: {
        type: "PROACTIVE",
        minimalAction: "REPLACE",
        mostDisruptiveAllowedAction: "REPLACE",
        maxSurgeFixed: spec.zones.length,
        maxUnavailableFixed: 0,
        replacementMethod: "SUBSTITUTE",
      },
      // SCALE_OUT_POOL: the MIG keeps one fully bootstrapped VM stopped and
      // starts it first on scale-out, then refills the pool by itself.
      ...(standby ? { standbyPolicy: { mode: "SCALE_OUT_POOL", initialDelaySec: STANDBY_INITIAL_DELAY_SEC } } : {}),
      // Always explicit, 0 included: target_stopped_size is Optional+Computed
      // (resource_compute_region_instance_group_manager.go), so leaving it out
      // after standbyNodes 1 -> 0 would keep the stopped VM the group has.
      targetStoppedSize: spec.nodes.standby,
    },
    // With a standby the group starts a VM at once: it creates a CMEK boot
    // disk, installs its packages through Cloud NAT and labels itself from
    // its first boot, so the key grant, the NAT and the member grant must be
    // in effect before the group exists, and the APIs its Ops Agent writes
    // into enabled (`reportsTo`).
    { parent: ctx.parent, dependsOn: dependsOnWithLater([...key.ready, memberGrant, memberGrantLive, ...net.egressReady], ctx.reportsTo) },
  );

  new gcp.compute.RegionAutoscaler(
    `${name}-burst-autoscaler`,
    {
      project,
      region: spec.region,
      target: group.id,
      autoscalingPolicy: {
        // Scale-out only: GCP has no per-VM scale-in protection, so the
        // autoscaler never removes a member; the scheduler deletes idle ones.
        mode: "ONLY_SCALE_OUT",
        minReplicas: 0,
        maxReplicas: max,
        cooldownPeriod: AUTOSCALER_COOLDOWN_SEC,
        // A per-group metric (resource type other than gce_instance) with a
        // single-instance assignment of 1 node: the group's size follows the
        // demand, and per-group metrics are what let a MIG scale from and to
        // zero ("Scaling based on Cloud Monitoring metrics", per-instance
        // metrics cannot go below one VM). No CPU policy: a group at 0 has no
        // CPU to read, and the autoscaler would take the larger of the two.
        metrics: [
          {
            name: GCP_BURST_DEMAND_TYPE,
            filter: `resource.type = "global" AND metric.labels.${BURST_DEMAND_DIMENSION} = "${deployment}"`,
            singleInstanceAssignment: 1,
          },
        ],
      },
    },
    { parent: ctx.parent },
  );

  return {
    groupId: group.id,
    groupName: group.name,
    min: 0,
    max,
    discoveryTag: BURST_DISCOVERY_TAG,
    validatedTag: validatedTag(spec),
    ...(standby
      ? {
          standby: {
            kind: "gcp-mig-standby-pool",
            id: group.id,
            size: spec.nodes.standby,
            tag: STANDBY_TAG,
            state: "in the group's standby pool (targetStatus STOPPED); it is started and re-validated when it enters service",
          },
        }
      : {}),
    contract: {
      inService: "targetStatus RUNNING and instanceStatus RUNNING in the group's regionInstanceGroupManagers.listManagedInstances",
      target: {
        kind: "gcp-regional-instance-group-manager",
        id: group.selfLink,
        name: group.name,
        region: spec.region,
        project,
      },
      demand: {
        provider: "gcp-cloud-monitoring",
        metric: GCP_BURST_DEMAND_TYPE,
        labels: [{ name: BURST_DEMAND_DIMENSION, value: deployment }],
        resource: "global",
        region: spec.region,
        unit: "nodes",
        periodSeconds: BURST_DEMAND_PERIOD_SECONDS,
        step: 1,
        permission: pulumi.interpolate`grant the scheduler's service account ${roleName(schedulerRole)} in project ${project} (monitoring.timeSeries.create, list the group's members, deleteInstances)`,
      },
      scaleIn: {
        by: "scheduler",
        busy: MEMBER_BUSY_COMMAND,
        idle: MEMBER_IDLE_COMMAND,
        how: "GCP has no per-VM scale-in protection: the autoscaler only scales out; lower the demand, then delete the idle members you choose with regionInstanceGroupManagers.deleteInstances, which also lowers the group's size",
      },
    },
  };
}
