/**
 * Which resources of a plan hold the pool's history, or keep it readable and
 * immutable, and so must survive `pulumi up` and `pulumi destroy`. Every
 * resource type the program creates is classified here, data-bearing or not,
 * so a new type cannot slip in unexamined. Pure: reads a plan graph.
 */
import type { PlanGraph } from "./graph";
import type { PlannedResource } from "./types";

/**
 * Why a resource must be kept:
 * - `state-disk`: a node's persistent disk, holding its audit log;
 * - `archive`: the archive store every node uploads its audit log to;
 * - `archive-guard`: a setting of the archive store that keeps it private, versioned or locked;
 * - `key`: key material kept data is encrypted under, or what names it for that data;
 * - `container`: holds kept resources, and deleting it deletes them (an Azure resource group);
 * - `identity`: an identity a kept resource reads its key as;
 * - `grant`: lets an identity that outlives the stack use kept material.
 */
export type DataRole = "state-disk" | "archive" | "archive-guard" | "key" | "container" | "identity" | "grant";

export interface DataClass {
  readonly resource: PlannedResource;
  readonly role: DataRole;
  /** Why it is kept: the kept resource that needs it, or the role itself. */
  readonly because: string;
}

const STATE_DISK_TYPES = new Set([
  "aws:ebs/volume:Volume",
  "gcp:compute/disk:Disk",
  "gcp:compute/regionDisk:RegionDisk",
  "azure-native:compute:Disk",
]);

const ARCHIVE_STORE_TYPES = new Set([
  "aws:s3/bucket:Bucket",
  "aws:s3/bucketV2:BucketV2",
  "gcp:storage/bucket:Bucket",
  "azure-native:storage:StorageAccount",
]);

/** Settings of a bucket / storage account, each its own resource. */
const ARCHIVE_SETTING_TYPES = new Set([
  "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
  "aws:s3/bucketObjectLockConfigurationV2:BucketObjectLockConfigurationV2",
  "aws:s3/bucketPolicy:BucketPolicy",
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
  "aws:s3/bucketVersioning:BucketVersioning",
  "aws:s3/bucketVersioningV2:BucketVersioningV2",
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
  "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
  "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
  "gcp:storage/bucketAccessControl:BucketAccessControl",
  "azure-native:storage:BlobContainer",
  "azure-native:storage:BlobContainerImmutabilityPolicy",
  "azure-native:storage:BlobServiceProperties",
  "azure-native:storage:ManagementPolicy",
]);

/** Key material, and what a kept resource names its key by. */
const KEY_TYPES = new Set([
  "aws:kms/key:Key",
  "gcp:kms/keyRing:KeyRing",
  "gcp:kms/cryptoKey:CryptoKey",
  "azure-native:keyvault:Vault",
  "azure-native:keyvault:Key",
  // Azure disks name their key through the set; Azure refuses to delete a set disks still use.
  "azure-native:compute:DiskEncryptionSet",
]);

/** Deleting one deletes everything inside it. */
const CONTAINER_TYPES = new Set(["azure-native:resources:ResourceGroup"]);

const IDENTITY_TYPES = new Set([
  "aws:iam/role:Role",
  "gcp:serviceaccount/account:Account",
  "gcp:serviceAccount/account:Account",
  "azure-native:managedidentity:UserAssignedIdentity",
]);

/** Grants, by the input naming what is granted on and the one naming who is granted. */
const GRANT_TYPES: Readonly<Record<string, { readonly target: string; readonly grantee: string }>> = {
  "aws:iam/rolePolicy:RolePolicy": { target: "policy", grantee: "role" },
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment": { target: "policyArn", grantee: "role" },
  "aws:kms/grant:Grant": { target: "keyId", grantee: "granteePrincipal" },
  "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember": { target: "cryptoKeyId", grantee: "member" },
  "gcp:kms/cryptoKeyIAMBinding:CryptoKeyIAMBinding": { target: "cryptoKeyId", grantee: "members" },
  "gcp:kms/keyRingIAMMember:KeyRingIAMMember": { target: "keyRingId", grantee: "member" },
  "gcp:storage/bucketIAMMember:BucketIAMMember": { target: "bucket", grantee: "member" },
  "gcp:storage/bucketIAMBinding:BucketIAMBinding": { target: "bucket", grantee: "members" },
  "gcp:projects/iAMMember:IAMMember": { target: "project", grantee: "member" },
  "azure-native:authorization:RoleAssignment": { target: "scope", grantee: "principalId" },
};

/**
 * Types that hold no history, each with the reason. A type in no table here
 * fails the classification test: decide, then add it to one.
 */
export const NOT_DATA: Readonly<Record<string, string>> = Object.fromEntries(
  (
    [
      [
        "network: rebuilt from the spec",
        [
          "aws:ec2/vpc:Vpc",
          "aws:ec2/subnet:Subnet",
          "aws:ec2/internetGateway:InternetGateway",
          "aws:ec2/natGateway:NatGateway",
          "aws:ec2/eip:Eip",
          "aws:ec2/routeTable:RouteTable",
          "aws:ec2/route:Route",
          "aws:ec2/routeTableAssociation:RouteTableAssociation",
          "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
          "aws:ec2/securityGroup:SecurityGroup",
          "aws:ec2/securityGroupRule:SecurityGroupRule",
          "aws:ec2/networkInterface:NetworkInterface",
          "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
          "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
          "gcp:compute/network:Network",
          "gcp:compute/subnetwork:Subnetwork",
          "gcp:compute/firewall:Firewall",
          "gcp:compute/router:Router",
          "gcp:compute/routerNat:RouterNat",
          "gcp:compute/route:Route",
          "gcp:compute/address:Address",
          "azure-native:network:VirtualNetwork",
          "azure-native:network:Subnet",
          "azure-native:network:NetworkSecurityGroup",
          "azure-native:network:SecurityRule",
          "azure-native:network:NetworkInterface",
          "azure-native:network:PublicIPAddress",
          "azure-native:network:NatGateway",
          "azure-native:network:RouteTable",
          "azure-native:network:Route",
        ],
      ],
      [
        "compute: VMs, templates and groups; boot disks are rebuilt by cloud-init, history lives on the state disk",
        [
          "aws:ec2/instance:Instance",
          "aws:ec2/launchTemplate:LaunchTemplate",
          "aws:ec2/volumeAttachment:VolumeAttachment",
          "aws:autoscaling/group:Group",
          "aws:autoscaling/policy:Policy",
          "aws:autoscaling/lifecycleHook:LifecycleHook",
          "gcp:compute/instance:Instance",
          "gcp:compute/instanceTemplate:InstanceTemplate",
          "gcp:compute/regionInstanceTemplate:RegionInstanceTemplate",
          "gcp:compute/attachedDisk:AttachedDisk",
          "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager",
          "gcp:compute/regionAutoscaler:RegionAutoscaler",
          "azure-native:compute:VirtualMachine",
          "azure-native:compute:VirtualMachineScaleSet",
          "azure-native:standbypool:StandbyVirtualMachinePool",
          "azure-native:monitor:AutoscaleSetting",
          // The demand seed: a script run once on a core node; it writes a metric value, no history.
          "azure-native:compute:VirtualMachineRunCommandByVirtualMachine",
        ],
      ],
      [
        "boot files: re-uploaded from the program on every up",
        ["aws:s3/bucketObjectv2:BucketObjectv2", "aws:s3/bucketObject:BucketObject"],
      ],
      [
        "monitoring: alerts and the failed-validation signal; the history itself is on the state disks and in the archive",
        [
          "aws:cloudwatch/logGroup:LogGroup",
          "aws:cloudwatch/logMetricFilter:LogMetricFilter",
          "aws:cloudwatch/metricAlarm:MetricAlarm",
          "aws:sns/topic:Topic",
          "aws:sns/topicPolicy:TopicPolicy",
          "aws:sns/topicSubscription:TopicSubscription",
          "gcp:logging/metric:Metric",
          "gcp:monitoring/alertPolicy:AlertPolicy",
          "gcp:monitoring/notificationChannel:NotificationChannel",
          "azure-native:monitor:ActionGroup",
          "azure-native:monitor:DataCollectionRule",
          "azure-native:monitor:DataCollectionRuleAssociation",
          "azure-native:monitor:MetricAlert",
          "azure-native:monitor:ScheduledQueryRule",
          "azure-native:operationalinsights:Workspace",
          "azure-native:operationalinsights:Table",
          "azure-native:authorization:PolicyAssignment",
          "azure-native:policyinsights:RemediationAtResourceGroup",
        ],
      ],
      [
        "access for the pool itself: instance profiles, service-linked and custom roles, recreated with the pool",
        [
          "aws:iam/instanceProfile:InstanceProfile",
          "aws:iam/serviceLinkedRole:ServiceLinkedRole",
          "aws:iam/policy:Policy",
          "gcp:projects/iAMCustomRole:IAMCustomRole",
          "azure-native:authorization:RoleDefinition",
        ],
      ],
      [
        // KMS puts the key's id into every ciphertext it returns, so Decrypt needs no key name
        // (https://docs.aws.amazon.com/kms/latest/APIReference/API_Decrypt.html); EBS reads back the key ARN an alias
        // resolved to (the pool's disks ignore changes to kmsKeyId for that reason). Kept data needs the key, not the alias.
        "key names for new writes only: kept volumes and objects are decrypted by the key their ciphertext names",
        ["aws:kms/alias:Alias"],
      ],
      [
        "project APIs: enabled with disableOnDestroy false, so deleting one only forgets it and never switches the API off",
        ["gcp:projects/service:Service"],
      ],
      [
        "validation: the deploy key only opens SSH for the validation, the commands run again on the next up",
        ["tls:index/privateKey:PrivateKey", "command:remote:Command", "command:remote:CopyToRemote", "command:local:Command"],
      ],
      [
        "state-only helpers: entropy kept in the state and modelled waits; a kept resource that names them keeps its own name",
        [
          "random:index/randomId:RandomId",
          "random:index/randomString:RandomString",
          "random:index/randomPet:RandomPet",
          "random:index/randomUuid:RandomUuid",
          "random:index/randomInteger:RandomInteger",
          "time:index/sleep:Sleep",
          "time:index/static:Static",
          "time:index/rotating:Rotating",
        ],
      ],
    ] as const
  ).flatMap(([why, types]) => types.map((t) => [t, why])),
);

/**
 * Types the provider itself never deletes, so keeping them needs no option.
 * Cloud KMS key rings cannot be deleted; the provider only forgets them
 * (hashicorp/terraform-provider-google, website/docs/r/kms_key_ring.html.markdown:
 * "KeyRings cannot be deleted from Google Cloud Platform. Destroying a
 * Terraform-managed KeyRing will remove it from state but will not delete the
 * resource from the project.").
 */
export const KEPT_BY_PROVIDER: ReadonlySet<string> = new Set(["gcp:kms/keyRing:KeyRing"]);

/** Every type this module has a decision for. */
export function isClassifiedType(type: string): boolean {
  return (
    STATE_DISK_TYPES.has(type) ||
    ARCHIVE_STORE_TYPES.has(type) ||
    ARCHIVE_SETTING_TYPES.has(type) ||
    KEY_TYPES.has(type) ||
    CONTAINER_TYPES.has(type) ||
    IDENTITY_TYPES.has(type) ||
    type in GRANT_TYPES ||
    type in NOT_DATA
  );
}

/** Custom resource types of the plan this module has no decision for. */
export function unclassifiedTypes(graph: PlanGraph): string[] {
  return [...new Set(graph.plan.resources.filter((r) => r.custom && !isClassifiedType(r.type)).map((r) => r.type))].sort();
}

/** Whether `r` belongs to the log archive component. */
function inArchive(graph: PlanGraph, r: PlannedResource): boolean {
  return graph.ancestors(r).some((a) => a.type === "logos:compute:LogArchive");
}

/**
 * The resources that must be kept, each with its role. Starts from the
 * history itself — state disks, the archive store and its settings — and
 * adds, until nothing changes, what a kept resource cannot do without: the
 * keys, containers and identities it uses (a key does not keep the
 * principals its policy names), and grants on kept material to an identity
 * that outlives the stack (a cloud service agent, or a kept identity).
 */
export function dataBearing(graph: PlanGraph): DataClass[] {
  const kept = new Map<string, DataClass>();
  const keep = (resource: PlannedResource, role: DataRole, because: string): void => {
    if (!kept.has(resource.urn)) kept.set(resource.urn, { resource, role, because });
  };
  const custom = graph.plan.resources.filter((r) => r.custom);
  for (const r of custom) {
    if (STATE_DISK_TYPES.has(r.type)) keep(r, "state-disk", "holds a node's audit log");
    else if (ARCHIVE_STORE_TYPES.has(r.type) && inArchive(graph, r)) keep(r, "archive", "holds the archived audit logs");
  }
  for (const r of custom)
    if (ARCHIVE_SETTING_TYPES.has(r.type) && graph.uses(r).some((u) => kept.get(u.urn)?.role === "archive"))
      keep(r, "archive-guard", "keeps the archive private, versioned or locked");

  for (let before = -1; before !== kept.size;) {
    before = kept.size;
    for (const k of [...kept.values()]) {
      const holder = k.resource;
      for (const u of graph.uses(holder)) {
        const why = `${holder.name} uses it`;
        if (KEY_TYPES.has(u.type)) keep(u, "key", why);
        else if (CONTAINER_TYPES.has(u.type)) keep(u, "container", `holds ${holder.name}`);
        // Only the store or disk itself reads its key as an identity; a key policy or a grant names principals it does not need kept.
        else if (IDENTITY_TYPES.has(u.type) && (k.role === "archive" || k.role === "state-disk")) keep(u, "identity", why);
      }
    }
    for (const r of custom) {
      const grant = GRANT_TYPES[r.type];
      if (!grant || kept.has(r.urn)) continue;
      const targets = graph.usesVia(r, grant.target).filter((t) => kept.has(t.urn));
      if (targets.length === 0) continue;
      const grantees = graph.usesVia(r, grant.grantee).filter((g) => g.custom);
      if (grantees.every((g) => kept.has(g.urn)))
        keep(
          r,
          "grant",
          `lets ${grantees.length > 0 ? grantees.map((g) => g.name).join(", ") : "a service agent"} use ${targets.map((t) => t.name).join(", ")}`,
        );
    }
  }
  return [...kept.values()];
}

/** Whether `pulumi destroy`, or an up that drops it, leaves the cloud resource in place. */
export function isKeptOnDelete(r: PlannedResource): boolean {
  return r.options.retainOnDelete || r.options.protect || KEPT_BY_PROVIDER.has(r.type);
}
