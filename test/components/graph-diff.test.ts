/**
 * The day-2 diff on small plans: each rule the engine applies on the next
 * `pulumi up` — create, delete, ignoreChanges, replaceOnChanges, a provider's
 * force-new property, a replacement renewing the ids others were built from —
 * and what becomes of data-bearing resources. Then the CLI on a real stack.
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { dataLosses, diffPlans, type ResourceChange } from "../../infra/plan/diff";
import { parseAssignment, parseDiffArgs, DiffUsageError } from "../../infra/plan/diff-cli";
import { REPO_ROOT } from "../../infra/plan/stack-config";
import { DEFAULT_OPTIONS, UNKNOWN, type Plan, type PlannedOptions, type PlannedResource } from "../../infra/plan/types";

function res(
  type: string,
  name: string,
  inputs: Record<string, unknown>,
  more: { deps?: Record<string, string[]>; options?: Partial<PlannedOptions> } = {},
): PlannedResource {
  const props = more.deps ?? {};
  return {
    urn: `urn:pulumi:t::p::${type}::${name}`,
    type,
    name,
    custom: true,
    inputs,
    dependencies: [...new Set(Object.values(props).flat())],
    propertyDependencies: props,
    options: { ...DEFAULT_OPTIONS, ...more.options },
  };
}
const plan = (...resources: PlannedResource[]): Plan => ({ stack: "t", cloud: "aws", resources, outputs: {} });
const byName = (changes: readonly ResourceChange[]): Record<string, string> => Object.fromEntries(changes.map((c) => [c.name, c.change]));

const VOLUME = "aws:ebs/volume:Volume";
const INSTANCE = "aws:ec2/instance:Instance";
const ATTACH = "aws:ec2/volumeAttachment:VolumeAttachment";
const urn = (type: string, name: string): string => `urn:pulumi:t::p::${type}::${name}`;

describe("diffPlans", () => {
  const disk = (inputs: Record<string, unknown>, options: Partial<PlannedOptions> = {}) =>
    res(VOLUME, "core-0-state", { availabilityZone: "us-east-1a", size: 50, type: "gp3", ...inputs }, { options });

  it("updates in place what the provider changes in place, and says which rule it read", () => {
    const [c] = diffPlans(plan(disk({})), plan(disk({ size: 100 })));
    expect(c).toMatchObject({ change: "update", paths: ["size"], unclassified: [], data: "state-disk" });
    expect(c.sources?.[0]).toContain("ebs_volume.go");
    expect(dataLosses([c])).toEqual([]);
  });

  it("replaces on a force-new property and counts a replaced state disk as lost", () => {
    const [c] = diffPlans(plan(disk({})), plan(disk({ availabilityZone: "us-east-1b" })));
    expect(c).toMatchObject({ change: "replace", forcedBy: ["availabilityZone (force-new)"], fate: "lost" });
    expect(dataLosses([c])).toEqual([c]);
  });

  it("knows a GCP bucket's locked retention policy: locking is an update, unlocking replaces the bucket", () => {
    const BUCKET = "gcp:storage/bucket:Bucket";
    const bucket = (isLocked: boolean, retentionPeriod = 31536000) =>
      res(BUCKET, "archive-bucket", { name: "logos-archive-x", location: "US-CENTRAL1", retentionPolicy: { retentionPeriod, isLocked } });
    const [lock] = diffPlans(plan(bucket(false)), plan(bucket(true)));
    expect(lock).toMatchObject({ change: "update", paths: ["retentionPolicy.isLocked"], unclassified: [] });
    const [longer] = diffPlans(plan(bucket(true)), plan(bucket(true, 63072000)));
    expect(longer).toMatchObject({ change: "update", unclassified: [] });
    const [unlock] = diffPlans(plan(bucket(true)), plan(bucket(false)));
    expect(unlock).toMatchObject({ change: "replace", paths: ["retentionPolicy.isLocked"] });
    expect(unlock.forcedBy[0]).toContain("a locked retention policy cannot be unlocked");
    expect(unlock.sources?.[0]).toContain("resource_storage_bucket.go");
  });

  it("still counts a retained disk that is replaced: the node gets a new, empty disk", () => {
    const [c] = diffPlans(
      plan(disk({}, { retainOnDelete: true })),
      plan(disk({ availabilityZone: "us-east-1b" }, { retainOnDelete: true })),
    );
    expect(c).toMatchObject({ change: "replace", fate: "kept" });
    expect(dataLosses([c])).toHaveLength(1);
  });

  it("does not count a protected disk: the engine refuses the up instead", () => {
    const [c] = diffPlans(plan(disk({}, { protect: true })), plan(disk({ availabilityZone: "us-east-1b" }, { protect: true })));
    expect(c).toMatchObject({ change: "replace", fate: "refused" });
    expect(dataLosses([c])).toEqual([]);
  });

  it("deletes what leaves the program; a retained disk is kept, a plain one lost", () => {
    const kept = diffPlans(plan(disk({}, { retainOnDelete: true })), plan());
    expect(kept).toMatchObject([{ change: "delete", fate: "kept" }]);
    expect(dataLosses(kept)).toEqual([]);
    const lost = diffPlans(plan(disk({})), plan());
    expect(dataLosses(lost).map((c) => c.name)).toEqual(["core-0-state"]);
  });

  it("creates what the program adds", () => {
    expect(byName(diffPlans(plan(), plan(disk({}))))).toEqual({ "core-0-state": "create" });
  });

  it("drops changes under ignoreChanges", () => {
    const vm = (ami: string) => res(INSTANCE, "core-0", { ami, instanceType: "c7i.2xlarge" }, { options: { ignoreChanges: ["ami"] } });
    expect(diffPlans(plan(vm("ami-1")), plan(vm("ami-2")))).toMatchObject([{ change: "unchanged", paths: [] }]);
  });

  it("replaces on replaceOnChanges, matching `[*]` against any index", () => {
    const run = (ref: string) =>
      res("command:remote:Command", "validate", { create: "x", triggers: ["a", ref] }, { options: { replaceOnChanges: ["triggers[*]"] } });
    expect(diffPlans(plan(run("r1")), plan(run("r2")))).toMatchObject([
      { change: "replace", forcedBy: ["triggers[1] (replaceOnChanges)"] },
    ]);
  });

  it("renews an input built from a replaced resource's id, even when both plans show the same placeholder", () => {
    const vmUrn = urn(INSTANCE, "core-0");
    const vm = (az: string) => res(INSTANCE, "core-0", { availabilityZone: az, instanceType: "c7i.2xlarge" });
    const attach = (instanceId: unknown) =>
      res(ATTACH, "core-0-state-attach", { deviceName: "/dev/sdf", instanceId, volumeId: "vol-1" }, { deps: { instanceId: [vmUrn] } });
    const before = plan(vm("us-east-1a"), attach("core-0-id"));
    const after = plan(vm("us-east-1b"), attach("core-0-id"));
    // In a first preview the attachment's instanceId is computed: unknown.
    const preview = plan(vm("us-east-1b"), attach(UNKNOWN));
    expect(byName(diffPlans(before, after, preview))).toEqual({ "core-0": "replace", "core-0-state-attach": "replace" });
    // The same inputs with the VM only updated keep the attachment as it is.
    const updated = plan(res(INSTANCE, "core-0", { availabilityZone: "us-east-1a", instanceType: "m7i.2xlarge" }), attach("core-0-id"));
    expect(byName(diffPlans(before, updated, plan(updated.resources[0], attach(UNKNOWN))))).toEqual({
      "core-0": "update",
      "core-0-state-attach": "unchanged",
    });
  });

  it("reads replaceOnChanges paths in Pulumi's syntax, quoted keys included", () => {
    const vm = (userData: string) =>
      res(
        "gcp:compute/instance:Instance",
        "bastion",
        { metadata: { "user-data": userData, "block-project-ssh-keys": "true" } },
        { options: { replaceOnChanges: ['metadata["user-data"]'] } },
      );
    expect(diffPlans(plan(vm("a")), plan(vm("b")))[0]).toMatchObject({
      change: "replace",
      forcedBy: ["metadata.user-data (replaceOnChanges)"],
    });
  });

  it("replaces an AWS instance on a user-data change only when userDataReplaceOnChange is set", () => {
    const vm = (userData: string, userDataReplaceOnChange: boolean) => res(INSTANCE, "bastion", { userData, userDataReplaceOnChange });
    expect(diffPlans(plan(vm("a", true)), plan(vm("b", true)))[0]).toMatchObject({
      change: "replace",
      forcedBy: ["userData (force-new on userDataReplaceOnChange set)"],
    });
    expect(diffPlans(plan(vm("a", false)), plan(vm("b", false)))[0]).toMatchObject({ change: "update", unclassified: [] });
  });

  it("replaces a GCP disk on a shrink only", () => {
    const gdisk = (size: number) => res("gcp:compute/disk:Disk", "core-0-state", { zone: "us-central1-a", size });
    expect(diffPlans(plan(gdisk(50)), plan(gdisk(100)))[0].change).toBe("update");
    expect(diffPlans(plan(gdisk(100)), plan(gdisk(50)))[0]).toMatchObject({ change: "replace" });
  });

  it("reports a changed input no provider rule covers instead of vouching for it", () => {
    const lt = (v: string) => res("aws:ec2/launchTemplate:LaunchTemplate", "burst", { imageId: v });
    expect(diffPlans(plan(lt("a")), plan(lt("b")))[0]).toMatchObject({ change: "update", unclassified: ["imageId"] });
  });
});

describe("--diff-config arguments", () => {
  it("parses values as YAML, list keys from a comma-separated list", () => {
    expect(parseAssignment("coreNodes=2")).toEqual(["coreNodes", 2]);
    expect(parseAssignment("operatorCidrs=198.51.100.0/24,192.0.2.0/24")).toEqual(["operatorCidrs", ["198.51.100.0/24", "192.0.2.0/24"]]);
    expect(parseAssignment("zones=[us-east-1c, us-east-1b]")).toEqual(["zones", ["us-east-1c", "us-east-1b"]]);
    expect(parseAssignment("repoRef=0123456789abcdef0123456789abcdef01234567")).toEqual([
      "repoRef",
      "0123456789abcdef0123456789abcdef01234567",
    ]);
  });

  it("names an unknown key and lists the known ones", () => {
    expect(() => parseAssignment("coreNode=2")).toThrow(
      /^--diff-config: logos-compute:coreNode is not a config key; keys: cloud, poolName, /,
    );
    expect(() => parseDiffArgs(["--diff-config", "coreNodes=2"])).toThrow(new DiffUsageError("a diff needs --stack <name>"));
  });
});

describe("plan CLI --diff-config", () => {
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, ["--import", "tsx", "infra/plan/cli.ts", ...args], { cwd: REPO_ROOT, encoding: "utf8", timeout: 240_000 });

  it("prints every changed resource with why, and what becomes of data-bearing resources", () => {
    const r = cli(
      "--stack",
      "aws-pilot",
      "--diff-config",
      "stateDiskGiB=80",
      "--diff-config",
      "repoRef=89abcdef0123456789abcdef0123456789abcdef",
    );
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('== aws-pilot: stateDiskGiB=80 repoRef="89abcdef0123456789abcdef0123456789abcdef"');
    expect(r.stdout).toMatch(/update {2}logos-core-0-state \(aws:ebs\/volume:Volume\) \[state-disk\]: size\n/);
    expect(r.stdout).toMatch(/replace logos-core-0-validate-run \(command:remote:Command\): triggers\[\d\] \(replaceOnChanges\)/);
    expect(r.stdout).toContain("Data-bearing resources: none deleted or replaced.");
    expect(r.stdout).toContain("aws:ebs/volume:Volume: hashicorp/terraform-provider-aws internal/service/ec2/ebs_volume.go");
  });

  it("refuses a bad key with the usage", () => {
    const r = cli("--stack", "aws-pilot", "--diff-config", "nope=1");
    expect(r.status).toBe(64);
    expect(r.stderr).toContain("--diff-config: logos-compute:nope is not a config key");
  });
});
