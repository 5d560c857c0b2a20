import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CLOUDS } from "../../infra/clouds";
import {
  AWS_TYPES,
  AZURE_TYPES,
  candidates,
  catalog,
  chooseMachineType,
  GCP_TYPES,
  gcpCustomNameProblem,
  isGcpCustomVcpuCount,
  lookupMachineType,
} from "../../infra/machines";
import { parseSpec } from "../../infra/spec";
import { rawConfig } from "../helpers/configs";

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

/**
 * Compute Engine's N2 custom rules, written out independently of the chooser:
 * vCPUs 2-32 in steps of 2 and 36-128 in steps of 4; memory a multiple of
 * 256 MiB, 0.5-8 GiB per vCPU, above that only as `-ext`; 624 GiB at most.
 */
function n2CustomProblem(name: string): string | undefined {
  const m = /^n2-custom-(\d+)-(\d+)(-ext)?$/.exec(name);
  if (!m) return "not an n2-custom name";
  const [vcpus, mib, ext] = [Number(m[1]), Number(m[2]), m[3] !== undefined];
  const stepOk = vcpus <= 32 ? vcpus >= 2 && vcpus % 2 === 0 : vcpus >= 36 && vcpus <= 128 && vcpus % 4 === 0;
  if (!stepOk) return "vCPU count";
  if (mib % 256 !== 0) return "memory not in 256 MiB steps";
  if (mib < vcpus * 512) return "below 0.5 GiB per vCPU";
  if (mib > 624 * 1024) return "above 624 GiB";
  if (ext !== mib > vcpus * 8192) return "extended memory suffix";
  return undefined;
}

describe("GCP N2 custom machine types", () => {
  it.each([
    ["n2-custom-34-69632", "34 vCPU: above 32 only multiples of 4"],
    ["n2-custom-38-77824", "38 vCPU: above 32 only multiples of 4"],
    ["n2-custom-1-1024", "N2 has no 1-vCPU custom type"],
    ["n2-custom-132-135168", "more than 128 vCPU"],
    ["n2-custom-8-16500", "memory off the 256 MiB grid"],
    ["n2-custom-8-2048", "below 0.5 GiB per vCPU"],
    ["n2-custom-8-65792", "above 8 GiB per vCPU without -ext"],
    ["n2-custom-8-65536-ext", "-ext on memory within 8 GiB per vCPU"],
    ["n2-custom-64-655360", "above 624 GiB"],
  ])("refuses %s (%s)", (name) => {
    expect(n2CustomProblem(name)).toBeDefined();
    expect(lookupMachineType("gcp", name)).toBeUndefined();
  });

  it.each([
    ["n2-custom-32-32768", 32, 32],
    ["n2-custom-36-36864", 36, 36],
    ["n2-custom-80-81920", 80, 80],
    ["n2-custom-8-65536", 8, 64],
    ["n2-custom-8-65792-ext", 8, 64.25],
    ["n2-custom-2-131072-ext", 2, 128],
  ])("accepts %s as %i vCPU / %f GiB", (name, vcpus, memoryGiB) => {
    expect(n2CustomProblem(name)).toBeUndefined();
    expect(lookupMachineType("gcp", name)).toMatchObject({ name, vcpus, memoryGiB, family: "n2-custom" });
  });

  it("chooses nothing for a vCPU count N2 refuses, and extended memory where 8 GiB per vCPU is not enough", () => {
    expect(chooseMachineType("gcp", 34, 68)).toBeUndefined();
    expect(chooseMachineType("gcp", 36, 72)?.name).toBe("n2-custom-36-73728");
    expect(chooseMachineType("gcp", 2, 24)?.name).toBe("n2-custom-2-24576-ext");
    expect(isGcpCustomVcpuCount(34)).toBe(false);
    expect(isGcpCustomVcpuCount(36)).toBe(true);
  });

  it("property: every GCP type the chooser returns is one Compute Engine accepts", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 130 }), fc.integer({ min: 1, max: 700 }), (vcpus, mem) => {
        const t = chooseMachineType("gcp", vcpus, mem);
        if (t?.family === "n2-custom")
          expect({ name: t.name, problem: n2CustomProblem(t.name) }).toEqual({ name: t.name, problem: undefined });
        if (t) expect(lookupMachineType("gcp", t.name)).toEqual(t);
      }),
      { numRuns: 3000 },
    );
  });
});

describe("an explicit machineType of the N2 custom family", () => {
  it("is refused by the spec with the rule it breaks, even though uncatalogued types are otherwise taken on their name", () => {
    expect(() => parseSpec(rawConfig("gcp", { machineType: "n2-custom-34-69632", vcpus: 34, memoryGiB: 68 }))).toThrow(
      'logos-compute:machineType ("n2-custom-34-69632") has 34 vCPUs; N2 custom types take 2-32 in steps of 2, or 36-128 in steps of 4; leave it empty to choose automatically',
    );
    expect(parseSpec(rawConfig("gcp", { machineType: "n2-custom-36-73728", vcpus: 36, memoryGiB: 72 })).machine.type.name).toBe(
      "n2-custom-36-73728",
    );
  });

  it.each([
    ["n2-custom-34-69632", "has 34 vCPUs; N2 custom types take 2-32 in steps of 2, or 36-128 in steps of 4"],
    ["n2-custom-8-16500", "has 16500 MiB; N2 custom memory comes in steps of 256 MiB"],
    ["n2-custom-8-2048", "has 2048 MiB; N2 custom types need at least 0.5 GiB per vCPU"],
    ["n2-custom-80-655360", "has 655360 MiB; N2 custom types have at most 624 GiB"],
    ["n2-custom-8-65792", "has more than 8 GiB per vCPU, which N2 names as extended memory: add -ext"],
    ["n2-custom-8-65536-ext", "has no more than 8 GiB per vCPU, so no extended memory: drop -ext"],
    ["n2-custom-8", "is not an N2 custom type name: n2-custom-<vCPUs>-<MiB>, with -ext for extended memory"],
  ])("%s: %s", (name, problem) => {
    expect(gcpCustomNameProblem(name)).toBe(problem);
  });

  it("names no problem for a valid size or another family", () => {
    for (const name of ["n2-custom-8-16384", "n2-custom-8-65792-ext", "n2-standard-8", "e2-standard-8"])
      expect(gcpCustomNameProblem(name)).toBeUndefined();
  });
});
