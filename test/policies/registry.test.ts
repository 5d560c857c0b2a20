import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_SETTINGS } from "../../policies/lib/settings";
import { defineRule } from "../../policies/lib/rule";
import { packArgs, registry, RuleRegistry, toPolicy } from "../../policies/registry";

const RULES_DIR = join(__dirname, "..", "..", "policies", "rules");
const TESTS_DIR = join(__dirname, "rules");

/** The type tokens a rule's validations are bound to (what `validateResourceOfType` attached). */
function typesOf(rule: (typeof registry.rules)[number]): string[] {
  return rule.validateResource.map((v) => (v as { __pulumiType?: string }).__pulumiType ?? "");
}

describe("registry", () => {
  it("registers one rule per file in policies/rules, named after the file", () => {
    const files = readdirSync(RULES_DIR)
      .filter((f) => f.endsWith(".ts"))
      .map((f) => f.replace(/\.ts$/, ""))
      .sort();
    expect(registry.rules.map((r) => r.name).sort()).toEqual(files);
  });

  it.each(registry.rules.map((r) => [r.name, r] as const))("%s: name, metadata and enforcement", (name, rule) => {
    expect(name).toMatch(/^(aws|gcp|azure)-[a-z0-9]+-[a-z0-9-]+$/);
    expect(name.startsWith(`${rule.cloud}-`)).toBe(true);
    expect(rule.enforcementLevel).toBe("mandatory");
    expect(["low", "medium", "high", "critical"]).toContain(rule.severity);
    expect(rule.description.length).toBeGreaterThan(20);
    expect(rule.remediation.length).toBeGreaterThan(10);
    for (const key of rule.configKeys) {
      expect(rule.configSchema.properties[key]?.default).toEqual(DEFAULT_SETTINGS[key]);
    }
    for (const type of typesOf(rule)) expect(type).toMatch(new RegExp(`^${rule.cloud === "azure" ? "azure-native" : rule.cloud}:`));
  });

  it.each(registry.rules.map((r) => [r.name, r] as const))(
    "%s has a test file that exercises every resource type it checks",
    (name, rule) => {
      const file = join(TESTS_DIR, `${name}.test.ts`);
      expect(existsSync(file)).toBe(true);
      const source = readFileSync(file, "utf8");
      for (const type of typesOf(rule)) expect(source).toContain(`"${type}"`);
    },
  );

  it("hands out one list until a rule is registered, so the evaluator's type index is built once", () => {
    expect(registry.rules).toBe(registry.rules);
    const [first, second] = registry.rules;
    const growing = new RuleRegistry().register(first!);
    const before = growing.rules;
    expect(growing.rules).toBe(before);
    growing.register(second!);
    expect(growing.rules).not.toBe(before);
    expect(growing.rules.map((r) => r.name)).toEqual([first!.name, second!.name]);
    expect(Object.isFrozen(growing.rules)).toBe(true);
  });

  it("the README's rule table has a row for every rule, and its count is right", () => {
    const readme = readFileSync(join(__dirname, "..", "..", "README.md"), "utf8");
    expect(registry.rules.filter((r) => !readme.includes(`\n| ${r.name} |`)).map((r) => r.name)).toEqual([]);
    expect(readme).toContain(`\`policies/\`, ${registry.rules.length} rules, all mandatory`);
  });

  it("rejects a duplicate name", () => {
    const [first] = registry.rules;
    const again = new RuleRegistry().register(first!);
    expect(() => again.register(first!)).toThrow(`cannot register ${first!.name}: rule name "${first!.name}" is already registered`);
  });

  it("rejects a badly named rule and reports every problem at once", () => {
    const bad = defineRule({
      name: "EC2NoPublic",
      cloud: "aws",
      severity: "high",
      enforcementLevel: "mandatory",
      description: "",
      remediation: "",
      configKeys: [],
      validateResource: [],
    });
    expect(() => new RuleRegistry().register(bad)).toThrow(
      'cannot register EC2NoPublic: name "EC2NoPublic" must match <cloud>-<service>-<rule>; name "EC2NoPublic" must start with its ' +
        'cloud "aws-"; description is empty; remediation is empty; validateResource is empty',
    );
  });

  it("builds CrossGuard policies carrying only fields the engine knows", () => {
    const args = packArgs();
    expect(args.enforcementLevel).toBe("mandatory");
    expect(args.policies.map((p) => p.name)).toEqual(registry.rules.map((r) => r.name));
    for (const rule of registry.rules) {
      expect(Object.keys(toPolicy(rule)).sort()).toEqual([
        "configSchema",
        "description",
        "enforcementLevel",
        "name",
        "remediationSteps",
        "severity",
        "tags",
        "validateResource",
      ]);
    }
  });

  it("covers all three clouds with every guarantee", () => {
    const byCloud = (cloud: string) => registry.rules.filter((r) => r.cloud === cloud).map((r) => r.name.split("-").slice(1).join("-"));
    expect(byCloud("aws")).toEqual(expect.arrayContaining(["ec2-sg-no-public-ingress", "ec2-no-public-ip", "tagging-proof-gated"]));
    expect(byCloud("gcp")).toEqual(
      expect.arrayContaining(["compute-firewall-no-public-ingress", "compute-no-public-ip", "labels-proof-gated"]),
    );
    expect(byCloud("azure")).toEqual(
      expect.arrayContaining(["network-nsg-no-internet-ingress", "compute-no-public-ip", "tagging-proof-gated"]),
    );
  });
});
