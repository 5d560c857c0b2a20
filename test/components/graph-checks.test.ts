/**
 * The graph checks themselves: each one fires on the defect it exists for,
 * and stays quiet on what is not a defect (names in tags, policy conditions,
 * a dependency through a parent).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { planStacks } from "../../infra/plan/engine";
import { DEFAULT_OPTIONS, type Plan, type PlannedOptions, type PlannedResource } from "../../infra/plan/types";
import {
  dataBearing,
  graphOf,
  orderingProblems,
  retentionProblems,
  stateDiskAttachmentProblems,
  unclassifiedTypeProblems,
  validationPathProblems,
} from "../helpers/graph";

const urnOf = (type: string, name: string): string => `urn:pulumi:t::p::${type}::${name}`;

function res(
  type: string,
  name: string,
  inputs: Record<string, unknown> = {},
  more: {
    deps?: PlannedResource[];
    parent?: PlannedResource;
    options?: Partial<PlannedOptions>;
    props?: Record<string, PlannedResource[]>;
  } = {},
): PlannedResource {
  return {
    urn: urnOf(type, name),
    type,
    name,
    ...(more.parent ? { parent: more.parent.urn } : {}),
    custom: !type.startsWith("logos:"),
    inputs,
    dependencies: (more.deps ?? []).map((d) => d.urn),
    propertyDependencies: Object.fromEntries(Object.entries(more.props ?? {}).map(([k, v]) => [k, v.map((d) => d.urn)])),
    options: { ...DEFAULT_OPTIONS, ...more.options },
  };
}

const planOf = (cloud: string, ...resources: PlannedResource[]): Plan => ({ stack: "t", cloud, resources, outputs: {} });

describe("orderingProblems", () => {
  const key = res("gcp:kms/cryptoKey:CryptoKey", "key", { name: "pool-disk-key" });
  const keyId = "projects/p/locations/us/keyRings/ring/cryptoKeys/pool-disk-key";

  it("reports a resource that names another by a built id without waiting for it", () => {
    const bucket = res("gcp:storage/bucket:Bucket", "bucket", { name: "b", encryption: { defaultKmsKeyName: keyId } });
    expect(orderingProblems(planOf("gcp", key, bucket))).toEqual([
      "gcp:storage/bucket:Bucket bucket names gcp:kms/cryptoKey:CryptoKey key (at encryption.defaultKmsKeyName) but does not wait for it: add it to dependsOn",
    ]);
  });

  it("accepts a dependency that is direct, transitive or inherited from the parent", () => {
    const alias = res("gcp:kms/other:Other", "between", {}, { deps: [key] });
    const direct = res("gcp:storage/bucket:Bucket", "direct", { name: "b1", k: keyId }, { deps: [key] });
    const transitive = res("gcp:storage/bucket:Bucket", "transitive", { name: "b2", k: keyId }, { deps: [alias] });
    const component = res("logos:compute:Thing", "component", {}, { deps: [key] });
    const child = res("gcp:storage/bucket:Bucket", "child", { name: "b3", k: keyId }, { parent: component });
    expect(orderingProblems(planOf("gcp", key, alias, direct, transitive, component, child))).toEqual([]);
  });

  it("ignores names in tags, labels, descriptions and policy conditions, and names inside longer names", () => {
    const policy = JSON.stringify({
      Statement: [
        { Effect: "Allow", Resource: "*", Condition: { ArnEquals: { "aws:SourceArn": `arn:aws:logs:x:1:log-group:pool-disk-key` } } },
      ],
    });
    const r = res("aws:kms/key:Key", "other", {
      tags: { owner: "pool-disk-key" },
      labels: { owner: "pool-disk-key" },
      description: "encrypts pool-disk-key",
      policy,
      name: "pool-disk-key-2",
    });
    expect(orderingProblems(planOf("aws", key, r))).toEqual([]);
  });

  it("reports a policy's principal, which the cloud resolves when the policy is written", () => {
    const role = res("aws:iam/role:Role", "role", { name: "pool-node-role" });
    const policy = JSON.stringify({
      Statement: [{ Effect: "Allow", Principal: { AWS: "arn:aws:iam::1:role/pool-node-role" }, Resource: "*" }],
    });
    const k = res("aws:kms/key:Key", "k", { policy });
    expect(orderingProblems(planOf("aws", role, k))).toEqual([
      "aws:kms/key:Key k names aws:iam/role:Role role (at policy.Statement[0].Principal.AWS) but does not wait for it: add it to dependsOn",
    ]);
  });

  it("says when the named resource is created after the one naming it", () => {
    const later = res("aws:s3/bucket:Bucket", "later", { bucket: "pool-audit" });
    const early = res("aws:kms/key:Key", "early", { policy: '{"Statement":[{"Resource":"arn:aws:s3:::pool-audit"}]}' });
    const laterDeps = { ...later, dependencies: [early.urn] };
    expect(orderingProblems(planOf("aws", early, laterDeps))).toEqual([
      "aws:kms/key:Key early names aws:s3/bucket:Bucket later (at policy.Statement[0].Resource), which is created after it: the two cannot be ordered",
    ]);
  });

  it("lets an IAM identity policy grant on a resource created after it (IAM never looks the named resource up)", () => {
    const later = res("aws:autoscaling/group:Group", "later", { name: "pool-burst" });
    const document = '{"Statement":[{"Resource":"arn:aws:autoscaling:r:1:autoScalingGroup:*:autoScalingGroupName/pool-burst"}]}';
    for (const type of ["aws:iam/rolePolicy:RolePolicy", "aws:iam/policy:Policy"]) {
      const grant = res(type, "grant", { policy: document });
      expect(orderingProblems(planOf("aws", grant, { ...later, dependencies: [grant.urn] })), type).toEqual([]);
    }
    // Anything else it names outside its document is still a reference: here the role it is attached to.
    const role = res("aws:iam/role:Role", "role", { name: "pool-node-role" });
    const attached = res("aws:iam/rolePolicy:RolePolicy", "attached", { role: "pool-node-role", policy: document });
    expect(orderingProblems(planOf("aws", role, attached, later))).toEqual([
      "aws:iam/rolePolicy:RolePolicy attached names aws:iam/role:Role role (at role) but does not wait for it: add it to dependsOn",
    ]);
  });

  it("does not take a name several resources share (a singleton's fixed `default`) for a reference", () => {
    const a = res("azure-native:storage:BlobServiceProperties", "svc", { blobServicesName: "default" });
    const b = res("azure-native:storage:BlobContainerImmutabilityPolicy", "imm", { immutabilityPolicyName: "default", x: "default" });
    expect(orderingProblems(planOf("azure", a, b))).toEqual([]);
  });
});

describe("dataBearing", () => {
  it("keeps a grant on kept key material to a service agent, not one to the pool's own identity", () => {
    const key = res("gcp:kms/cryptoKey:CryptoKey", "key", { name: "k" });
    const disk = res("gcp:compute/disk:Disk", "disk", { k: "projects/p/locations/l/keyRings/r/cryptoKeys/k" });
    const sa = res("gcp:serviceaccount/account:Account", "sa", { accountId: "pool-node" });
    const agent = res("gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember", "agent", {
      cryptoKeyId: "x/cryptoKeys/k",
      member: "serviceAccount:svc@gcp-sa",
    });
    const own = res("gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember", "own", {
      cryptoKeyId: "x/cryptoKeys/k",
      member: "serviceAccount:pool-node@p.iam.gserviceaccount.com",
    });
    const roles = dataBearing(graphOf(planOf("gcp", key, disk, sa, agent, own))).map((d) => `${d.role} ${d.resource.name}`);
    expect(roles.sort()).toEqual(["grant agent", "key key", "state-disk disk"]);
  });

  it("keeps the resource group a kept disk lives in (deleting the group deletes the disk)", () => {
    const rg = res("azure-native:resources:ResourceGroup", "rg", { resourceGroupName: "pool-rg" });
    const disk = res("azure-native:compute:Disk", "disk", { resourceGroupName: "x" }, { deps: [rg] });
    expect(retentionProblems(planOf("azure", rg, { ...disk, options: { ...disk.options, retainOnDelete: true } }))).toEqual([
      "azure-native:resources:ResourceGroup rg (container: holds disk) is deleted by pulumi destroy, or by an up that drops it: set retainOnDelete",
    ]);
  });
});

describe("checks on real plans", () => {
  const plans = new Map<string, Plan>();
  beforeAll(async () => {
    const stacks = ["aws-pool", "azure-pool"];
    const runs = await planStacks(stacks);
    runs.forEach((r, i) => {
      if (r instanceof Error) throw r;
      plans.set(stacks[i], r.plan);
    });
  }, 300_000);

  /** The plan with `edit` applied to each resource (a fresh copy). */
  const edited = (stack: string, edit: (r: PlannedResource) => PlannedResource): Plan => {
    const p = plans.get(stack)!;
    return { ...p, resources: p.resources.map((r) => edit(structuredClone(r))) };
  };

  it("validationPathProblems names each step that no longer waits for the bastion VM", () => {
    const plan = plans.get("azure-pool")!;
    const bastion = plan.resources.find((r) => r.type === "azure-native:compute:VirtualMachine" && r.name === "logos-bastion")!;
    expect(validationPathProblems(plan)).toEqual([]);
    const cut = edited("azure-pool", (r) => ({ ...r, dependencies: r.dependencies.filter((d) => d !== bastion.urn) }));
    expect(validationPathProblems(cut)).toEqual(
      ["0", "1", "2"].flatMap((i) =>
        ["copy", "run"].map(
          (s) => `logos-core-${i}-validate-${s} does not wait for the bastion VM: azure-native:compute:VirtualMachine logos-bastion`,
        ),
      ),
    );
  });

  it("retentionProblems is quiet once every data-bearing resource is kept, and names one that is not", () => {
    const plan = plans.get("aws-pool")!;
    const data = new Set(dataBearing(graphOf(plan)).map((d) => d.resource.urn));
    const keepAll = edited("aws-pool", (r) => (data.has(r.urn) ? { ...r, options: { ...r.options, retainOnDelete: true } } : r));
    expect(retentionProblems(keepAll)).toEqual([]);
    const oneLost = {
      ...keepAll,
      resources: keepAll.resources.map((r) =>
        r.name === "logos-archive-object-lock" ? { ...r, options: { ...r.options, retainOnDelete: false } } : r,
      ),
    };
    expect(retentionProblems(oneLost)).toEqual([
      "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration logos-archive-object-lock (archive-guard: keeps the archive private, versioned or locked) is deleted by pulumi destroy, or by an up that drops it: set retainOnDelete",
    ]);
  });

  it("stateDiskAttachmentProblems names a VM that would delete its state disk", () => {
    const plan = edited("azure-pool", (r) => {
      if (r.name !== "logos-core-1" || r.type !== "azure-native:compute:VirtualMachine") return r;
      const profile = r.inputs.storageProfile as { dataDisks: Array<Record<string, unknown>> };
      profile.dataDisks[0].deleteOption = "Delete";
      return r;
    });
    expect(stateDiskAttachmentProblems(plan)).toEqual([
      "azure-native:compute:VirtualMachine logos-core-1 deletes its data disks with the VM (deleteOption: Delete): use Detach",
    ]);
  });

  it("unclassifiedTypeProblems names a resource type nobody has decided on", () => {
    const plan = plans.get("aws-pool")!;
    const extra = res("aws:rds/instance:Instance", "db");
    expect(unclassifiedTypeProblems({ ...plan, resources: [...plan.resources, extra] })).toEqual([
      "aws:rds/instance:Instance is not classified: add it to infra/plan/data.ts as data-bearing or, with the reason, to NOT_DATA",
    ]);
  });
});
