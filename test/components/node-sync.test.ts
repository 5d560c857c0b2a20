/**
 * The core nodes' day-2 path, read from the offline plans of every shipped
 * stack: core user-data carries only first-boot essentials (no operator key,
 * no archive uploader, no monitoring configuration, no Coq pin), its changes
 * never reach a running core VM (ignoreChanges), and each node's sync step
 * carries what evolves, re-runs on a replaced node or a larger state disk,
 * runs before that node's validation and rolls in the validation's lanes.
 */
import { beforeAll, describe, expect, it } from "vitest";

import { COQ_PACKAGES } from "../../infra/bootstrap";
import { SYNC_SCRIPT_REMOTE_COPY, buildSyncCommand, readManifestText, type SyncManifest } from "../../infra/node/sync";
import { VALIDATION_RESULT_PATH } from "../../infra/node/validation";
import { diffPlans } from "../../infra/plan/diff";
import { planStacks } from "../../infra/plan/engine";
import type { Plan, PlannedResource } from "../../infra/plan/types";
import { PlanGraph } from "../../infra/plan/graph";
import { SHIPPED_STACKS } from "../helpers/stacks";

const OPERATOR_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHx0Yk2v3mJ1kQ0cT9w8aXbq0p1LmN2oP3qR4sT5uV6w operator@logos";
const plans = new Map<string, Plan>();

beforeAll(async () => {
  // With placeholders for what the cloud computes, so user-data and manifests read as the engine would send them.
  const runs = await planStacks([...SHIPPED_STACKS], { overrides: { sshPublicKey: OPERATOR_KEY }, computed: "placeholder" });
  runs.forEach((run, i) => {
    if (run instanceof Error) throw run;
    plans.set(SHIPPED_STACKS[i] as string, run.plan);
  });
}, 300_000);

const CORE_VM = /^logos-core-\d+$/;
const coreVms = (plan: Plan): PlannedResource[] =>
  plan.resources.filter((r) => CORE_VM.test(r.name) && r.custom && !r.type.startsWith("command:"));
const cloudOf = (stack: string): "aws" | "gcp" | "azure" => stack.split("-")[0] as "aws" | "gcp" | "azure";

/** Where each cloud's core VM carries its user-data, in Pulumi's path syntax. */
const USER_DATA_PATH = { aws: "userData", gcp: 'metadata["user-data"]', azure: "osProfile.customData" } as const;

function userDataOf(vm: PlannedResource, cloud: "aws" | "gcp" | "azure"): string {
  const inputs = vm.inputs as Record<string, any>;
  switch (cloud) {
    case "aws":
      return String(inputs.userData);
    case "gcp":
      return String(inputs.metadata["user-data"]);
    case "azure":
      return Buffer.from(String(inputs.osProfile.customData), "base64").toString("utf8");
  }
}

const byName = (plan: Plan, name: string): PlannedResource => {
  const r = plan.resources.find((x) => x.name === name);
  if (!r) throw new Error(`no ${name} in the plan`);
  return r;
};

describe.each([...SHIPPED_STACKS])("%s", (stack) => {
  const cloud = cloudOf(stack);

  it("core user-data carries first-boot essentials only: no operator key, uploader, monitoring, result appender or Coq pin", () => {
    const plan = plans.get(stack)!;
    const vms = coreVms(plan);
    expect(vms.length).toBeGreaterThan(0);
    for (const vm of vms) {
      const text = userDataOf(vm, cloud);
      expect(text).toContain("#cloud-config");
      expect(text).toContain("logos-state-disk");
      expect(text).not.toContain(OPERATOR_KEY.split(" ")[1]);
      expect(text).not.toMatch(/archive|cloudwatch|ops-agent|logos-validation-log|apt-mark/);
      for (const pkg of COQ_PACKAGES) expect(text).not.toContain(`${pkg}=`);
      if (cloud === "azure") {
        const keys = (vm.inputs as any).osProfile.linuxConfiguration.ssh.publicKeys as { keyData: string }[];
        expect(keys.map((k) => k.keyData)).not.toContain(OPERATOR_KEY);
        expect(keys).toHaveLength(1);
      }
    }
  });

  it("a change to core user-data never touches a running core VM (ignoreChanges), on any cloud", () => {
    const plan = plans.get(stack)!;
    for (const vm of coreVms(plan)) expect(vm.options.ignoreChanges).toContain(USER_DATA_PATH[cloud]);
    // A new version of the program writes other user-data: the diff the engine would act on has no core VM in it.
    const changed: Plan = {
      ...plan,
      resources: plan.resources.map((r) => {
        if (!coreVms(plan).includes(r)) return r;
        const inputs = structuredClone(r.inputs) as Record<string, any>;
        if (cloud === "aws") inputs.userData = `${inputs.userData}# new\n`;
        if (cloud === "gcp") inputs.metadata["user-data"] = `${inputs.metadata["user-data"]}# new\n`;
        if (cloud === "azure") {
          inputs.osProfile.customData = Buffer.from("#cloud-config\n# new\n").toString("base64");
          inputs.osProfile.linuxConfiguration.ssh.publicKeys = [{ path: "/home/x/.ssh/authorized_keys", keyData: OPERATOR_KEY }];
        }
        return { ...r, inputs };
      }),
    };
    const touched = diffPlans(plan, changed).filter((c) => CORE_VM.test(c.name) && c.change !== "unchanged");
    expect(touched.map((c) => `${c.change} ${c.name}: ${c.paths.join(", ")}`)).toEqual([]);
  });

  it("each node's sync step carries the keys and what evolves, and re-runs on a new node, manifest, script or disk size", () => {
    const plan = plans.get(stack)!;
    for (const vm of coreVms(plan)) {
      const run = byName(plan, `${vm.name}-sync-run`);
      expect(run.inputs.create).toBe(buildSyncCommand(SYNC_SCRIPT_REMOTE_COPY));
      const manifest = readManifestText(String(run.inputs.stdin)) as SyncManifest;
      expect(manifest.node).toBe(vm.name);
      expect(manifest.authorizedKeys[0]).toBe(OPERATOR_KEY);
      expect(manifest.authorizedKeys).toHaveLength(2);
      expect(manifest.packages.some((p) => p.startsWith("coq="))).toBe(true);
      expect(manifest.commands).toContainEqual(["apt-mark", "hold", ...COQ_PACKAGES]);
      expect(manifest.commands.some((c) => c.includes(VALIDATION_RESULT_PATH.replace(/\/last\.json$/, "")))).toBe(true);
      expect(manifest.files.some((f) => /archive/.test(f.path))).toBe(true);
      expect(manifest).toMatchObject({ stateDeviceFile: "/etc/logos/state-device" });
      const triggers = run.inputs.triggers as unknown[];
      expect(triggers).toHaveLength(4);
      // The node's id (a replaced node is synced again) and the state disk's size (a larger one is grown).
      expect(run.propertyDependencies.triggers ?? run.dependencies).toContain(vm.urn);
      const disk = byName(plan, `${vm.name}-state`).inputs as Record<string, unknown>;
      expect(triggers[3]).toBe(String(disk.size ?? disk.diskSizeGB));
    }
  });

  it("runs each node's sync before its validation, and both in the validation's lanes", () => {
    const plan = plans.get(stack)!;
    const g = new PlanGraph(plan);
    const vms = coreVms(plan);
    const waits = (from: string, to: string): boolean => g.waitsFor(byName(plan, from).urn, byName(plan, to).urn);
    for (const vm of vms) {
      expect(waits(`${vm.name}-validate-run`, `${vm.name}-sync-run`), `${vm.name}: validation waits for the sync`).toBe(true);
      expect(waits(`${vm.name}-validate-copy`, `${vm.name}-sync-run`), `${vm.name}: validation waits for the sync`).toBe(true);
      expect(waits(`${vm.name}-sync-copy`, vm.name), `${vm.name}: the sync waits for its VM`).toBe(true);
      expect(waits(`${vm.name}-sync-run`, `${vm.name}-state`), `${vm.name}: the sync waits for its (resized) state disk`).toBe(true);
    }
    if (vms.length > 1) {
      // rolloutBatchSize 1 on the 3-node pools: node 1's sync waits for node 0's sync and validation.
      expect(waits("logos-core-1-sync-copy", "logos-core-0-sync-run")).toBe(true);
      expect(waits("logos-core-1-sync-copy", "logos-core-0-validate-run")).toBe(true);
      expect(waits("logos-core-0-sync-copy", "logos-core-1-validate-run")).toBe(false);
    }
  });
});
