/**
 * The data the spec checks config against is the providers' own: the config
 * settings each pinned provider SDK declares, and AWS's Region enum.
 */
import { Region } from "@pulumi/aws/types/enums";
import { describe, expect, it } from "vitest";
import { PROVIDER_CONFIG_KEYS } from "../../infra/provider-config-keys";
import { AWS_REGIONS, GCP_REGIONS, knownRegions } from "../../infra/regions";
import { closest, editDistance } from "../../infra/suggest";
import { vcpusFromName } from "../../infra/machines";
import { CLOUDS } from "../../infra/clouds";

describe("provider config keys", () => {
  it.each(Object.keys(PROVIDER_CONFIG_KEYS))("%s: the list equals the settings the installed SDK declares", (ns) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const vars = require(`@pulumi/${ns}/config/vars`) as object;
    expect([...PROVIDER_CONFIG_KEYS[ns as keyof typeof PROVIDER_CONFIG_KEYS]].sort()).toEqual(Object.keys(vars).sort());
  });

  it("includes the keys the program reads", () => {
    expect(PROVIDER_CONFIG_KEYS.aws).toContain("region");
    expect(PROVIDER_CONFIG_KEYS.gcp).toEqual(expect.arrayContaining(["project", "region"]));
    expect(PROVIDER_CONFIG_KEYS["azure-native"]).toContain("location");
  });
});

describe("regions", () => {
  it("AWS regions are the SDK's Region enum", () => {
    expect(AWS_REGIONS).toEqual(Object.values(Region));
    expect(AWS_REGIONS).toEqual(expect.arrayContaining(["us-east-1", "eu-central-1", "ap-southeast-2"]));
  });

  it("every list holds the shipped stacks' regions, and names only lowercase region ids", () => {
    expect(knownRegions("aws")).toContain("us-east-1");
    expect(knownRegions("gcp")).toContain("us-central1");
    expect(knownRegions("azure")).toContain("eastus");
    for (const cloud of CLOUDS) for (const r of knownRegions(cloud)) expect(r).toMatch(/^[a-z][a-z0-9-]*[a-z0-9]$/);
  });

  it("GCP zone letters are at least three per region", () => {
    for (const [region, zones] of Object.entries(GCP_REGIONS)) expect(zones.length, region).toBeGreaterThanOrEqual(3);
  });
});

describe("did you mean", () => {
  it.each([
    ["regoin", "region", 1],
    ["coreNode", "coreNodes", 1],
    ["region", "region", 0],
    ["abc", "xyz", 3],
    ["", "abc", 3],
  ])("%s → %s is %i edits", (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
  });

  it("suggests only close words, preferring an exact match in other case", () => {
    expect(closest("corenodes", ["coreNodes", "core"])).toBe("coreNodes");
    expect(closest("regoin", ["region", "profile"])).toBe("region");
    expect(closest("foo", ["region", "profile"])).toBeUndefined();
    expect(closest("tls", ["aws", "gcp"])).toBeUndefined();
  });
});

describe("vCPUs from a type's name", () => {
  it.each<[(typeof CLOUDS)[number], string, number | undefined]>([
    ["aws", "m5.2xlarge", 8],
    ["aws", "c6g.medium", 1],
    ["aws", "r6i.large", 2],
    ["aws", "m5.xlarge", 4],
    ["aws", "u-6tb1.56xlarge", 224],
    ["aws", "hpc6a.48xlarge", undefined],
    ["aws", "t3.micro", undefined],
    ["aws", "m5.metal", undefined],
    ["gcp", "n2d-standard-16", 16],
    ["gcp", "c3-highcpu-22", 22],
    ["gcp", "c3-standard-4-lssd", 4],
    ["gcp", "e2-custom-6-12288", 6],
    ["gcp", "e2-medium", undefined],
    ["gcp", "a2-highgpu-1g", undefined],
    ["azure", "Standard_D8as_v5", 8],
    ["azure", "Standard_NC24ads_A100_v4", 24],
    ["azure", "Standard_E8-4s_v5", undefined],
    ["azure", "Standard_D12_v2", undefined],
    ["azure", "Standard_B2ms", undefined],
  ])("%s %s", (cloud, name, vcpus) => {
    expect(vcpusFromName(cloud, name)).toBe(vcpus);
  });
});
