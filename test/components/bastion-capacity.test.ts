/**
 * Bastion capacity on the plan: every cloud's bastion boots with the sshd
 * capacity settings, and a change to its cloud-init replaces the (stateless)
 * bastion instead of an in-place update that would stop it for nothing (AWS),
 * be ignored (GCP) or be refused (Azure).
 */
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

import { BASTION_SSHD_CAPACITY, BASTION_SSHD_DROP_IN, renderBastionUserData } from "../../infra/bootstrap";
import { PlanError, planStacks, type PlanRun } from "../../infra/plan/engine";
import type { PlannedResource } from "../../infra/plan/types";

function ok(run: PlanRun | PlanError): PlanRun {
  if (run instanceof PlanError) throw run;
  return run;
}

function bastion(run: PlanRun): PlannedResource {
  const r = run.plan.resources.find((x) => x.name === "logos-bastion" && x.custom);
  if (!r) throw new Error(`no bastion VM in ${run.plan.stack}`);
  return r;
}

function cloudInit(cloud: string, vm: PlannedResource): string {
  const i = vm.inputs as Record<string, any>;
  if (cloud === "aws") return String(i["userData"]);
  if (cloud === "gcp") return String(i["metadata"]?.["user-data"]);
  return Buffer.from(String(i["osProfile"]?.["customData"]), "base64").toString("utf8");
}

describe("bastion sshd capacity", () => {
  it("the bastion's sshd drop-in raises MaxStartups past twice the largest rollout batch", () => {
    const doc = parse(renderBastionUserData({ sshUser: "logos", sshAuthorizedKeys: ["ssh-ed25519 AAAA k"] })) as {
      write_files: Array<{ path: string; content: string }>;
    };
    const dropIn = doc.write_files.find((f) => f.path === BASTION_SSHD_DROP_IN)?.content ?? "";
    expect(BASTION_SSHD_CAPACITY).toEqual(["MaxStartups 64:30:128"]);
    expect(dropIn.split("\n")).toContain("MaxStartups 64:30:128");
  });

  it("every cloud's bastion boots with it, and a new cloud-init replaces the bastion", async () => {
    const runs = (await planStacks(["aws-pilot", "gcp-pilot", "azure-pilot"], { computed: "placeholder" })).map(ok);
    for (const run of runs) {
      const vm = bastion(run);
      expect(cloudInit(run.plan.cloud, vm), run.plan.stack).toContain("MaxStartups 64:30:128");
      expect(vm.options.deleteBeforeReplace, run.plan.stack).toBe(true);
      switch (run.plan.cloud) {
        case "aws":
          expect(vm.inputs["userDataReplaceOnChange"]).toBe(true);
          break;
        case "gcp":
          expect(vm.options.replaceOnChanges).toEqual(['metadata["user-data"]']);
          break;
        case "azure":
          expect(vm.options.replaceOnChanges).toEqual(["osProfile.customData"]);
          break;
        default:
          throw new Error(`unexpected cloud ${run.plan.cloud}`);
      }
    }
  });
});
