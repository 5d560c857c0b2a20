import type { PolicyPackArgs, ResourceValidationPolicy } from "@pulumi/policy";
import type { LogosRule } from "./lib/rule";
import { awsEbsVolumeEncrypted } from "./rules/aws-ebs-volume-encrypted";
import { awsEc2DisksEncrypted } from "./rules/aws-ec2-disks-encrypted";
import { awsEc2NoPublicIp } from "./rules/aws-ec2-no-public-ip";
import { awsEc2SgNoPublicIngress } from "./rules/aws-ec2-sg-no-public-ingress";
import { awsS3BucketKmsEncryption } from "./rules/aws-s3-bucket-kms-encryption";
import { awsS3BucketVersioning } from "./rules/aws-s3-bucket-versioning";
import { awsTaggingProofGated } from "./rules/aws-tagging-proof-gated";
import { azureComputeDiskEncrypted } from "./rules/azure-compute-disk-encrypted";
import { azureComputeNoPublicIp } from "./rules/azure-compute-no-public-ip";
import { azureComputeVmEncrypted } from "./rules/azure-compute-vm-encrypted";
import { azureNetworkNsgNoInternetIngress } from "./rules/azure-network-nsg-no-internet-ingress";
import { azureStorageAccountSecure } from "./rules/azure-storage-account-secure";
import { azureTaggingProofGated } from "./rules/azure-tagging-proof-gated";
import { gcpComputeDiskCmek } from "./rules/gcp-compute-disk-cmek";
import { gcpComputeFirewallNoPublicIngress } from "./rules/gcp-compute-firewall-no-public-ingress";
import { gcpComputeNoPublicIp } from "./rules/gcp-compute-no-public-ip";
import { gcpLabelsProofGated } from "./rules/gcp-labels-proof-gated";
import { gcpStorageBucketCmek } from "./rules/gcp-storage-bucket-cmek";
import { awsElbInternal } from "./rules/aws-elb-internal";
import { awsRdsNoPublicAccess } from "./rules/aws-rds-no-public-access";
import { awsRdsStorageEncrypted } from "./rules/aws-rds-storage-encrypted";
import { awsEfsFileSystemEncrypted } from "./rules/aws-efs-file-system-encrypted";
import { awsSqsQueueEncrypted } from "./rules/aws-sqs-queue-encrypted";
import { awsElasticacheEncrypted } from "./rules/aws-elasticache-encrypted";
import { awsDynamodbTableCmek } from "./rules/aws-dynamodb-table-cmek";
import { awsEbsSnapshotEncrypted } from "./rules/aws-ebs-snapshot-encrypted";
import { gcpComputeForwardingRuleInternal } from "./rules/gcp-compute-forwarding-rule-internal";
import { gcpSqlInstancePrivate } from "./rules/gcp-sql-instance-private";
import { gcpSqlInstanceCmek } from "./rules/gcp-sql-instance-cmek";
import { gcpFilestoreInstanceCmek } from "./rules/gcp-filestore-instance-cmek";
import { gcpRedisInstanceCmek } from "./rules/gcp-redis-instance-cmek";
import { gcpPubsubTopicCmek } from "./rules/gcp-pubsub-topic-cmek";
import { gcpComputeImageCmek } from "./rules/gcp-compute-image-cmek";
import { azureNetworkLbNoPublicFrontend } from "./rules/azure-network-lb-no-public-frontend";
import { azureDatabaseServerPrivate } from "./rules/azure-database-server-private";
import { azureDatabaseServerCmek } from "./rules/azure-database-server-cmek";
import { azureRedisCachePrivate } from "./rules/azure-redis-cache-private";
import { azureServicebusNamespaceSecure } from "./rules/azure-servicebus-namespace-secure";
import { azureComputeImageEncrypted } from "./rules/azure-compute-image-encrypted";
import { azureStorageContainerPrivate } from "./rules/azure-storage-container-private";

export type { LogosRule } from "./lib/rule";

export const PACK_NAME = "logos-compute-policies";

/** `<cloud>-<service>-<rule>`, lower-case words joined by hyphens. */
const RULE_NAME = /^(aws|gcp|azure)-[a-z0-9]+-[a-z0-9]+(-[a-z0-9]+)*$/;

/** The pack's rules, in registration order. Registration is explicit: no rule joins by being imported. */
export class RuleRegistry {
  private readonly byName = new Map<string, LogosRule>();
  /**
   * The list handed out by {@link rules}, built once per registration: the
   * evaluator caches its type index per list, so a fresh array per call would
   * rebuild that index for every resource evaluated.
   */
  private list: readonly LogosRule[] | undefined;

  register(rule: LogosRule): this {
    const problems: string[] = [];
    if (this.byName.has(rule.name)) problems.push(`rule name "${rule.name}" is already registered`);
    if (!RULE_NAME.test(rule.name)) problems.push(`name "${rule.name}" must match <cloud>-<service>-<rule>`);
    if (!rule.name.startsWith(`${rule.cloud}-`)) problems.push(`name "${rule.name}" must start with its cloud "${rule.cloud}-"`);
    if (rule.description.trim() === "") problems.push("description is empty");
    if (rule.remediation.trim() === "") problems.push("remediation is empty");
    if (rule.validateResource.length === 0) problems.push("validateResource is empty");
    for (const [key, schema] of Object.entries(rule.configSchema.properties)) {
      if (schema.default === undefined) problems.push(`config ${key} has no default`);
    }
    if (problems.length > 0) throw new Error(`cannot register ${rule.name}: ${problems.join("; ")}`);
    this.byName.set(rule.name, rule);
    this.list = undefined;
    return this;
  }

  get rules(): readonly LogosRule[] {
    this.list ??= Object.freeze([...this.byName.values()]);
    return this.list;
  }

  get(name: string): LogosRule | undefined {
    return this.byName.get(name);
  }
}

export const registry = new RuleRegistry()
  .register(awsEc2SgNoPublicIngress)
  .register(awsEc2NoPublicIp)
  .register(awsEbsVolumeEncrypted)
  .register(awsEc2DisksEncrypted)
  .register(awsS3BucketKmsEncryption)
  .register(awsS3BucketVersioning)
  .register(awsTaggingProofGated)
  .register(awsElbInternal)
  .register(awsRdsNoPublicAccess)
  .register(awsRdsStorageEncrypted)
  .register(awsEfsFileSystemEncrypted)
  .register(awsSqsQueueEncrypted)
  .register(awsElasticacheEncrypted)
  .register(awsDynamodbTableCmek)
  .register(awsEbsSnapshotEncrypted)
  .register(gcpComputeFirewallNoPublicIngress)
  .register(gcpComputeNoPublicIp)
  .register(gcpComputeDiskCmek)
  .register(gcpStorageBucketCmek)
  .register(gcpLabelsProofGated)
  .register(gcpComputeForwardingRuleInternal)
  .register(gcpSqlInstancePrivate)
  .register(gcpSqlInstanceCmek)
  .register(gcpFilestoreInstanceCmek)
  .register(gcpRedisInstanceCmek)
  .register(gcpPubsubTopicCmek)
  .register(gcpComputeImageCmek)
  .register(azureNetworkNsgNoInternetIngress)
  .register(azureComputeNoPublicIp)
  .register(azureComputeDiskEncrypted)
  .register(azureComputeVmEncrypted)
  .register(azureStorageAccountSecure)
  .register(azureTaggingProofGated)
  .register(azureNetworkLbNoPublicFrontend)
  .register(azureDatabaseServerPrivate)
  .register(azureDatabaseServerCmek)
  .register(azureRedisCachePrivate)
  .register(azureServicebusNamespaceSecure)
  .register(azureComputeImageEncrypted)
  .register(azureStorageContainerPrivate);

/** The CrossGuard view of a rule: only the fields the engine knows. */
export function toPolicy(rule: LogosRule): ResourceValidationPolicy {
  return {
    name: rule.name,
    description: rule.description,
    enforcementLevel: rule.enforcementLevel,
    severity: rule.severity,
    remediationSteps: rule.remediation,
    configSchema: rule.configSchema,
    tags: [rule.cloud],
    validateResource: [...rule.validateResource],
  };
}

export function packArgs(from: RuleRegistry = registry): PolicyPackArgs {
  return {
    description:
      "No public ingress (security rules, load balancers, databases, caches, queues), no public IPs on nodes, encrypted storage " +
      "(disks, buckets, databases, file systems, queues, caches, snapshots, images) and the proof-gated tag on AWS, GCP and Azure.",
    enforcementLevel: "mandatory",
    policies: from.rules.map(toPolicy),
  };
}
