/**
 * Lifecycle guarantees on the graph the engine receives, for every shipped
 * stack and for a variant of each with the longest pool name the spec allows
 * (20 characters, where name truncation and hashing kick in): creation order,
 * each node's validation path, and that no `pulumi up` or `pulumi destroy`
 * deletes the pool's history.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { planStacks } from "../../infra/plan/engine";
import type { Plan } from "../../infra/plan/types";
import {
  dataBearingList,
  orderingProblems,
  retentionProblems,
  stateDiskAttachmentProblems,
  unclassifiedTypeProblems,
  validationPathProblems,
} from "../helpers/graph";
import { SHIPPED_STACKS } from "../helpers/stacks";

/** 20 characters: the spec's longest pool name. */
const LONG_POOL_NAME = "logos-compute-pool-x";

const stacks = [...SHIPPED_STACKS];
const cases = [
  ...stacks.map((s) => ({ id: s, stack: s, overrides: {} })),
  ...stacks.map((s) => ({ id: `${s} poolName=${LONG_POOL_NAME}`, stack: s, overrides: { poolName: LONG_POOL_NAME } })),
];
const plans = new Map<string, Plan>();

beforeAll(async () => {
  const [plain, long] = await Promise.all([planStacks(stacks), planStacks(stacks, { overrides: { poolName: LONG_POOL_NAME } })]);
  stacks.forEach((s, i) => {
    for (const [id, r] of [
      [s, plain[i]],
      [`${s} poolName=${LONG_POOL_NAME}`, long[i]],
    ] as const) {
      if (r instanceof Error) throw r;
      plans.set(id, r.plan);
    }
  });
}, 300_000);

type Check = (plan: Plan) => string[];
const GUARANTEES: ReadonlyArray<{ readonly title: string; readonly check: Check }> = [
  { title: "waits for every resource it names by a preview-known reference", check: orderingProblems },
  { title: "runs each node's validation only after its whole path exists", check: validationPathProblems },
  { title: "keeps state disks, the archive, the keys and what keeps the archive readable and locked on destroy", check: retentionProblems },
  { title: "never deletes a state disk together with its VM", check: stateDiskAttachmentProblems },
  { title: "classifies every resource type as data-bearing or not", check: unclassifiedTypeProblems },
];

describe.each(cases)("$id", ({ id }) => {
  for (const g of GUARANTEES)
    it(g.title, () => {
      expect(g.check(plans.get(id)!)).toEqual([]);
    });
});

/**
 * What each cloud keeps, as a reviewer should see it: a new data-bearing
 * resource changes this list on purpose, never silently.
 */
const DATA_BEARING: Readonly<Record<string, readonly string[]>> = {
  "aws-pool": [
    "archive aws:s3/bucket:Bucket logos-archive-bucket",
    "archive-guard aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration logos-archive-object-lock",
    "archive-guard aws:s3/bucketOwnershipControls:BucketOwnershipControls logos-archive-ownership",
    "archive-guard aws:s3/bucketPolicy:BucketPolicy logos-archive-policy",
    "archive-guard aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock logos-archive-public-access",
    "archive-guard aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration logos-archive-encryption",
    "archive-guard aws:s3/bucketVersioning:BucketVersioning logos-archive-versioning",
    "key aws:kms/key:Key logos-key",
    "state-disk aws:ebs/volume:Volume logos-core-0-state",
    "state-disk aws:ebs/volume:Volume logos-core-1-state",
    "state-disk aws:ebs/volume:Volume logos-core-2-state",
  ],
  "gcp-pool": [
    "archive gcp:storage/bucket:Bucket logos-archive-bucket",
    "grant gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember logos-archive-key-gcs-agent",
    "grant gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember logos-key-compute-agent",
    "key gcp:kms/cryptoKey:CryptoKey logos-key",
    "key gcp:kms/keyRing:KeyRing logos-keyring",
    "state-disk gcp:compute/disk:Disk logos-core-0-state",
    "state-disk gcp:compute/disk:Disk logos-core-1-state",
    "state-disk gcp:compute/disk:Disk logos-core-2-state",
  ],
  "azure-pool": [
    "archive azure-native:storage:StorageAccount logos-archive-account",
    "archive-guard azure-native:storage:BlobContainer logos-archive-container",
    "archive-guard azure-native:storage:BlobContainerImmutabilityPolicy logos-archive-immutability",
    "archive-guard azure-native:storage:BlobServiceProperties logos-archive-blob-service",
    "container azure-native:resources:ResourceGroup logos-archive-rg",
    "container azure-native:resources:ResourceGroup logos-keys-rg",
    "container azure-native:resources:ResourceGroup logos-state-rg",
    "grant azure-native:authorization:RoleAssignment logos-archive-key-access",
    "grant azure-native:authorization:RoleAssignment logos-des-key-access",
    "identity azure-native:managedidentity:UserAssignedIdentity logos-archive-key-identity",
    "key azure-native:compute:DiskEncryptionSet logos-des",
    "key azure-native:keyvault:Key logos-disk-key",
    "key azure-native:keyvault:Vault logos-kv",
    "state-disk azure-native:compute:Disk logos-core-0-state",
    "state-disk azure-native:compute:Disk logos-core-1-state",
    "state-disk azure-native:compute:Disk logos-core-2-state",
  ],
};

describe("data-bearing resources per cloud", () => {
  it.each(Object.keys(DATA_BEARING))("%s", (stack) => {
    expect(dataBearingList(plans.get(stack)!)).toEqual(DATA_BEARING[stack]);
  });
});
