/** The rebuild SLA and availability settings: defaults, derived step limits, exact messages. */
import { describe, expect, it } from "vitest";
import { parseSpec } from "../../infra/spec";
import { rawConfig } from "../helpers/configs";
import { specProblems as problems } from "../helpers/spec-problems";

describe("parseSpec: the rebuild SLA and availability", () => {
  it("defaults to the plan's 15-minute turnaround, a 30-minute availability window and step limits derived from the SLA", () => {
    const spec = parseSpec(rawConfig("aws"));
    expect(spec.monitoring).toMatchObject({ rebuildSlaSeconds: 900, availabilityWindowMinutes: 30 });
    expect(spec.validation.timeouts).toEqual({ firstBoot: 1800, lock: 900, lem: 900, boot: 900, footprint: 300, archive: 300 });
  });

  it("derives the step limits from rebuildSlaMinutes unless validationStepTimeoutSeconds is set", () => {
    expect(parseSpec(rawConfig("gcp", { rebuildSlaMinutes: 20 })).validation.timeouts).toEqual({
      firstBoot: 2400,
      lock: 1200,
      lem: 1200,
      boot: 1200,
      footprint: 400,
      archive: 400,
    });
    // The key keeps its meaning: first boot, lock and both rebuild steps.
    expect(parseSpec(rawConfig("azure", { rebuildSlaMinutes: 20, validationStepTimeoutSeconds: 1800 })).validation.timeouts).toEqual({
      firstBoot: 1800,
      lock: 1800,
      lem: 1800,
      boot: 1800,
      footprint: 400,
      archive: 400,
    });
  });

  it("takes the thresholds from config, in Pulumi's string form too", () => {
    const spec = parseSpec(rawConfig("aws", { rebuildSlaMinutes: "25", availabilityWindowMinutes: "90" }));
    expect(spec.monitoring).toMatchObject({ rebuildSlaSeconds: 1500, availabilityWindowMinutes: 90 });
  });

  it("names each key, its range and the way back to derived limits, all at once", () => {
    expect(problems(rawConfig("aws", { rebuildSlaMinutes: 0, availabilityWindowMinutes: 4, validationStepTimeoutSeconds: 29 }))).toEqual([
      "logos-compute:validationStepTimeoutSeconds (29) must be between 30 and 86400, or 0 to derive the limits from logos-compute:rebuildSlaMinutes",
      "logos-compute:rebuildSlaMinutes (0) must be between 1 and 720 minutes",
      "logos-compute:availabilityWindowMinutes (4) must be between 5 and 720 minutes",
    ]);
    expect(problems(rawConfig("aws", { rebuildSlaMinutes: 721, availabilityWindowMinutes: 721 }))).toEqual([
      "logos-compute:rebuildSlaMinutes (721) must be between 1 and 720 minutes",
      "logos-compute:availabilityWindowMinutes (721) must be between 5 and 720 minutes",
    ]);
    expect(problems(rawConfig("aws", { availabilityWindowMinutes: "half an hour" }))).toEqual([
      'logos-compute:availabilityWindowMinutes must be a whole number, got "half an hour"',
    ]);
  });
});
