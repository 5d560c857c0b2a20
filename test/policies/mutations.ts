/**
 * Known-bad changes, each applied to one planned resource at a time: the
 * mutation test asserts the pack catches every one. A mutation returns false
 * when it does not apply to that resource (e.g. the bastion may be public).
 */
import { UNKNOWN } from "../../infra/plan/types";
import { DEFAULT_SETTINGS } from "../../policies/lib/settings";

export type MutationKind = "public ingress" | "encryption" | "public ip" | "tag" | "unknown";

type Inputs = Record<string, any>;

export interface Mutation {
  readonly kind: MutationKind;
  readonly name: string;
  readonly apply: (inputs: Inputs) => boolean;
}

const TAG = DEFAULT_SETTINGS.requiredTag;
const WORLD_SSH_SOURCE = "0.0.0.0/0";
/** Public, and outside every stack's operatorCidrs (TEST-NET-2). */
const STRANGER = "198.51.100.0/24";

const isBastion = (inputs: Inputs, field = "tags"): boolean =>
  inputs[field]?.[DEFAULT_SETTINGS.bastionTag.key] === DEFAULT_SETTINGS.bastionTag.value;

const m = (kind: MutationKind, name: string, apply: (inputs: Inputs) => boolean | void): Mutation => ({
  kind,
  name,
  apply: (inputs) => apply(inputs) !== false,
});

/** Tag/label mutations for any resource that carries `field` as a map. */
function tagMutations(field: "tags" | "labels"): Mutation[] {
  return [
    m("tag", `drop the ${TAG} ${field === "tags" ? "tag" : "label"}`, (r) => {
      if (!r[field]) return false;
      delete r[field][TAG];
      return true;
    }),
    m("tag", `drop all ${field}`, (r) => void delete r[field]),
    m("unknown", `make the ${TAG} ${field === "tags" ? "tag" : "label"} unknown`, (r) => {
      r[field] = { ...(r[field] ?? {}), [TAG]: UNKNOWN };
    }),
  ];
}

const awsSgIngress = (entry: Inputs) => (r: Inputs) => {
  r.ingress = [...(r.ingress ?? []), entry];
};
const vpcIngress = (fields: Inputs) => (r: Inputs) => {
  delete r.referencedSecurityGroupId;
  delete r.prefixListId;
  delete r.cidrIpv6;
  Object.assign(r, fields);
};
const gcpFirewall = (allows: Inputs[], sources: Inputs) => (r: Inputs) => {
  r.direction = "INGRESS";
  r.disabled = false;
  r.allows = allows;
  delete r.denies;
  delete r.sourceRanges;
  delete r.sourceTags;
  delete r.sourceServiceAccounts;
  Object.assign(r, sources);
};
const azureRule = (fields: Inputs): Inputs => ({
  name: "mutant",
  access: "Allow",
  direction: "Inbound",
  priority: 99,
  protocol: "Tcp",
  sourcePortRange: "*",
  destinationAddressPrefix: "*",
  destinationPortRange: "22",
  ...fields,
});
const azureDisks = (profile: Inputs | undefined): Inputs[] =>
  [profile?.storageProfile?.osDisk, ...(profile?.storageProfile?.dataDisks ?? [])].filter((d) => d && d.managedDisk?.diskEncryptionSet);

function azureMachine(profileOf: (r: Inputs) => Inputs | undefined, nicPath: (r: Inputs) => Inputs): Mutation[] {
  return [
    m("public ip", "add a public IP configuration", (r) => {
      if (isBastion(r)) return false;
      const network = nicPath(r);
      network.networkInterfaceConfigurations = [
        ...(network.networkInterfaceConfigurations ?? []),
        { name: "mutant", ipConfigurations: [{ name: "mutant", publicIPAddressConfiguration: { name: "mutant-pip" } }] },
      ];
      return true;
    }),
    m("encryption", "drop encryption at host and the disk encryption sets", (r) => {
      const profile = profileOf(r);
      const disks = azureDisks(profile);
      if (disks.length === 0) return false;
      delete profile!.securityProfile;
      for (const disk of disks) delete disk.managedDisk.diskEncryptionSet;
      return true;
    }),
    m("encryption", "drop the OS disk's customer key (disk encryption set)", (r) => {
      const os = profileOf(r)?.storageProfile?.osDisk;
      if (!os?.managedDisk?.diskEncryptionSet) return false;
      delete os.managedDisk.diskEncryptionSet;
      return true;
    }),
    m("unknown", "make the OS disk's encryption set unknown", (r) => {
      const os = profileOf(r)?.storageProfile?.osDisk;
      if (!os?.managedDisk?.diskEncryptionSet) return false;
      os.managedDisk.diskEncryptionSet.id = UNKNOWN;
      return true;
    }),
    ...tagMutations("tags"),
  ];
}

const gcpMachine = (disksOf: "bootDisk" | "disks"): Mutation[] => [
  m("public ip", "add an external IP (access config)", (r) => {
    if (isBastion(r, "labels") || !r.networkInterfaces?.[0]) return false;
    r.networkInterfaces[0].accessConfigs = [{ networkTier: "PREMIUM" }];
    return true;
  }),
  m("public ip", "add an external IPv6 (access config)", (r) => {
    if (isBastion(r, "labels") || !r.networkInterfaces?.[0]) return false;
    r.networkInterfaces[0].ipv6AccessConfigs = [{ networkTier: "PREMIUM" }];
    return true;
  }),
  m("unknown", "make the access configs unknown", (r) => {
    if (isBastion(r, "labels") || !r.networkInterfaces?.[0]) return false;
    r.networkInterfaces[0].accessConfigs = UNKNOWN;
    return true;
  }),
  disksOf === "bootDisk"
    ? m("encryption", "drop the boot disk's customer key", (r) => {
        if (r.bootDisk?.source || !r.bootDisk?.kmsKeySelfLink) return false;
        delete r.bootDisk.kmsKeySelfLink;
        return true;
      })
    : m("encryption", "drop the template disk's customer key", (r) => {
        if (!r.disks?.[0]?.diskEncryptionKey) return false;
        delete r.disks[0].diskEncryptionKey;
        return true;
      }),
  disksOf === "bootDisk"
    ? m("unknown", "make the boot disk's key unknown", (r) => {
        if (r.bootDisk?.source || !r.bootDisk?.kmsKeySelfLink) return false;
        r.bootDisk.kmsKeySelfLink = UNKNOWN;
        return true;
      })
    : m("unknown", "make the template disk's key unknown", (r) => {
        if (!r.disks?.[0]?.diskEncryptionKey) return false;
        r.disks[0].diskEncryptionKey.kmsKeySelfLink = UNKNOWN;
        return true;
      }),
  m("tag", `drop the ${TAG} network tag`, (r) => {
    if (!r.tags) return false;
    r.tags = r.tags.filter((t: string) => t !== TAG);
    return true;
  }),
  ...tagMutations("labels"),
];

/** Drop a key property, and make it unknown: the two ways a customer key goes missing. */
function keyMutations(label: string, get: (r: Inputs) => Inputs | undefined, field: string): Mutation[] {
  return [
    m("encryption", `drop the ${label}`, (r) => {
      const holder = get(r);
      if (!holder?.[field]) return false;
      delete holder[field];
      return true;
    }),
    m("unknown", `make the ${label} unknown`, (r) => {
      const holder = get(r);
      if (!holder?.[field]) return false;
      holder[field] = UNKNOWN;
      return true;
    }),
  ];
}
const self = (r: Inputs): Inputs => r;
/** AWS storage with an `encrypted`-style flag and a key: switch encryption off, drop or hide the key. */
const awsEncrypted = (flag: string, keyField: string, off: unknown = false): Mutation[] => [
  m("encryption", `set ${flag} off`, (r) => void (r[flag] = off)),
  ...keyMutations(keyField, self, keyField),
];
/** A database firewall rule: admit every Azure service, the world, or an unknown range. */
const azureFirewall: Mutation[] = [
  m("public ingress", "admit every Azure service", (r) => void Object.assign(r, { startIpAddress: "0.0.0.0", endIpAddress: "0.0.0.0" })),
  m(
    "public ingress",
    "admit the whole internet",
    (r) => void Object.assign(r, { startIpAddress: "0.0.0.0", endIpAddress: "255.255.255.255" }),
  ),
  m(
    "public ingress",
    "admit a stranger's network",
    (r) => void Object.assign(r, { startIpAddress: "198.51.100.0", endIpAddress: "198.51.100.255" }),
  ),
  m("unknown", "make the range's end unknown", (r) => void (r.endIpAddress = UNKNOWN)),
];
const flexibleServer: Mutation[] = [
  m("public ingress", "enable public network access outside a subnet", (r) => void (r.network = { publicNetworkAccess: "Enabled" })),
  m("encryption", "use a system-managed key", (r) => void (r.dataEncryption = { type: "SystemManaged" })),
  ...keyMutations("Key Vault key", (r) => r.dataEncryption, "primaryKeyURI"),
];

/** A firewall policy rule's match: open it to the world, to a stranger, or to an unknown range. */
const policyMatch = (r: Inputs, src: Inputs): void => {
  r.action = "allow";
  r.direction = "INGRESS";
  r.match = { layer4Configs: [{ ipProtocol: "tcp", ports: ["22"] }], ...src };
};
const firewallPolicyRule: Mutation[] = [
  m("public ingress", "open 22 to the world", (r) => policyMatch(r, { srcIpRanges: [WORLD_SSH_SOURCE] })),
  m("public ingress", "open 22 to a stranger's network", (r) => policyMatch(r, { srcIpRanges: [STRANGER] })),
  m("public ingress", "select internet hosts by region", (r) => policyMatch(r, { srcRegionCodes: ["US"] })),
  m("unknown", "make the source unknown", (r) => policyMatch(r, { srcIpRanges: [UNKNOWN] })),
];
const firewallPolicyWithRules: Mutation[] = [
  m("public ingress", "add a rule open to the world", (r) => {
    const rule: Inputs = { priority: 1 };
    policyMatch(rule, { srcIpRanges: [WORLD_SSH_SOURCE] });
    r.rules = [...(r.rules ?? []), rule];
  }),
  m("unknown", "add a rule with an unknown source", (r) => {
    const rule: Inputs = { priority: 1 };
    policyMatch(rule, { srcIpRanges: [UNKNOWN] });
    r.rules = [...(r.rules ?? []), rule];
  }),
];

export const MUTATIONS: Readonly<Record<string, readonly Mutation[]>> = {
  "aws:ec2/securityGroup:SecurityGroup": [
    m(
      "public ingress",
      "open 22 to the world",
      awsSgIngress({ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: [WORLD_SSH_SOURCE] }),
    ),
    m(
      "public ingress",
      "open all ports to the world (IPv6)",
      awsSgIngress({ protocol: "-1", fromPort: 0, toPort: 0, ipv6CidrBlocks: ["::/0"] }),
    ),
    m(
      "public ingress",
      "open 22 to a stranger's network",
      awsSgIngress({ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: [STRANGER] }),
    ),
    m(
      "unknown",
      "add an ingress with an unknown source",
      awsSgIngress({ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: [UNKNOWN] }),
    ),
  ],
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": [
    m("public ingress", "open 22 to the world", vpcIngress({ ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: WORLD_SSH_SOURCE })),
    m(
      "public ingress",
      "open all ports to the world",
      vpcIngress({ ipProtocol: "-1", fromPort: undefined, toPort: undefined, cidrIpv4: WORLD_SSH_SOURCE }),
    ),
    m("public ingress", "open 22 to a stranger's network", vpcIngress({ cidrIpv4: STRANGER })),
    m("unknown", "make the source unknown", vpcIngress({ cidrIpv4: UNKNOWN })),
  ],
  "aws:ec2/securityGroupRule:SecurityGroupRule": [
    m(
      "public ingress",
      "open 22 to the world",
      (r) => void Object.assign(r, { type: "ingress", protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: [WORLD_SSH_SOURCE] }),
    ),
    m("unknown", "make the rule type unknown", (r) => void (r.type = UNKNOWN)),
  ],
  "aws:ec2/instance:Instance": [
    m("public ip", "add a public IP", (r) => (isBastion(r) ? false : void (r.associatePublicIpAddress = true))),
    m("unknown", "make the public-IP flag unknown", (r) => (isBastion(r) ? false : void (r.associatePublicIpAddress = UNKNOWN))),
    m("encryption", "drop root volume encryption", (r) => (r.rootBlockDevice ? void (r.rootBlockDevice.encrypted = false) : false)),
    m("encryption", "drop the root volume's customer key", (r) =>
      r.rootBlockDevice?.kmsKeyId ? void delete r.rootBlockDevice.kmsKeyId : false,
    ),
    m("encryption", "drop the root volume declaration", (r) => void delete r.rootBlockDevice),
    m("unknown", "make the root volume key unknown", (r) => (r.rootBlockDevice ? void (r.rootBlockDevice.kmsKeyId = UNKNOWN) : false)),
    ...tagMutations("tags"),
  ],
  "aws:ec2/launchTemplate:LaunchTemplate": [
    m("public ip", "add a public IP", (r) => {
      if (isBastion(r)) return false;
      r.networkInterfaces = [{ ...(r.networkInterfaces?.[0] ?? {}), associatePublicIpAddress: "true" }];
      return true;
    }),
    m("encryption", "drop EBS encryption", (r) => {
      const ebs = r.blockDeviceMappings?.find((b: Inputs) => b.ebs)?.ebs;
      if (!ebs) return false;
      ebs.encrypted = "false";
      return true;
    }),
    m("encryption", "drop the EBS customer key", (r) => {
      const ebs = r.blockDeviceMappings?.find((b: Inputs) => b.ebs)?.ebs;
      if (!ebs?.kmsKeyId) return false;
      delete ebs.kmsKeyId;
      return true;
    }),
    m("unknown", "make the EBS key unknown", (r) => {
      const ebs = r.blockDeviceMappings?.find((b: Inputs) => b.ebs)?.ebs;
      if (!ebs) return false;
      ebs.kmsKeyId = UNKNOWN;
      return true;
    }),
    m("tag", "drop the tag from launched instances", (r) => {
      const spec = r.tagSpecifications?.find((s: Inputs) => s.resourceType === "instance");
      if (!spec?.tags) return false;
      delete spec.tags[TAG];
      return true;
    }),
    ...tagMutations("tags"),
  ],
  "aws:ec2/subnet:Subnet": [
    m("public ip", "map public IPs on launch", (r) => (isBastion(r) ? false : void (r.mapPublicIpOnLaunch = true))),
    m("unknown", "make the public-IP mapping unknown", (r) => (isBastion(r) ? false : void (r.mapPublicIpOnLaunch = UNKNOWN))),
  ],
  "aws:ec2/eip:Eip": [m("public ip", "attach the address to a node", (r) => (isBastion(r) ? false : void (r.instance = "i-node")))],
  "aws:ebs/volume:Volume": [
    m("encryption", "drop encryption", (r) => void (r.encrypted = false)),
    m("encryption", "drop the customer key", (r) => (r.kmsKeyId ? void delete r.kmsKeyId : false)),
    m("unknown", "make the key unknown", (r) => void (r.kmsKeyId = UNKNOWN)),
    ...tagMutations("tags"),
  ],
  "aws:autoscaling/group:Group": [
    m("tag", "drop the tag", (r) => void (r.tags = (r.tags ?? []).filter((t: Inputs) => t.key !== TAG))),
    m("tag", "stop propagating the tag", (r) => {
      const tag = r.tags?.find((t: Inputs) => t.key === TAG);
      if (!tag) return false;
      tag.propagateAtLaunch = false;
      return true;
    }),
    m("unknown", "make the tag value unknown", (r) => {
      const tag = r.tags?.find((t: Inputs) => t.key === TAG);
      if (!tag) return false;
      tag.value = UNKNOWN;
      return true;
    }),
  ],
  "gcp:compute/firewall:Firewall": [
    m("public ingress", "open 22 to the world", gcpFirewall([{ protocol: "tcp", ports: ["22"] }], { sourceRanges: [WORLD_SSH_SOURCE] })),
    m("public ingress", "open all ports to the world (IPv6)", gcpFirewall([{ protocol: "all" }], { sourceRanges: ["::/0"] })),
    m("public ingress", "drop every source (GCP then means 0.0.0.0/0)", gcpFirewall([{ protocol: "tcp", ports: ["22"] }], {})),
    m("public ingress", "open 22 to a stranger's network", gcpFirewall([{ protocol: "tcp", ports: ["22"] }], { sourceRanges: [STRANGER] })),
    m("unknown", "make the source unknown", gcpFirewall([{ protocol: "tcp", ports: ["22"] }], { sourceRanges: [UNKNOWN] })),
  ],
  "gcp:compute/instance:Instance": gcpMachine("bootDisk"),
  "gcp:compute/instanceTemplate:InstanceTemplate": gcpMachine("disks"),
  "gcp:compute/regionInstanceTemplate:RegionInstanceTemplate": gcpMachine("disks"),
  "gcp:compute/disk:Disk": [
    m("encryption", "drop the customer key", (r) => void delete r.diskEncryptionKey),
    m("unknown", "make the key unknown", (r) => void (r.diskEncryptionKey = { kmsKeySelfLink: UNKNOWN })),
    ...tagMutations("labels"),
  ],
  "gcp:storage/bucket:Bucket": [m("encryption", "drop the default KMS key", (r) => void delete r.encryption), ...tagMutations("labels")],
  "azure-native:network:NetworkSecurityGroup": [
    m(
      "public ingress",
      "open 22 to the world",
      (r) => void (r.securityRules = [azureRule({ sourceAddressPrefix: "*" }), ...(r.securityRules ?? [])]),
    ),
    m(
      "public ingress",
      "open all ports to Internet",
      (r) =>
        void (r.securityRules = [
          azureRule({ sourceAddressPrefix: "Internet", protocol: "*", destinationPortRange: "*" }),
          ...(r.securityRules ?? []),
        ]),
    ),
    m(
      "public ingress",
      "open 22 to 0.0.0.0/0 in sourceAddressPrefixes",
      (r) => void (r.securityRules = [azureRule({ sourceAddressPrefixes: ["10.0.0.0/16", WORLD_SSH_SOURCE] }), ...(r.securityRules ?? [])]),
    ),
    m(
      "public ingress",
      "open 22 to a stranger's network",
      (r) => void (r.securityRules = [azureRule({ sourceAddressPrefix: STRANGER }), ...(r.securityRules ?? [])]),
    ),
    m(
      "unknown",
      "add a rule with an unknown source",
      (r) => void (r.securityRules = [azureRule({ sourceAddressPrefix: UNKNOWN }), ...(r.securityRules ?? [])]),
    ),
  ],
  "azure-native:network:SecurityRule": [
    m("public ingress", "open 22 to the world", (r) => void Object.assign(r, azureRule({ sourceAddressPrefix: "*" }))),
    m("unknown", "make the source unknown", (r) => void Object.assign(r, azureRule({ sourceAddressPrefix: UNKNOWN }))),
  ],
  "azure-native:network:NetworkInterface": [
    m("public ip", "attach a public IP", (r) =>
      isBastion(r) || !r.ipConfigurations?.[0] ? false : void (r.ipConfigurations[0].publicIPAddress = { id: "pip" }),
    ),
    m("unknown", "make the public IP unknown", (r) =>
      isBastion(r) || !r.ipConfigurations?.[0] ? false : void (r.ipConfigurations[0].publicIPAddress = UNKNOWN),
    ),
  ],
  "azure-native:compute:VirtualMachine": azureMachine(
    (r) => r,
    (r) => (r.networkProfile ??= {}),
  ),
  "azure-native:compute:VirtualMachineScaleSet": azureMachine(
    (r) => r.virtualMachineProfile,
    (r) => ((r.virtualMachineProfile ??= {}).networkProfile ??= {}),
  ),
  "azure-native:compute:Disk": [
    m("encryption", "drop the disk encryption set", (r) => void delete r.encryption),
    m(
      "unknown",
      "make the disk encryption set unknown",
      (r) => void (r.encryption = { ...(r.encryption ?? {}), diskEncryptionSetId: UNKNOWN }),
    ),
    ...tagMutations("tags"),
  ],
  "azure-native:storage:StorageAccount": [
    m("encryption", "allow plain HTTP", (r) => void (r.enableHttpsTrafficOnly = false)),
    m("encryption", "allow TLS 1.0", (r) => void (r.minimumTlsVersion = "TLS1_0")),
    m("public ingress", "allow public blob access", (r) => void (r.allowBlobPublicAccess = true)),
    m("encryption", "drop the customer key", (r) => void delete r.encryption),
    m("unknown", "make the TLS version unknown", (r) => void (r.minimumTlsVersion = UNKNOWN)),
    ...tagMutations("tags"),
  ],
  "aws:s3/bucket:Bucket": [
    m("encryption", "set inline encryption to SSE-S3", (r) => {
      r.serverSideEncryptionConfiguration = { rule: { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } } };
    }),
    m("encryption", "suspend inline versioning", (r) => void (r.versioning = { enabled: false })),
    ...tagMutations("tags"),
  ],
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": [
    m("encryption", "switch to SSE-S3", (r) => void (r.rules = [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }])),
    m("encryption", "drop the customer key", (r) => {
      const defaults = r.rules?.[0]?.applyServerSideEncryptionByDefault;
      if (!defaults?.kmsMasterKeyId) return false;
      delete defaults.kmsMasterKeyId;
      return true;
    }),
    m("unknown", "make the customer key unknown", (r) => {
      const defaults = r.rules?.[0]?.applyServerSideEncryptionByDefault;
      if (!defaults) return false;
      defaults.kmsMasterKeyId = UNKNOWN;
      return true;
    }),
  ],
  "aws:s3/bucketVersioning:BucketVersioning": [
    m("encryption", "suspend versioning", (r) => void (r.versioningConfiguration = { status: "Suspended" })),
    m("unknown", "make the versioning status unknown", (r) => void (r.versioningConfiguration = { status: UNKNOWN })),
  ],
  "aws:s3/bucketV2:BucketV2": [
    m("encryption", "add inline SSE-S3 encryption", (r) => {
      r.serverSideEncryptionConfigurations = [{ rules: [{ applyServerSideEncryptionByDefaults: [{ sseAlgorithm: "AES256" }] }] }];
    }),
    m("encryption", "add suspended inline versioning", (r) => void (r.versionings = [{ enabled: false }])),
    ...tagMutations("tags"),
  ],
  "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2": [
    m("encryption", "switch to SSE-S3", (r) => void (r.rules = [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }])),
    m(
      "unknown",
      "make the customer key unknown",
      (r) => void (r.rules = [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: UNKNOWN } }]),
    ),
  ],
  "aws:s3/bucketVersioningV2:BucketVersioningV2": [
    m("encryption", "suspend versioning", (r) => void (r.versioningConfiguration = { status: "Suspended" })),
  ],
  "gcp:compute/firewallPolicyRule:FirewallPolicyRule": firewallPolicyRule,
  "gcp:compute/networkFirewallPolicyRule:NetworkFirewallPolicyRule": firewallPolicyRule,
  "gcp:compute/regionNetworkFirewallPolicyRule:RegionNetworkFirewallPolicyRule": firewallPolicyRule,
  "gcp:compute/firewallPolicyWithRules:FirewallPolicyWithRules": firewallPolicyWithRules,
  "gcp:compute/networkFirewallPolicyWithRules:NetworkFirewallPolicyWithRules": firewallPolicyWithRules,
  "gcp:compute/regionNetworkFirewallPolicyWithRules:RegionNetworkFirewallPolicyWithRules": firewallPolicyWithRules,
  "gcp:compute/regionDisk:RegionDisk": [
    ...keyMutations("customer key", (r) => r.diskEncryptionKey, "kmsKeyName"),
    ...tagMutations("labels"),
  ],
  // Resources the pool does not create, planned from test/fixtures/policy/corpus-program.ts.
  "aws:lb/loadBalancer:LoadBalancer": [
    m("public ingress", "make it internet-facing", (r) => void (r.internal = false)),
    m("public ingress", "leave the scheme to its internet-facing default", (r) => void delete r.internal),
    m("unknown", "make the scheme unknown", (r) => void (r.internal = UNKNOWN)),
  ],
  "aws:alb/loadBalancer:LoadBalancer": [m("public ingress", "make it internet-facing", (r) => void (r.internal = false))],
  "aws:elb/loadBalancer:LoadBalancer": [m("public ingress", "make it internet-facing", (r) => void delete r.internal)],
  "aws:rds/instance:Instance": [
    m("public ingress", "make it publicly accessible", (r) => void (r.publiclyAccessible = true)),
    m("unknown", "make public accessibility unknown", (r) => void (r.publiclyAccessible = UNKNOWN)),
    ...awsEncrypted("storageEncrypted", "kmsKeyId"),
  ],
  "aws:rds/clusterInstance:ClusterInstance": [
    m("public ingress", "make it publicly accessible", (r) => void (r.publiclyAccessible = true)),
  ],
  "aws:rds/cluster:Cluster": awsEncrypted("storageEncrypted", "kmsKeyId"),
  "aws:rds/globalCluster:GlobalCluster": [m("encryption", "set storageEncrypted off", (r) => void (r.storageEncrypted = false))],
  "aws:docdb/cluster:Cluster": awsEncrypted("storageEncrypted", "kmsKeyId"),
  "aws:neptune/cluster:Cluster": awsEncrypted("storageEncrypted", "kmsKeyArn"),
  "aws:redshift/cluster:Cluster": [
    m("public ingress", "make it publicly accessible", (r) => void (r.publiclyAccessible = true)),
    ...awsEncrypted("encrypted", "kmsKeyId", "false"),
  ],
  "aws:dynamodb/table:Table": [
    m("encryption", "fall back to the AWS-owned key", (r) => void delete r.serverSideEncryption),
    ...keyMutations("customer key", (r) => r.serverSideEncryption, "kmsKeyArn"),
  ],
  "aws:efs/fileSystem:FileSystem": awsEncrypted("encrypted", "kmsKeyId"),
  "aws:sqs/queue:Queue": [
    m("encryption", "switch to the AWS-managed SQS key", (r) => void (r.kmsMasterKeyId = "alias/aws/sqs")),
    ...keyMutations("customer key", self, "kmsMasterKeyId"),
  ],
  "aws:elasticache/replicationGroup:ReplicationGroup": awsEncrypted("atRestEncryptionEnabled", "kmsKeyId"),
  "aws:elasticache/cluster:Cluster": [
    m("encryption", "make it a standalone Redis cluster", (r) => void (delete r.replicationGroupId, (r.engine = "redis"))),
  ],
  "aws:elasticache/serverlessCache:ServerlessCache": keyMutations("customer key", self, "kmsKeyId"),
  "aws:memorydb/cluster:Cluster": keyMutations("customer key", self, "kmsKeyArn"),
  "aws:ebs/snapshotCopy:SnapshotCopy": awsEncrypted("encrypted", "kmsKeyId"),
  "aws:ebs/snapshotImport:SnapshotImport": awsEncrypted("encrypted", "kmsKeyId"),
  "aws:ec2/amiCopy:AmiCopy": awsEncrypted("encrypted", "kmsKeyId"),
  "aws:ec2/ami:Ami": [
    m("encryption", "register an unencrypted snapshot", (r) => {
      if (!r.ebsBlockDevices?.[0]) return false;
      r.ebsBlockDevices[0].encrypted = false;
      return true;
    }),
  ],
  "gcp:compute/forwardingRule:ForwardingRule": [
    m("public ingress", "make it external", (r) => void (r.loadBalancingScheme = "EXTERNAL")),
    m("public ingress", "leave the scheme to its EXTERNAL default", (r) => void delete r.loadBalancingScheme),
    m("unknown", "make the scheme unknown", (r) => void (r.loadBalancingScheme = UNKNOWN)),
  ],
  "gcp:compute/globalForwardingRule:GlobalForwardingRule": [
    m("public ingress", "make it external managed", (r) => void (r.loadBalancingScheme = "EXTERNAL_MANAGED")),
  ],
  "gcp:sql/databaseInstance:DatabaseInstance": [
    m("public ingress", "give it a public IP", (r) => void ((r.settings ??= {}).ipConfiguration = { ipv4Enabled: true })),
    m("public ingress", "leave the public IP to its default", (r) => void delete r.settings?.ipConfiguration),
    ...keyMutations("customer key", self, "encryptionKeyName"),
  ],
  "gcp:alloydb/cluster:Cluster": keyMutations("customer key", (r) => r.encryptionConfig, "kmsKeyName"),
  "gcp:alloydb/instance:Instance": [m("public ip", "enable a public IP", (r) => void (r.networkConfig = { enablePublicIp: true }))],
  "gcp:filestore/instance:Instance": keyMutations("customer key", self, "kmsKeyName"),
  "gcp:redis/instance:Instance": keyMutations("customer key", self, "customerManagedKey"),
  "gcp:redis/cluster:Cluster": keyMutations("customer key", self, "kmsKey"),
  "gcp:pubsub/topic:Topic": keyMutations("customer key", self, "kmsKeyName"),
  "gcp:compute/snapshot:Snapshot": keyMutations("customer key", (r) => r.snapshotEncryptionKey, "kmsKeySelfLink"),
  "gcp:compute/image:Image": keyMutations("customer key", (r) => r.imageEncryptionKey, "kmsKeySelfLink"),
  "gcp:compute/machineImage:MachineImage": keyMutations("customer key", (r) => r.machineImageEncryptionKey, "kmsKeyName"),
  "azure-native:network:LoadBalancer": [
    m("public ip", "give a frontend a public IP", (r) => {
      if (!r.frontendIPConfigurations?.[0]) return false;
      r.frontendIPConfigurations[0].publicIPAddress = { id: "pip" };
      return true;
    }),
    m("unknown", "give a frontend a public IP not known yet", (r) => {
      if (!r.frontendIPConfigurations?.[0]) return false;
      r.frontendIPConfigurations[0].publicIPAddress = UNKNOWN;
      return true;
    }),
  ],
  "azure-native:network:ApplicationGateway": [
    m("public ip", "give a frontend a public IP", (r) => {
      if (!r.frontendIPConfigurations?.[0]) return false;
      r.frontendIPConfigurations[0].publicIPAddress = { id: "pip" };
      return true;
    }),
  ],
  "azure-native:sql:Server": [
    m("public ingress", "enable public network access", (r) => void (r.publicNetworkAccess = "Enabled")),
    m("unknown", "make public network access unknown", (r) => void (r.publicNetworkAccess = UNKNOWN)),
    ...keyMutations("customer key", self, "keyId"),
  ],
  "azure-native:sql:FirewallRule": azureFirewall,
  "azure-native:sql:TransparentDataEncryption": [m("encryption", "switch TDE off", (r) => void (r.state = "Disabled"))],
  "azure-native:dbforpostgresql:Server": flexibleServer,
  "azure-native:dbforpostgresql:FirewallRule": azureFirewall,
  "azure-native:dbformysql:Server": flexibleServer,
  "azure-native:dbformysql:FirewallRule": azureFirewall,
  "azure-native:redis:Redis": [
    m("public ingress", "enable public network access", (r) => void (r.publicNetworkAccess = "Enabled")),
    m("public ingress", "open the non-TLS port", (r) => void (r.enableNonSslPort = true)),
    m("unknown", "make public network access unknown", (r) => void (r.publicNetworkAccess = UNKNOWN)),
  ],
  "azure-native:servicebus:Namespace": [
    m("public ingress", "enable public network access", (r) => void (r.publicNetworkAccess = "Enabled")),
    m("encryption", "use a Microsoft-managed key", (r) => void delete r.encryption),
    ...keyMutations("Key Vault key", (r) => r.encryption?.keyVaultProperties?.[0], "keyName"),
  ],
  "azure-native:compute:Snapshot": keyMutations("disk encryption set", (r) => r.encryption, "diskEncryptionSetId"),
  "azure-native:compute:Image": keyMutations("OS disk's encryption set", (r) => r.storageProfile?.osDisk?.diskEncryptionSet, "id"),
  "azure-native:compute:GalleryImageVersion": keyMutations(
    "region's encryption set",
    (r) => r.publishingProfile?.targetRegions?.[0]?.encryption?.osDiskImage,
    "diskEncryptionSetId",
  ),
  "azure-native:storage:BlobContainer": [
    m("public ingress", "allow anonymous container access", (r) => void (r.publicAccess = "Container")),
    m("public ingress", "allow anonymous blob access", (r) => void (r.publicAccess = "Blob")),
    m("unknown", "make public access unknown", (r) => void (r.publicAccess = UNKNOWN)),
  ],
};
