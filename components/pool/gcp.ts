import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { bastionPrivateIp, nodeSlots } from "../../infra/layout";
import { PROOF_GATED_TAG } from "../../infra/spec";
import { enableServices, gcpLabels } from "../gcp-project";
import { BURST_DISCOVERY_TAG, nodeUserData } from "./common";
import { buildGcpBastion, LOGIN_METADATA, SHIELDED } from "./gcp-bastion";
import { buildGcpBastionIdentity, buildGcpKey, buildGcpNodeIdentity, gcpScope, type GcpKey } from "./gcp-identity";
import { gcpBurstBaseName } from "./gcp-names";
import { BURST_NETWORK_TAG, buildGcpFirewall, buildGcpNetwork, NODE_NETWORK_TAG, type GcpNetwork } from "./gcp-network";
import type { AdapterContext, PoolBurst, PoolNode, PoolParts } from "./types";

/** The state disk's device name, which GCE exposes as `/dev/disk/by-id/google-<name>`. */
export const STATE_DEVICE_NAME = "logos-state";
export const STATE_DEVICE_PATH = `/dev/disk/by-id/google-${STATE_DEVICE_NAME}`;

/** Balanced PD: SSD-backed at a fraction of pd-ssd's price; Coq builds are not IOPS-bound. */
const DISK_TYPE = "pd-balanced";

/** Seconds a new burst VM runs before the MIG stops it into the standby pool: cloud-init installs Coq and clones the repository first. */
const STANDBY_INITIAL_DELAY_SEC = 900;

/** Seconds the autoscaler ignores a new VM's CPU while it boots and bootstraps. */
const AUTOSCALER_COOLDOWN_SEC = 300;

/** Target CPU utilisation of the burst group, the same on every cloud. */
const CPU_TARGET = 0.7;

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
  const burst = spec.nodes.burstMax > spec.nodes.core ? buildBurst(ctx, project, net, key, nodeIdentity.email) : undefined;

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
      // (single-writer), so the old VM must go first.
      { parent: ctx.parent, dependsOn: [...key.ready], deleteBeforeReplace: true },
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

function buildBurst(ctx: AdapterContext, project: string, net: GcpNetwork, key: GcpKey, email: pulumi.Output<string>): PoolBurst {
  const { spec, name } = ctx;
  const labels = { ...gcpLabels(spec, "burst"), [BURST_DISCOVERY_TAG.key]: BURST_DISCOVERY_TAG.value };
  const max = spec.nodes.burstMax - spec.nodes.core;

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
      metadata: nodeMetadata(nodeUserData(ctx, "burst", undefined, undefined)),
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
      baseInstanceName: gcpBurstBaseName(gcpScope(ctx, project)),
      distributionPolicyZones: [...spec.zones],
      versions: [{ name: "primary", instanceTemplate: template.selfLinkUnique }],
      // A new template reaches new VMs only: burst VMs may be mid-proof.
      // A regional group's surge must be 0 or at least its zone count.
      updatePolicy: {
        type: "OPPORTUNISTIC",
        minimalAction: "REPLACE",
        maxSurgeFixed: spec.zones.length,
        maxUnavailableFixed: 0,
      },
      // SCALE_OUT_POOL: the MIG keeps one fully bootstrapped VM stopped and
      // starts it first on scale-out, then refills the pool by itself.
      ...(standby
        ? { standbyPolicy: { mode: "SCALE_OUT_POOL", initialDelaySec: STANDBY_INITIAL_DELAY_SEC }, targetStoppedSize: spec.nodes.standby }
        : {}),
    },
    // The group creates CMEK boot disks as soon as it scales.
    { parent: ctx.parent, dependsOn: [...key.ready] },
  );

  new gcp.compute.RegionAutoscaler(
    `${name}-burst-autoscaler`,
    {
      project,
      region: spec.region,
      target: group.id,
      autoscalingPolicy: {
        mode: "ON",
        minReplicas: 0,
        maxReplicas: max,
        cooldownPeriod: AUTOSCALER_COOLDOWN_SEC,
        cpuUtilization: { target: CPU_TARGET },
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
    ...(standby ? { standby: { kind: "gcp-mig-standby-pool", id: group.id, size: spec.nodes.standby } } : {}),
  };
}
