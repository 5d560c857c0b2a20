import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CLOUDS } from "../../infra/clouds";
import { AWS_TYPES, AZURE_TYPES, candidates, catalog, chooseMachineType, GCP_TYPES, lookupMachineType } from "../../infra/machines";

describe("machine chooser", () => {
  it.each([
    ["aws", 8, 16, "c7i.2xlarge"],
    ["gcp", 8, 16, "n2-custom-8-16384"],
    ["azure", 8, 16, "Standard_F8s_v2"],
    ["aws", 8, 32, "m7i.2xlarge"],
    ["gcp", 8, 8, "n2-highcpu-8"],
    ["azure", 8, 32, "Standard_D8s_v5"],
    ["aws", 4, 8, "c7i.xlarge"],
    ["aws", 2, 16, "r7i.large"],
    ["azure", 16, 64, "Standard_D16s_v5"],
    ["gcp", 16, 32, "n2-custom-16-32768"],
  ] as const)("%s %i vCPU / %i GiB → %s", (cloud, vcpus, mem, name) => {
    expect(chooseMachineType(cloud, vcpus, mem)?.name).toBe(name);
  });

  it("returns nothing when no type has the exact vCPU count", () => {
    expect(chooseMachineType("aws", 6, 12)).toBeUndefined();
    expect(chooseMachineType("azure", 8, 1000)).toBeUndefined();
  });

  it("knows the plan's c7i.xlarge is 4 vCPU / 8 GiB", () => {
    expect(lookupMachineType("aws", "c7i.xlarge")).toMatchObject({ vcpus: 4, memoryGiB: 8 });
  });

  it("parses GCP custom names and refuses impossible ones", () => {
    expect(lookupMachineType("gcp", "n2-custom-8-16384")).toMatchObject({ vcpus: 8, memoryGiB: 16 });
    expect(lookupMachineType("gcp", "n2-custom-8-100000")).toBeUndefined(); // > 8 GiB per vCPU
    expect(lookupMachineType("gcp", "n2-custom-7-16384")).toBeUndefined(); // odd vCPU count
  });

  it("has no duplicate names and plausible sizes in every table", () => {
    for (const table of [AWS_TYPES, GCP_TYPES, AZURE_TYPES]) {
      expect(new Set(table.map((t) => t.name)).size).toBe(table.length);
      for (const t of table) {
        expect(t.vcpus).toBeGreaterThan(0);
        expect(t.memoryGiB / t.vcpus).toBeGreaterThanOrEqual(0.5);
        expect(t.memoryGiB / t.vcpus).toBeLessThanOrEqual(8);
      }
    }
  });

  it("property: a choice has exactly the vCPUs, at least the memory, and nothing cheaper fits", () => {
    fc.assert(
      fc.property(fc.constantFrom(...CLOUDS), fc.integer({ min: 1, max: 96 }), fc.integer({ min: 1, max: 512 }), (cloud, vcpus, mem) => {
        const chosen = chooseMachineType(cloud, vcpus, mem);
        const fitting = catalog(cloud).filter((t) => t.vcpus === vcpus && t.memoryGiB >= mem);
        if (!chosen) {
          expect(fitting).toEqual([]);
          return;
        }
        expect(chosen.vcpus).toBe(vcpus);
        expect(chosen.memoryGiB).toBeGreaterThanOrEqual(mem);
        for (const t of candidates(cloud, vcpus, mem)) expect(chosen.hourlyUsd).toBeLessThanOrEqual(t.hourlyUsd);
        // What the chooser returns, lookup finds again with the same size: CPU slots cannot drift.
        expect(lookupMachineType(cloud, chosen.name)).toEqual(chosen);
      }),
      { numRuns: 2000 },
    );
  });

  it("property: asking for more memory never yields a smaller machine", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...CLOUDS),
        fc.constantFrom(2, 4, 8, 16, 32),
        fc.integer({ min: 1, max: 128 }),
        fc.integer({ min: 0, max: 64 }),
        (cloud, vcpus, mem, extra) => {
          const a = chooseMachineType(cloud, vcpus, mem);
          const b = chooseMachineType(cloud, vcpus, mem + extra);
          if (a && b) expect(b.memoryGiB).toBeGreaterThanOrEqual(a.memoryGiB);
          if (!a) expect(b).toBeUndefined();
        },
      ),
      { numRuns: 1000 },
    );
  });
});
