/**
 * Which input changes a provider applies in place and which make it replace
 * the resource, for the resources and properties day-2 changes touch — read
 * from the providers' own sources:
 * - Terraform-bridged providers (aws, gcp): the schema's `ForceNew`, plus
 *   `CustomizeDiff` rules that force a replacement on some changes only;
 * - azure-native: path parameters of the resource's URL (its name, resource
 *   group), top-level properties whose `x-ms-mutability` lacks `update`, and
 *   the provider's own list (pulumi/pulumi-azure-native,
 *   provider/pkg/gen/properties.go `forceNew`, provider/pkg/gen/replacement.go,
 *   provider/pkg/provider/diff.go `calculateDetailedDiff`);
 * - @pulumi/command: only `triggers` replaces (pulumi/pulumi-command,
 *   provider/pkg/provider/common/inputs.go); the resource option
 *   `replaceOnChanges` the plan records covers it too.
 * A changed input in neither list is reported as unclassified: the diff then
 * says "update" but cannot vouch for it.
 */

export interface ForceNewRule {
  /** Input paths (`a.b[*].c`) whose change replaces the resource. */
  readonly forceNew: readonly string[];
  /** Replacement only for some changes, e.g. a disk shrink: path → test on (old, new). */
  readonly forceNewWhen?: Readonly<
    Record<
      string,
      { readonly when: (before: unknown, after: unknown, inputs: Readonly<Record<string, unknown>>) => boolean; readonly why: string }
    >
  >;
  /** Input paths changed in place. */
  readonly updatable: readonly string[];
  /** Where this was read: repository and path of the provider's schema. */
  readonly source: string;
  /** What the cloud does with an in-place change, where that matters to a running pool. */
  readonly notes?: Readonly<Record<string, string>>;
}

const TF_AWS = "hashicorp/terraform-provider-aws internal/service/ec2";
const TF_GOOGLE = "hashicorp/terraform-provider-google google/services/compute";
const shrinks = (before: unknown, after: unknown): boolean => typeof before === "number" && typeof after === "number" && after < before;

const RULES: Readonly<Record<string, ForceNewRule>> = {
  "aws:ebs/volume:Volume": {
    forceNew: ["availabilityZone", "encrypted", "kmsKeyId", "snapshotId", "multiAttachEnabled", "outpostArn"],
    updatable: ["size", "type", "iops", "throughput", "tags", "finalSnapshot"],
    source: `${TF_AWS}/ebs_volume.go (resourceEBSVolume schema; resourceEBSVolumeUpdate calls ModifyVolume)`,
  },
  "aws:ec2/volumeAttachment:VolumeAttachment": {
    forceNew: ["deviceName", "instanceId", "volumeId"],
    updatable: ["forceDetach", "skipDestroy", "stopInstanceBeforeDetaching"],
    source: `${TF_AWS}/ebs_volume_attachment.go`,
  },
  "aws:ec2/instance:Instance": {
    forceNew: [
      "ami",
      "availabilityZone",
      "privateIp",
      "subnetId",
      "keyName",
      "associatePublicIpAddress",
      "rootBlockDevice.encrypted",
      "rootBlockDevice.kmsKeyId",
      // EC2 cannot detach an instance's primary network interface
      // (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-eni.html), so another one is another instance.
      "primaryNetworkInterface.networkInterfaceId",
      "primaryNetworkInterface.deleteOnTermination",
    ],
    // instanceType: in place (stop, modify, start) unless the two types share no CPU
    // architecture (CustomizeDiff ForceNewIf); the catalog's alternatives are all x86_64.
    // userData: in place (stop/start) unless user_data_replace_on_change (CustomizeDiff ForceNewIf).
    forceNewWhen: {
      userData: { when: (_b, _a, inputs) => inputs.userDataReplaceOnChange === true, why: "userDataReplaceOnChange set" },
      userDataBase64: { when: (_b, _a, inputs) => inputs.userDataReplaceOnChange === true, why: "userDataReplaceOnChange set" },
    },
    updatable: [
      "instanceType",
      "userData",
      "vpcSecurityGroupIds",
      "rootBlockDevice.volumeSize",
      "rootBlockDevice.volumeType",
      "tags",
      "iamInstanceProfile",
      "metadataOptions",
    ],
    source: `${TF_AWS}/ec2_instance.go (resourceInstance schema and CustomizeDiff)`,
    notes: {
      instanceType: "stops and starts the VM",
      userData: "stops and starts the VM; cloud-init does not run again on an existing VM",
    },
  },
  "aws:ec2/networkInterface:NetworkInterface": {
    forceNew: ["subnetId", "interfaceType"],
    forceNewWhen: {
      privateIps: {
        when: (before, after) => Array.isArray(before) && Array.isArray(after) && !after.includes(before[0]),
        why: "a set without the primary address (CustomizeDiff ForceNewIf(private_ips): a new primary IP requires a new resource)",
      },
    },
    updatable: ["privateIps", "securityGroups", "description", "sourceDestCheck", "tags"],
    source: `${TF_AWS}/vpc_network_interface.go (resourceNetworkInterface schema and CustomizeDiff)`,
  },
  "aws:ec2/subnet:Subnet": {
    forceNew: ["availabilityZone", "availabilityZoneId", "cidrBlock", "vpcId", "ipv6Native", "outpostArn"],
    updatable: ["mapPublicIpOnLaunch", "tags", "assignIpv6AddressOnCreation"],
    source: `${TF_AWS}/vpc_subnet.go`,
  },
  "gcp:compute/disk:Disk": {
    forceNew: ["zone", "type", "name", "image", "snapshot", "diskEncryptionKey"],
    forceNewWhen: { size: { when: shrinks, why: "a smaller size (CustomizeDiff ForceNewIfChange(size, IsDiskShrinkage))" } },
    updatable: ["size", "labels"],
    source: `${TF_GOOGLE}/resource_compute_disk.go`,
  },
  "gcp:compute/instance:Instance": {
    forceNew: [
      "zone",
      "name",
      "bootDisk.initializeParams.image",
      "bootDisk.initializeParams.type",
      "bootDisk.kmsKeySelfLink",
      "bootDisk.deviceName",
      "networkInterfaces[*].nicType",
      "networkInterfaces[*].queueCount",
    ],
    // machine_type and the network interface's subnetwork / network_ip change in place with
    // allow_stopping_for_update; metadata and attached disks change in place.
    updatable: [
      "machineType",
      "metadata",
      "networkInterfaces[*].networkIp",
      "networkInterfaces[*].subnetwork",
      "networkInterfaces[*].network",
      "attachedDisks",
      "labels",
      "tags",
      "allowStoppingForUpdate",
      "bootDisk.initializeParams.size",
    ],
    source: `${TF_GOOGLE}/resource_compute_instance.go`,
    notes: { machineType: "stops and starts the VM", metadata: "cloud-init does not run again on an existing VM" },
  },
  "gcp:compute/instanceTemplate:InstanceTemplate": {
    forceNew: ["machineType", "metadata", "disks", "networkInterfaces", "serviceAccount", "tags", "name"],
    updatable: ["labels"],
    source: `${TF_GOOGLE}/resource_compute_instance_template.go (templates are immutable)`,
  },
  "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager": {
    forceNew: ["distributionPolicyZones", "name", "region", "baseInstanceName"],
    updatable: [
      "updatePolicy",
      "versions",
      "targetSize",
      "autoHealingPolicies",
      "namedPorts",
      "standbyPolicy",
      "targetSuspendedSize",
      "targetStoppedSize",
    ],
    source: `${TF_GOOGLE}/resource_compute_region_instance_group_manager.go`,
  },
  "gcp:compute/regionAutoscaler:RegionAutoscaler": {
    forceNew: ["name", "region"],
    updatable: ["autoscalingPolicy", "target"],
    source: `${TF_GOOGLE}/resource_compute_region_autoscaler.go`,
  },
  "gcp:compute/firewall:Firewall": {
    forceNew: ["name", "direction"],
    updatable: ["sourceRanges", "allows", "denies", "priority", "description", "targetServiceAccounts", "sourceServiceAccounts", "network"],
    source: `${TF_GOOGLE}/resource_compute_firewall.go`,
  },
  "gcp:compute/routerNat:RouterNat": {
    forceNew: ["name", "router", "region"],
    updatable: ["subnetworks", "natIpAllocateOption", "sourceSubnetworkIpRangesToNat", "logConfig"],
    source: `${TF_GOOGLE}/resource_compute_router_nat.go`,
  },
  "gcp:storage/bucket:Bucket": {
    forceNew: ["name", "location", "project", "enableObjectRetention", "customPlacementConfig", "hierarchicalNamespace"],
    forceNewWhen: {
      "retentionPolicy.isLocked": {
        when: (before, after) => before === true && after !== true,
        why: "a locked retention policy cannot be unlocked (CustomizeDiff ForceNewIfChange(retention_policy.0.is_locked, isPolicyLocked))",
      },
    },
    updatable: [
      "labels",
      "retentionPolicy.retentionPeriod",
      "retentionPolicy.isLocked",
      "encryption",
      "storageClass",
      "forceDestroy",
      "softDeletePolicy",
    ],
    source: "hashicorp/terraform-provider-google google/services/storage/resource_storage_bucket.go",
    notes: {
      "retentionPolicy.isLocked":
        "locking is one LockRetentionPolicy call and irreversible (https://cloud.google.com/storage/docs/bucket-lock)",
      "retentionPolicy.retentionPeriod": "once locked, the period can only grow: Cloud Storage refuses a shorter one",
    },
  },
  "azure-native:compute:Disk": {
    forceNew: ["diskName", "resourceGroupName", "location"],
    // zones carries no x-ms-mutability in the 2024-03-02 spec, so azure-native sends it as an update.
    updatable: ["diskSizeGB", "zones", "tags", "sku", "encryption", "networkAccessPolicy", "publicNetworkAccess"],
    source:
      "pulumi/pulumi-azure-native provider/pkg/provider/diff.go (path parameters replace) + Azure/azure-rest-api-specs specification/compute/resource-manager/Microsoft.Compute/DiskRP/stable/2024-03-02/disk.json (Disk.zones, DiskProperties.diskSizeGB: no x-ms-mutability)",
    notes: {
      diskSizeGB: "the spec: resizes are allowed only if the disk is not attached to a running VM, and only up",
      zones:
        "sent as an in-place update, which no managed disk honours (a disk stays in its zone; MicrosoftDocs/azure-docs articles/virtual-machines/disks-migrate-lrs-zrs.md): the pool's state disks carry replaceOnChanges on zones and protect",
    },
  },
  "command:remote:Command": {
    forceNew: ["triggers"],
    updatable: ["create", "update", "delete", "connection", "environment", "stdin", "logging", "addPreviousOutputInEnv"],
    source:
      "pulumi/pulumi-command provider/pkg/provider/common/inputs.go (triggers replaceOnChanges), remote/commandController.go (Update runs create again)",
    notes: { create: "runs the command again" },
  },
  "command:remote:CopyToRemote": {
    forceNew: ["triggers"],
    updatable: ["source", "remotePath", "connection"],
    source: "pulumi/pulumi-command provider/pkg/provider/remote/copy.go",
  },
  // The modelled propagation waits (@pulumiverse/time bridges terraform-provider-time): new
  // triggers replace the sleep, which waits again; a new duration alone waits for nothing.
  "time:index/sleep:Sleep": {
    forceNew: ["triggers"],
    updatable: ["createDuration", "destroyDuration"],
    source: "hashicorp/terraform-provider-time internal/provider/resource_time_sleep.go (triggers: RequiresReplace)",
  },
};

export function forceNewRule(type: string): ForceNewRule | undefined {
  return RULES[type];
}

/** Types with a rule: a data-bearing type among the changes must be one of them. */
export function typesWithRules(): string[] {
  return Object.keys(RULES).sort();
}
