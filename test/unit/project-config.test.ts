import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { listStacks, loadProject, loadStackConfig, REPO_ROOT, StackConfigError } from "../../infra/plan/stack-config";
import { CONFIG_KEYS, parseSpec } from "../../infra/spec";
import { SHIPPED_STACKS } from "../helpers/stacks";

describe("Pulumi.yaml", () => {
  const project = parse(readFileSync(join(REPO_ROOT, "Pulumi.yaml"), "utf8")) as Record<string, any>;

  it("names the project, runtime, entry point and stack directory", () => {
    expect(project).toMatchObject({ name: "logos-compute", main: "infra/index.ts", stackConfigDir: "stacks" });
    expect(project.runtime.name).toBe("nodejs");
  });

  it("declares exactly the keys the spec reads, with the same types, defaults and descriptions", () => {
    expect(Object.keys(project.config).sort()).toEqual(Object.keys(CONFIG_KEYS).sort());
    for (const [name, decl] of Object.entries(CONFIG_KEYS)) {
      const y = project.config[name];
      expect(y.type, name).toBe(decl.type);
      expect(y.description, name).toBe(decl.description);
      expect(y.default, name).toEqual("default" in decl ? decl.default : undefined);
      if (decl.type === "array") expect(y.items, name).toEqual({ type: "string" });
    }
  });
});

describe("stacks", () => {
  it("ships the six stacks (a user's own stack files may sit next to them)", () => {
    expect(listStacks()).toEqual(expect.arrayContaining([...SHIPPED_STACKS]));
  });

  it.each(SHIPPED_STACKS)("%s parses into a spec with its provider's region", (stack) => {
    const cfg = loadStackConfig(stack);
    const spec = parseSpec(cfg.values);
    const [cloud, kind] = stack.split("-");
    expect(spec.cloud).toBe(cloud);
    expect(spec.machine).toMatchObject({ vcpus: 8, memoryGiB: 16 });
    expect(spec.nodes).toEqual(kind === "pilot" ? { core: 1, burstMax: 1, standby: 0 } : { core: 3, burstMax: 6, standby: 1 });
    expect(spec.region).toBe({ aws: "us-east-1", gcp: "us-central1", azure: "eastus" }[spec.cloud]);
  });

  it("applies Pulumi.yaml defaults under the stack's values", () => {
    const cfg = loadStackConfig("aws-pilot");
    expect(cfg.values["logos-compute:bootDiskGiB"]).toBe(loadProject().defaults["logos-compute:bootDiskGiB"]);
    expect(cfg.values["logos-compute:cloud"]).toBe("aws");
  });

  it("names the missing file and the known stacks for an unknown stack", () => {
    expect(() => loadStackConfig("nope")).toThrow(StackConfigError);
    expect(() => loadStackConfig("nope")).toThrow(`unknown stack "nope": no stacks/Pulumi.nope.yaml; stacks: ${listStacks().join(", ")}`);
  });
});
