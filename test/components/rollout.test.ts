/**
 * Rolling out a new pinned commit, on the plan the SDK sends the engine: a
 * `repoRef` bump leaves every core VM's inputs untouched (its user-data,
 * metadata or customData would stop, fail or be ignored by a running VM) and
 * re-runs each node's validation, which checks the new commit out; the
 * validations are chained in lanes of `rolloutBatchSize`.
 */
import { describe, expect, it } from "vitest";

import { PlanError, planStacks, type PlanRun } from "../../infra/plan/engine";
import type { PlannedResource } from "../../infra/plan/types";

const OLD_REF = "1111111111111111111111111111111111111111";
const NEW_REF = "2222222222222222222222222222222222222222";
const CORE_VM: Record<string, string> = {
  aws: "aws:ec2/instance:Instance",
  gcp: "gcp:compute/instance:Instance",
  azure: "azure-native:compute:VirtualMachine",
};

function ok(run: PlanRun | PlanError): PlanRun {
  if (run instanceof PlanError) throw run;
  return run;
}

function byName(run: PlanRun, name: string): PlannedResource {
  const r = run.plan.resources.find((x) => x.name === name);
  if (!r) throw new Error(`no ${name} in the plan of ${run.plan.stack}`);
  return r;
}

/** The cloud-init text a core VM boots with: AWS user-data, GCP metadata `user-data`, Azure base64 customData. */
function userData(cloud: string, vm: PlannedResource): string {
  const i = vm.inputs as Record<string, any>;
  switch (cloud) {
    case "aws":
      return String(i["userData"]);
    case "gcp":
      return String(i["metadata"]?.["user-data"]);
    case "azure":
      return Buffer.from(String(i["osProfile"]?.["customData"]), "base64").toString("utf8");
    default:
      throw new Error(`no core VM user-data for ${cloud}`);
  }
}

function coreVms(run: PlanRun): PlannedResource[] {
  const type = CORE_VM[run.plan.cloud];
  return run.plan.resources.filter((r) => r.type === type && /-core-\d+$/.test(r.name));
}

describe("a repoRef bump on a running pool", () => {
  it("changes no core VM on any cloud and re-runs every node's checkout + validation", async () => {
    const stacks = ["aws-pool", "gcp-pool", "azure-pool"];
    // Placeholders for what only the cloud computes, so the user-data is rendered in full, not unknown.
    const before = (await planStacks(stacks, { overrides: { repoRef: OLD_REF }, computed: "placeholder" })).map(ok);
    const after = (await planStacks(stacks, { overrides: { repoRef: NEW_REF }, computed: "placeholder" })).map(ok);
    for (const [i, run] of before.entries()) {
      const next = after[i] as PlanRun;
      const vms = coreVms(run);
      expect(vms.length, run.plan.stack).toBe(3);
      for (const vm of vms) {
        const rendered = userData(run.plan.cloud, vm);
        expect(rendered, `${vm.name}: user-data rendered`).toContain("logos-checkout");
        expect(rendered, `${vm.name} must not carry the ref`).not.toContain(OLD_REF);
        expect(byName(next, vm.name).inputs, `${run.plan.stack} ${vm.name}`).toEqual(vm.inputs);
      }
      for (let n = 0; n < 3; n++) {
        const run0 = byName(run, `logos-core-${n}-validate-run`);
        const run1 = byName(next, `logos-core-${n}-validate-run`);
        expect(run0.inputs["create"]).toContain(`--ref ${OLD_REF} --checkout `);
        expect(run1.inputs["create"]).toContain(`--ref ${NEW_REF} --checkout `);
        // The ref is a trigger: the command provider replaces (re-runs) the command when it changes.
        expect(run1.options.replaceOnChanges).toEqual(["triggers[*]"]);
        expect(run1.inputs["triggers"]).toContain(NEW_REF);
        expect(run0.inputs["triggers"]).not.toContain(NEW_REF);
      }
    }
  });
});

describe("rollout lanes on the plan", () => {
  it("chains each node's validation after the node rolloutBatchSize places earlier", async () => {
    const [run] = (await planStacks(["aws-pool"], { overrides: { coreNodes: 5, rolloutBatchSize: 2 } })).map(ok);
    const plan = run as PlanRun;
    const validateRun = (i: number) => byName(plan, `logos-core-${i}-validate-run`).urn;
    const deps = (i: number) => byName(plan, `logos-core-${i}-validate`).dependencies;
    const otherValidations = (i: number) => deps(i).filter((u) => /-validate-(run|copy)$/.test(u));
    expect(otherValidations(0)).toEqual([]);
    expect(otherValidations(1)).toEqual([]);
    expect(deps(2)).toContain(validateRun(0));
    expect(deps(3)).toContain(validateRun(1));
    expect(deps(4)).toContain(validateRun(2));
    expect(deps(4)).not.toContain(validateRun(3));
  });

  it("rolls a three-node pool one node at a time by default", async () => {
    const [run] = (await planStacks(["gcp-pool"])).map(ok);
    const plan = run as PlanRun;
    expect(byName(plan, "logos-core-1-validate").dependencies).toContain(byName(plan, "logos-core-0-validate-run").urn);
    expect(byName(plan, "logos-core-2-validate").dependencies).toContain(byName(plan, "logos-core-1-validate-run").urn);
  });

  it("with validate: false still brings each core node to the pin, without running the workload", async () => {
    const [run] = (await planStacks(["azure-pilot"], { overrides: { validate: false } })).map(ok);
    const plan = run as PlanRun;
    const create = byName(plan, "logos-core-0-validate-run").inputs["create"] as string;
    expect(create).toContain("--checkout-only");
    expect(create).not.toMatch(/--checkout(?!-only)/);
    expect(plan.plan.outputs["validation"]).toEqual({ "logos-core-0": { status: "disabled" } });
  });
});
