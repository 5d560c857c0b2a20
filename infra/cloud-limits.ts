/**
 * Limits the clouds enforce, kept in one place so the spec refuses what a
 * cloud would refuse halfway through `pulumi up`, and so the spec and the
 * policy pack read the same bounds. Pure: no Pulumi imports.
 */
import type { Cloud } from "./clouds";

export interface TagLimits {
  /** Most user tags (GCP: labels) one resource may carry. */
  readonly maxPerResource: number;
  readonly maxKeyLength: number;
  readonly maxValueLength: number;
  /** Tags the pool (or the provider) puts on a resource itself; the rest is left for `logos-compute:tags`. */
  readonly reserved: number;
  readonly source: string;
}

/**
 * Per cloud. `reserved` counts the pool's own `logos-proof-gated`,
 * `logos-pool` and `logos-role` plus: AWS `Name`; Azure `logos-node`; GCP
 * the deployment label and the `goog-pulumi-provisioned` label the provider
 * adds when `gcp:addPulumiAttributionLabel` is on; and the `logos-validated`
 * tag a burst member sets on itself at run time (infra/node/member.ts), which
 * no plan shows (on Azure it takes the place of `logos-node`, which only
 * state disks carry). A stack-level test plans
 * every cloud with the most tags allowed and checks no resource exceeds its
 * cloud's limit, so a component that adds a tag must raise `reserved`.
 */
export const TAG_LIMITS: Readonly<Record<Cloud, TagLimits>> = {
  aws: {
    // Tags starting with `aws:` (set by AWS itself) do not count.
    maxPerResource: 50,
    maxKeyLength: 128,
    maxValueLength: 256,
    reserved: 5,
    source:
      "https://docs.aws.amazon.com/batch/latest/userguide/tag-restrictions.html (the same basic restrictions apply to EC2, S3, KMS, IAM)",
  },
  gcp: {
    maxPerResource: 64,
    maxKeyLength: 63,
    maxValueLength: 63,
    reserved: 6,
    source: "https://cloud.google.com/resource-manager/docs/labels-overview#requirements",
  },
  azure: {
    // Storage accounts allow tag names of 128 characters only; the portable rule below stays under that too.
    maxPerResource: 50,
    maxKeyLength: 512,
    maxValueLength: 256,
    reserved: 4,
    source: "https://learn.microsoft.com/en-us/azure/azure-resource-manager/management/tag-resources#limitations",
  },
};

/**
 * Tag keys and values follow GCP's label rules on every cloud, the strictest
 * of the three (lowercase letters, digits, `_` and `-`; keys start with a
 * letter; at most 63 characters), so one spec fits all three clouds.
 */
export const PORTABLE_TAG_KEY = /^[a-z][a-z0-9_-]{0,62}$/;
export const PORTABLE_TAG_VALUE = /^[a-z0-9_-]{0,63}$/;

/**
 * The widest operator range the bastion admits, as a prefix length. The spec
 * refuses wider `operatorCidrs`, and the policy pack's default
 * `minSourcePrefixLength` is this value, so what the spec accepts the pack
 * passes.
 */
export const OPERATOR_CIDR_MIN_PREFIX = 16;

/**
 * Private address space (RFC 1918) the pool network must lie in. All three
 * clouds recommend it for VPCs / VNets; a public range would hide those
 * internet addresses from the nodes, which reach the internet through NAT.
 * Carrier-grade NAT space (100.64.0.0/10) is left out: VPN clients such as
 * operators' own often use it, and a pool there could collide with them.
 */
export const PRIVATE_NETWORK_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"] as const;

/**
 * What a bucket name may not start with, though a pool name may: S3 refuses
 * `xn--`, `sthree-` and `amzn-s3-demo-`
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html),
 * Cloud Storage `goog` and any name containing `google`
 * (https://cloud.google.com/storage/docs/buckets#naming).
 */
export const BUCKET_NAME_REFUSED = /^(xn--|sthree-|amzn-s3-demo-|goog)|google/;

/** The pool name as the start of a bucket name, or `logos` when a storage API would refuse a name starting with it. */
export function bucketStem(poolName: string): string {
  return BUCKET_NAME_REFUSED.test(poolName) ? "logos" : poolName;
}
