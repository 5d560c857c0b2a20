/**
 * The users' service levels and what follows from them. The plan
 * (compute-substrate-expansion-plan.md, "Design & Approval") asks for a
 * rebuild turnaround under 15 minutes and 99 % availability; this module
 * turns them into the validation's step limits and the alerts' thresholds.
 * Pure: no Pulumi imports.
 */
import type { ValidationTimeouts } from "./node/validation";

/** "SLA expectations for rebuild turnaround (<15 minutes)". */
export const REBUILD_SLA_MINUTES = 15;
/** "... and availability (99%)". */
export const AVAILABILITY_TARGET_PERCENT = 99;
/**
 * How long fewer than `coreNodes` core nodes may hold a passing validation
 * before the availability alert fires, minutes. Replacing a core node costs
 * its first boot plus one validation (at most the rebuild SLA), so half an
 * hour lets a planned replacement finish without paging anyone.
 */
export const DEFAULT_AVAILABILITY_WINDOW_MINUTES = 30;
/** Hours in an average month (365.25 × 24 / 12), the base of monthly downtime budgets. */
export const HOURS_PER_MONTH = 730.5;

/**
 * Per-step limits on the node, derived from the rebuild SLA:
 * - each rebuild step (`lem`, `boot`) and the wait for another validation's
 *   lock get the whole turnaround: a step that alone takes that long has
 *   already broken the SLA and is stopped, so a hung `coqc` holds the node
 *   for 15 minutes, not 30;
 * - the footprint check and the archive upload, a `coqc` load and one HTTP
 *   PUT, get a third of it;
 * - the first-boot wait (cloud-init installing the toolchain, not a
 *   rebuild) gets twice the turnaround.
 * `stepOverrideSeconds` (`validationStepTimeoutSeconds` when set) replaces
 * the first-boot, lock and rebuild limits, as that key always did.
 */
export function slaStepTimeouts(rebuildSlaSeconds: number, stepOverrideSeconds?: number): ValidationTimeouts {
  const step = stepOverrideSeconds ?? rebuildSlaSeconds;
  return {
    firstBoot: stepOverrideSeconds ?? 2 * rebuildSlaSeconds,
    lock: step,
    lem: step,
    boot: step,
    footprint: Math.max(Math.round(rebuildSlaSeconds / 3), 30),
    archive: Math.max(Math.round(rebuildSlaSeconds / 3), 30),
  };
}

/** Downtime a month may hold at `percent` availability, hours (99 % → 7.3). */
export function monthlyDowntimeBudgetHours(percent: number): number {
  return ((100 - percent) / 100) * HOURS_PER_MONTH;
}
