/**
 * Every shipped stack through the real program under the mock monitor:
 * the scheduler output conforms to the committed schema, CPU slots are the
 * chosen type's vCPUs, and the same spec yields the same observable pool on
 * all three clouds (the parity test).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { planStacks, type PlanRun } from "../../infra/plan/engine";
import { parseSpec } from "../../infra/spec";
import { loadStackConfig } from "../../infra/plan/stack-config";
import { schedulerProblems } from "../../infra/scheduler/validate";
import { lookupMachineType } from "../../infra/machines";
import type { SchedulerDocument } from "../../infra/scheduler/schema";
import { observe } from "../helpers/observe";
import { SHIPPED_STACKS } from "../helpers/stacks";

const stacks = [...SHIPPED_STACKS];
const preview = new Map<string, PlanRun>();
const placeholder = new Map<string, PlanRun>();

beforeAll(async () => {
  const [unknowns, fakes] = await Promise.all([
    planStacks(stacks, { computed: "unknown" }),
    planStacks(stacks, { computed: "placeholder" }),
  ]);
  stacks.forEach((s, i) => {
    const a = unknowns[i];
    const b = fakes[i];
    if (a instanceof Error) throw a;
    if (b instanceof Error) throw b;
    preview.set(s, a);
    placeholder.set(s, b);
  });
}, 300_000);

describe.each(stacks)("stack %s", (stack) => {
  it("plans with a scheduler output that validates against schema/scheduler.schema.json (preview and filled-in)", () => {
    for (const run of [preview.get(stack)!, placeholder.get(stack)!]) {
      expect(schedulerProblems(run.plan.outputs.scheduler)).toEqual([]);
    }
  });

  it("tells the scheduler the chosen machine type's vCPUs as CPU slots", () => {
    const spec = parseSpec(loadStackConfig(stack).values);
    const doc = preview.get(stack)!.plan.outputs.scheduler as SchedulerDocument;
    expect(doc.nodes).toHaveLength(spec.nodes.core);
    for (const n of doc.nodes) {
      expect(n.machineType).toBe(spec.machine.type.name);
      expect(n.cpuSlots).toBe(lookupMachineType(spec.cloud, n.machineType)!.vcpus);
      expect(n.cpuSlots).toBe(8);
      expect(n.memoryGiB).toBeGreaterThanOrEqual(16);
      expect(n.validation.status).toMatch(/^(pending|pass|04da6b54)/);
    }
    expect(doc.groups.map((g) => g.role)).toEqual(
      spec.nodes.burstMax > spec.nodes.core ? (spec.nodes.standby ? ["burst", "standby"] : ["burst"]) : [],
    );
  });
});

describe("CPU slots per cloud", () => {
  it.each([
    ["aws-pool", "c7i.2xlarge"],
    ["gcp-pool", "n2-custom-8-16384"],
    ["azure-pool", "Standard_F8s_v2"],
  ])("%s runs %s with 8 slots", (stack, type) => {
    const doc = preview.get(stack)!.plan.outputs.scheduler as SchedulerDocument;
    expect(doc.nodes.map((n) => [n.machineType, n.cpuSlots])).toEqual(doc.nodes.map(() => [type, 8]));
  });
});

describe("parity: one spec, the same observable pool on AWS, GCP and Azure", () => {
  for (const shape of ["pilot", "pool"]) {
    it(`${shape} stacks`, () => {
      const seen = ["aws", "gcp", "azure"].map((cloud) => ({ cloud, pool: observe(placeholder.get(`${cloud}-${shape}`)!.plan) }));
      for (const { cloud, pool } of seen) {
        const where = `${cloud}-${shape}`;
        expect(pool.coreNodes.length, where).toBe(shape === "pilot" ? 1 : 3);
        expect(
          pool.coreNodes.every((n) => n.cpuSlots === 8 && n.memoryGiB >= 16),
          where,
        ).toBe(true);
        expect(pool.unexpectedPublic, where).toEqual([]);
        expect([...new Set(pool.nodeSshSources)], where).toEqual(["bastion"]);
        expect(pool.otherNodeIngress, where).toEqual([]);
        expect(pool.bastionSources, where).toEqual(["203.0.113.0/24"]);
        expect(pool.disksWithoutKey, where).toEqual([]);
        expect(pool.keyReferences, where).toHaveLength(1);
        expect(pool.untagged, where).toEqual([]);
      }
      // Same counts everywhere: boot disks of nodes + bastion + state disks (+ the burst template).
      const diskCounts = seen.map((s) => s.pool.diskCount);
      expect(new Set(diskCounts).size, JSON.stringify(seen.map((s) => [s.cloud, s.pool.diskCount]))).toBe(1);
    });
  }
});
