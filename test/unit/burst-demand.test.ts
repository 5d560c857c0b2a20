import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  AWS_POLICIES_PER_GROUP,
  AWS_STEPS_PER_POLICY,
  awsDemandBands,
  AZURE_RULES_PER_PROFILE,
  azureDemandRules,
  capacityFor,
  demandLevels,
  type AwsDemandBand,
  type AzureDemandRule,
} from "../../infra/burst-demand";

/** What Auto Scaling does with the bands: every band whose alarm is in ALARM proposes its step; the largest wins. */
function awsCapacity(bands: readonly AwsDemandBand[], demand: number): number | undefined {
  const proposals = bands
    .filter((b) => demand >= b.threshold)
    .map((b) => b.steps.find((s) => demand - b.threshold >= s.lower && (s.upper === undefined || demand - b.threshold < s.upper)))
    .map((s) => s?.capacity);
  if (proposals.some((p) => p === undefined)) return undefined; // a gap: the policy would reject the alarm's value
  return proposals.length === 0 ? undefined : Math.max(...(proposals as number[]));
}

/** What autoscale does with the rules: every scale-out rule that fires proposes its count; the largest wins. */
function azureCapacity(rules: readonly AzureDemandRule[], demand: number): number | undefined {
  const fired = rules.filter((r) => demand > r.above).map((r) => r.capacity);
  return fired.length === 0 ? undefined : Math.max(...fired);
}

describe("demand levels", () => {
  it("are every whole number when they fit, so capacity equals demand", () => {
    expect(demandLevels(3, 10)).toEqual({ step: 1, levels: [1, 2, 3] });
    for (let d = 0; d <= 5; d++) expect(capacityFor(d, demandLevels(3, 10))).toBe(Math.min(d, 3));
  });

  it("round up to a step when the cloud holds fewer values, never below the demand", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5000 }),
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: -2, max: 6000 }),
        (max, slots, d) => {
          const levels = demandLevels(max, slots);
          expect(levels.levels.length).toBeLessThanOrEqual(slots);
          expect(levels.levels.at(-1)).toBe(max);
          const c = capacityFor(d, levels);
          const wanted = Math.min(Math.max(d, 0), max);
          expect(c).toBeGreaterThanOrEqual(wanted);
          expect(c).toBeLessThan(wanted + levels.step);
          expect(c).toBeLessThanOrEqual(max);
        },
      ),
    );
  });

  it("refuse a maximum below 1 by name", () => {
    expect(() => demandLevels(0, 10)).toThrow("burst maximum (0) must be a whole number >= 1");
  });
});

describe("AWS demand bands", () => {
  it("a small group: one alarm at 0 and one step per node, the last open-ended", () => {
    expect(awsDemandBands(3)).toEqual([
      {
        threshold: 0,
        steps: [
          { lower: 0, upper: 1, capacity: 0 },
          { lower: 1, upper: 2, capacity: 1 },
          { lower: 2, upper: 3, capacity: 2 },
          { lower: 3, capacity: 3 },
        ],
      },
    ]);
  });

  it("stay within the quotas and set the group to the demand's capacity for any whole demand", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 0, max: 3200 }), (max, d) => {
        const bands = awsDemandBands(max);
        expect(bands.length).toBeLessThanOrEqual(AWS_POLICIES_PER_GROUP);
        for (const b of bands) {
          expect(b.steps.length).toBeLessThanOrEqual(AWS_STEPS_PER_POLICY);
          expect(b.steps[0].lower).toBe(0);
          expect(b.steps.filter((s) => s.upper === undefined)).toHaveLength(1);
          expect(b.steps.at(-1)!.upper).toBeUndefined();
        }
        const levels = demandLevels(max, AWS_STEPS_PER_POLICY * AWS_POLICIES_PER_GROUP - 1);
        expect(awsCapacity(bands, d)).toBe(capacityFor(d, levels));
      }),
    );
  });

  it("a demand of 0 scales the group in to zero", () => {
    expect(awsCapacity(awsDemandBands(40), 0)).toBe(0);
  });

  it("are exact up to 999 burst nodes", () => {
    const bands = awsDemandBands(999);
    expect(bands).toHaveLength(AWS_POLICIES_PER_GROUP);
    for (const d of [1, 19, 20, 21, 500, 998, 999]) expect(awsCapacity(bands, d)).toBe(d);
  });
});

describe("Azure demand rules", () => {
  it("up to ten burst nodes: one rule per node, exact", () => {
    expect(azureDemandRules(3)).toEqual([
      { above: 0, capacity: 1 },
      { above: 1, capacity: 2 },
      { above: 2, capacity: 3 },
    ]);
    for (const d of [1, 2, 3, 7]) expect(azureCapacity(azureDemandRules(3), d)).toBe(Math.min(d, 3));
  });

  it("fit one profile and never start fewer nodes than asked", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 1200 }), (max, d) => {
        const rules = azureDemandRules(max);
        expect(rules.length).toBeLessThanOrEqual(AZURE_RULES_PER_PROFILE);
        expect(rules.every((r) => r.capacity >= 1)).toBe(true);
        expect(azureCapacity(rules, d)).toBe(capacityFor(d, demandLevels(max, AZURE_RULES_PER_PROFILE)));
      }),
    );
  });

  it("no rule fires at demand 0: scale-in is the scheduler's", () => {
    expect(azureCapacity(azureDemandRules(5), 0)).toBeUndefined();
  });
});
