import { expect, it } from "vitest";
import { UNKNOWN } from "../../infra/plan/types";
import { evaluateResource, packConfig, type Violation } from "../../policies/evaluate";
import type { LogosRule } from "../../policies/registry";
import type { Settings } from "../../policies/lib/settings";

export { UNKNOWN };

export type Inputs = Record<string, any>;

/** One resource through one rule, exactly as the offline check runs it (unknown-checking proxy included). */
export function violations(rule: LogosRule, type: string, inputs: Inputs, settings: Partial<Settings> = {}): Violation[] {
  return evaluateResource(
    { urn: `urn:pulumi:test::logos-compute::${type}::subject`, type, name: "subject", inputs },
    { rules: [rule], config: packConfig(settings, [rule]) },
  );
}

export function messages(rule: LogosRule, type: string, inputs: Inputs, settings: Partial<Settings> = {}): string[] {
  return violations(rule, type, inputs, settings).map((v) => v.message);
}

/** A deep copy of `base` with `change` applied: each failing case starts from the passing resource. */
export function variant(base: Inputs, change: (inputs: Inputs) => void): Inputs {
  const copy = structuredClone(base);
  change(copy);
  return copy;
}

export interface FailingCase {
  readonly name: string;
  readonly type: string;
  readonly change: (inputs: Inputs) => void;
  /** A fragment the violation message must contain. */
  readonly expect: string;
  readonly settings?: Partial<Settings>;
}

export const OPERATOR_CIDRS = ["203.0.113.0/24"];

/**
 * The standard table of a rule's tests: every passing resource passes, and
 * each failing case (one change to its type's passing resource) reports a
 * violation containing its fragment.
 */
export function ruleTable(rule: LogosRule, passing: Readonly<Record<string, Inputs>>, failing: readonly FailingCase[]): void {
  it.each(Object.entries(passing))("passes a compliant %s", (type, inputs) => {
    expect(messages(rule, type, inputs)).toEqual([]);
  });
  it.each(failing)("rejects $name", ({ type, change, expect: fragment, settings }) => {
    const base = passing[type];
    if (base === undefined) throw new Error(`no passing ${type}`);
    expect(messages(rule, type, variant(base, change), settings).join("\n")).toContain(fragment);
  });
}
