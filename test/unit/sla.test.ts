import { describe, expect, it } from "vitest";
import { DEFAULT_VALIDATION_TIMEOUTS } from "../../infra/node/validation";
import {
  AVAILABILITY_TARGET_PERCENT,
  DEFAULT_AVAILABILITY_WINDOW_MINUTES,
  monthlyDowntimeBudgetHours,
  REBUILD_SLA_MINUTES,
  slaStepTimeouts,
} from "../../infra/sla";

describe("service levels from the users' plan", () => {
  it("takes a 15-minute rebuild turnaround and 99 % availability", () => {
    expect([REBUILD_SLA_MINUTES, AVAILABILITY_TARGET_PERCENT]).toEqual([15, 99]);
    expect(DEFAULT_AVAILABILITY_WINDOW_MINUTES).toBeGreaterThan(REBUILD_SLA_MINUTES);
  });

  it("allows 7.3 hours of downtime a month at 99 %", () => {
    expect(monthlyDowntimeBudgetHours(99).toFixed(1)).toBe("7.3");
    expect(monthlyDowntimeBudgetHours(99.9).toFixed(2)).toBe("0.73");
  });

  it.each([
    // SLA seconds, override, expected limits
    [900, undefined, { firstBoot: 1800, lock: 900, lem: 900, boot: 900, footprint: 300, archive: 300 }],
    [1200, undefined, { firstBoot: 2400, lock: 1200, lem: 1200, boot: 1200, footprint: 400, archive: 400 }],
    [60, undefined, { firstBoot: 120, lock: 60, lem: 60, boot: 60, footprint: 30, archive: 30 }],
    [900, 1800, { firstBoot: 1800, lock: 1800, lem: 1800, boot: 1800, footprint: 300, archive: 300 }],
    [900, 120, { firstBoot: 120, lock: 120, lem: 120, boot: 120, footprint: 300, archive: 300 }],
  ])("derives the step limits from an SLA of %is (override %s)", (sla, override, expected) => {
    expect(slaStepTimeouts(sla, override)).toEqual(expected);
  });

  it("gives no rebuild step more than the whole turnaround, and the validator's defaults are those of the 15-minute SLA", () => {
    const t = slaStepTimeouts(REBUILD_SLA_MINUTES * 60);
    expect(Math.max(t.lem, t.boot, t.lock)).toBe(REBUILD_SLA_MINUTES * 60);
    expect(DEFAULT_VALIDATION_TIMEOUTS).toEqual(t);
  });
});
