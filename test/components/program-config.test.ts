/**
 * What `pulumi up` does with the config before anything is created: a bad
 * config stops the run with every problem under the stack file's name, and
 * what deserves a word (a machine type outside the catalog) is logged as a
 * Pulumi warning, the way the offline plan prints it.
 */
import * as pulumi from "@pulumi/pulumi";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { installMocks } from "../helpers/mocks";
import { rawConfig } from "../helpers/configs";

installMocks(true);
let specFromConfig: typeof import("../../infra/program.js").specFromConfig;
beforeAll(async () => {
  // After the mocks, as the program is loaded under pulumi up.
  ({ specFromConfig } = await import("../../infra/program.js"));
});

afterEach(() => vi.restoreAllMocks());

describe("specFromConfig under pulumi up", () => {
  it("stops with a RunError naming the stack file and every offending key, a typo first", () => {
    let error: unknown;
    try {
      specFromConfig(rawConfig("aws", { coreNode: 3, "aws:regoin": "us-east-1", repoRef: "main" }));
    } catch (e) {
      error = e;
    }
    expect(pulumi.RunError.isInstance(error)).toBe(true);
    expect((error as Error).message).toBe(
      `stacks/Pulumi.${pulumi.getStack()}.yaml: invalid pool config (3 problems):\n` +
        "  - logos-compute:coreNode is not a setting of this program (see Pulumi.yaml or the README's config reference); did you mean logos-compute:coreNodes?\n" +
        "  - aws:regoin is not a setting of the aws provider; did you mean aws:region?\n" +
        '  - logos-compute:repoRef ("main") must be a full 40-character lowercase hex commit SHA; branch and tag names are refused because they move',
    );
  });

  it("logs a machine type outside the catalog as a warning and builds with the stated size", () => {
    const warn = vi.spyOn(pulumi.log, "warn").mockResolvedValue();
    const spec = specFromConfig(rawConfig("aws", { machineType: "m5.2xlarge", vcpus: 8, memoryGiB: 32, operatorCidrs: ["81.2.69.0/24"] }));
    expect(spec.machine.type).toMatchObject({ name: "m5.2xlarge", vcpus: 8, memoryGiB: 32 });
    expect(warn.mock.calls.map(([message]) => message)).toEqual([
      "logos-compute:machineType m5.2xlarge is not in the machine catalog: its size is taken from logos-compute:vcpus (8) and logos-compute:memoryGiB (32), and the scheduler is told 8 CPU slots per node; check both against the cloud's published size",
    ]);
  });
});
