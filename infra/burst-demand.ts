/**
 * Burst demand: the one signal a scheduler gives the pool. The scheduler
 * publishes, per pool, how many burst nodes it wants running now (a whole
 * number, 0 when idle) as a custom metric; each cloud's autoscaler owns the
 * group's size and follows that number from 0 to the group's maximum. Pure:
 * no Pulumi imports, so the mapping from demand to capacity is tested on its
 * own and every adapter uses the same one.
 *
 * Why a published level rather than the scheduler resizing the group: the
 * scheduler then needs only permission to publish one metric (not to change
 * the group), the group's maximum still bounds what any scheduler bug can
 * start, and nothing else changes the group's size, so nothing fights it
 * (the issue with GCP's `resize` under an autoscaler and Azure's autoscale
 * removing what a scheduler started).
 */

/** The metric's name on every cloud (CloudWatch metric, Cloud Monitoring type suffix, Azure metric). */
export const BURST_DEMAND_METRIC = "BurstDemand";
/** CloudWatch namespace and Azure Monitor custom metric namespace. */
export const BURST_DEMAND_NAMESPACE = "Logos/Burst";
/** Cloud Monitoring metric type (custom metrics live under custom.googleapis.com). */
export const GCP_BURST_DEMAND_TYPE = "custom.googleapis.com/logos/burst_demand";
/** The dimension / label that tells two deployments in one account apart: its value is the deployment id. */
export const BURST_DEMAND_DIMENSION = "deployment";
/** How often the scheduler publishes; every autoscaler reads one-minute data. */
export const BURST_DEMAND_PERIOD_SECONDS = 60;

/**
 * The capacities a cloud can set, from 0 to `max`, when it can hold at most
 * `slots` distinct non-zero values: every whole number up to `max` when they
 * fit, otherwise every multiple of the smallest step that fits (and `max`).
 * Capacity for a demand is the smallest level at or above it, so a coarse
 * cloud starts at most `step - 1` nodes more than asked, never fewer.
 */
export interface DemandLevels {
  /** Nodes between two levels; 1 means every demand gets exactly its capacity. */
  readonly step: number;
  /** Ascending, non-zero, the last one `max`. */
  readonly levels: readonly number[];
}

export function demandLevels(max: number, slots: number): DemandLevels {
  if (!Number.isInteger(max) || max < 1) throw new Error(`burst maximum (${max}) must be a whole number >= 1`);
  if (!Number.isInteger(slots) || slots < 1) throw new Error(`capacity slots (${slots}) must be a whole number >= 1`);
  const step = Math.ceil(max / slots);
  const levels: number[] = [];
  for (let n = step; n < max; n += step) levels.push(n);
  levels.push(max);
  return { step, levels };
}

/** What the group's capacity becomes for a published demand (clamped to 0…max). */
export function capacityFor(demand: number, levels: DemandLevels): number {
  if (!(demand > 0)) return 0;
  return levels.levels.find((l) => l >= demand) ?? levels.levels[levels.levels.length - 1];
}

// ---- AWS: step scaling with ExactCapacity -----------------------------------

/**
 * EC2 Auto Scaling quotas that cannot be raised: 20 step adjustments per
 * step scaling policy and 50 scaling policies per group
 * (https://docs.aws.amazon.com/autoscaling/ec2/userguide/as-account-limits.html).
 */
export const AWS_STEPS_PER_POLICY = 20;
export const AWS_POLICIES_PER_GROUP = 50;

/** One step of a policy, bounds relative to its alarm's threshold (lower inclusive, upper exclusive; undefined: open). */
export interface AwsDemandStep {
  readonly lower: number;
  readonly upper?: number;
  readonly capacity: number;
}

/** One alarm (demand >= threshold) and the step policy it invokes. */
export interface AwsDemandBand {
  readonly threshold: number;
  readonly steps: readonly AwsDemandStep[];
}

/**
 * The alarms and ExactCapacity step policies that set an Auto Scaling group
 * to `capacityFor(demand)`. Demand is split into intervals [a, b) of whole
 * nodes, each mapped to its level (0 below 1); consecutive intervals are cut
 * into bands of at most 20 steps, one alarm (`Maximum >= threshold`) and one
 * policy per band, the last step of each band open-ended. While its alarm is
 * in ALARM, CloudWatch invokes a policy once a minute
 * (https://repost.aws/knowledge-center/autoscaling-policy-cloudwatch-alarm),
 * so the group follows the demand up and down without a state change; when
 * several bands are in ALARM, Auto Scaling applies the policy that gives the
 * largest capacity (Amazon EC2 Auto Scaling user guide, "Multiple dynamic
 * scaling policies"), which is the band holding the demand. Demand 0 keeps
 * the first band in ALARM (0 >= 0) at capacity 0, so the group also scales
 * in to zero. At most 50 bands: the levels are at most 999.
 */
export function awsDemandBands(max: number): AwsDemandBand[] {
  const levels = demandLevels(max, AWS_STEPS_PER_POLICY * AWS_POLICIES_PER_GROUP - 1);
  const intervals: { from: number; capacity: number }[] = [{ from: 0, capacity: 0 }];
  let previous = 0;
  for (const level of levels.levels) {
    intervals.push({ from: previous + 1, capacity: level });
    previous = level;
  }
  const bands: AwsDemandBand[] = [];
  for (let i = 0; i < intervals.length; i += AWS_STEPS_PER_POLICY) {
    const chunk = intervals.slice(i, i + AWS_STEPS_PER_POLICY);
    const threshold = chunk[0].from;
    bands.push({
      threshold,
      steps: chunk.map((iv, j) => ({
        lower: iv.from - threshold,
        ...(j + 1 < chunk.length ? { upper: chunk[j + 1].from - threshold } : {}),
        capacity: iv.capacity,
      })),
    });
  }
  return bands;
}

// ---- Azure: autoscale rules with ExactCount --------------------------------

/**
 * An autoscale profile holds at most 10 rules (Azure Monitor REST API,
 * AutoscaleProfile.rules: "A maximum of 10 rules can be specified").
 */
export const AZURE_RULES_PER_PROFILE = 10;

/** One rule: when the demand's maximum over the window is above `above`, set the count to `capacity`. */
export interface AzureDemandRule {
  readonly above: number;
  readonly capacity: number;
}

/**
 * Scale-out rules that bring a scale set to `capacityFor(demand)`: rule i
 * fires when the demand exceeds level i-1 and sets the count to level i
 * (ExactCount). Autoscale runs every scale-out rule that fires and keeps the
 * largest resulting count, which is the smallest level at or above the
 * demand. Ten rules: up to ten burst nodes are exact, a larger group rounds
 * up to its step. ExactCount cannot be 0, so scale-in is not a rule: the
 * scheduler removes the idle members it chooses (see the README's scheduler
 * contract).
 */
export function azureDemandRules(max: number): AzureDemandRule[] {
  const levels = demandLevels(max, AZURE_RULES_PER_PROFILE);
  let previous = 0;
  return levels.levels.map((level) => {
    const rule = { above: previous, capacity: level };
    previous = level;
    return rule;
  });
}
