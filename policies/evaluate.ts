/**
 * Runs the registry's rule objects over planned resources without the
 * Pulumi engine: the same `validateResource` functions, the same argument
 * bag, the same unknown-checking proxy, the same type matching. Pure: no
 * I/O, so the CLI, the tests and the benchmark all share it.
 */
import type { EnforcementLevel, ResourceValidation, ResourceValidationArgs, Severity } from "@pulumi/policy";
import type { Plan, PlannedResource, PlannedSource } from "../infra/plan/types";
import type { Cloud, LogosRule } from "./lib/rule";
import type { Settings } from "./lib/settings";
import { isUnknownValueError, unknownCheckingProxy } from "./lib/unknowns";
import { registry } from "./registry";

/** Per-rule configuration, the shape `--policy-pack-config` takes: `{ "<rule>": { enforcementLevel?, ...keys } }`. */
export type PackConfig = Readonly<Record<string, Readonly<Record<string, unknown>>>>;

export type ResourceInput = Pick<PlannedResource, "urn" | "type" | "name" | "inputs"> & {
  readonly parent?: string;
  readonly source?: PlannedSource;
};

export interface Violation {
  readonly stack?: string;
  readonly rule: string;
  readonly cloud: Cloud;
  readonly severity: Severity;
  readonly enforcementLevel: EnforcementLevel;
  readonly urn: string;
  readonly resource: string;
  readonly type: string;
  readonly message: string;
  /** Where the resource is constructed, when the plan recorded it (see PlannedResource.source). */
  readonly source?: PlannedSource;
}

export interface EvaluateOptions {
  readonly rules?: readonly LogosRule[];
  readonly config?: PackConfig;
}

/** Hands every rule the subset of `values` it declares in its config schema, as the engine would. */
export function packConfig(values: Partial<Settings>, rules: readonly LogosRule[] = registry.rules): PackConfig {
  const config: Record<string, Record<string, unknown>> = {};
  for (const rule of rules) {
    const own = Object.entries(values).filter(([key]) => key in rule.configSchema.properties);
    if (own.length > 0) config[rule.name] = Object.fromEntries(own);
  }
  return config;
}

/** Thrown by `args.notApplicable()`: the rule declined this resource. */
export class NotApplicable extends Error {}

function pulumiTypeOf(target: unknown): string | undefined {
  const type = (target as { __pulumiType?: unknown } | null | undefined)?.__pulumiType;
  return typeof type === "string" && type.length > 0 ? type : undefined;
}

/** The engine's test: the class's `__pulumiType`, else its `isInstance` on a stub. */
function isTypeOf(type: string, resourceClass: unknown): boolean {
  const pulumiType = pulumiTypeOf(resourceClass);
  if (pulumiType !== undefined) return type === pulumiType;
  const isInstance = (resourceClass as { isInstance?: unknown }).isInstance;
  return typeof isInstance === "function" && isInstance({ __pulumiType: type }) === true;
}

interface Entry {
  readonly rule: LogosRule;
  readonly validation: ResourceValidation;
}

interface RuleIndex {
  readonly byType: ReadonlyMap<string, readonly Entry[]>;
  /** Validations with no attached type run on every resource, as in the engine. */
  readonly untyped: readonly Entry[];
}

const indexes = new WeakMap<readonly LogosRule[], RuleIndex>();

function indexOf(rules: readonly LogosRule[]): RuleIndex {
  const cached = indexes.get(rules);
  if (cached !== undefined) return cached;
  const byType = new Map<string, Entry[]>();
  const untyped: Entry[] = [];
  for (const rule of rules) {
    for (const validation of rule.validateResource) {
      const type = pulumiTypeOf(validation);
      if (type === undefined) untyped.push({ rule, validation });
      else byType.set(type, [...(byType.get(type) ?? []), { rule, validation }]);
    }
  }
  const index = { byType, untyped };
  indexes.set(rules, index);
  return index;
}

function enforcementOf(rule: LogosRule, config: PackConfig | undefined): EnforcementLevel {
  const level = (config?.[rule.name]?.enforcementLevel as EnforcementLevel | undefined) ?? rule.enforcementLevel;
  // The engine reports a remediation policy that still finds a violation as mandatory.
  return level === "remediate" ? "mandatory" : level;
}

/** The argument bag the engine hands a resource validation, with its unknown-checking proxy. */
export function argsFor(resource: ResourceInput, ruleConfig: Readonly<Record<string, unknown>> | undefined): ResourceValidationArgs {
  const { type } = resource;
  const props = unknownCheckingProxy(resource.inputs);
  const { enforcementLevel: _level, ...settings } = ruleConfig ?? {};
  return {
    type,
    props,
    urn: resource.urn,
    name: resource.name,
    opts: {
      protect: false,
      ignoreChanges: [],
      aliases: [],
      customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
      additionalSecretOutputs: [],
      ...(resource.parent === undefined ? {} : { parent: resource.parent }),
    },
    stackTags: new Map(),
    isType: (resourceClass) => isTypeOf(type, resourceClass),
    asType: ((resourceClass: unknown) => (isTypeOf(type, resourceClass) ? props : undefined)) as ResourceValidationArgs["asType"],
    getConfig: <T extends object>() => ({ ...settings }) as T,
    notApplicable: (reason?: string): never => {
      throw new NotApplicable(reason);
    },
  };
}

export function evaluateResource(resource: ResourceInput, options: EvaluateOptions = {}): Violation[] {
  const rules = options.rules ?? registry.rules;
  const index = indexOf(rules);
  const entries = [...(index.byType.get(resource.type) ?? []), ...index.untyped];
  const violations: Violation[] = [];
  for (const { rule, validation } of entries) {
    const enforcementLevel = enforcementOf(rule, options.config);
    if (enforcementLevel === "disabled") continue;
    const record = (message: string): void => {
      violations.push({
        rule: rule.name,
        cloud: rule.cloud,
        severity: rule.severity,
        enforcementLevel,
        urn: resource.urn,
        resource: resource.name,
        type: resource.type,
        message,
        ...(resource.source === undefined ? {} : { source: resource.source }),
      });
    };
    try {
      const result: unknown = validation(argsFor(resource, options.config?.[rule.name]), (message) => record(message));
      if (typeof (result as { then?: unknown } | undefined)?.then === "function") {
        throw new Error("returned a promise; the pack's rules are synchronous");
      }
    } catch (error) {
      if (error instanceof NotApplicable) continue;
      if (isUnknownValueError(error)) {
        // A rule that forgot to guard an unknown still fails closed here.
        record(`${resource.name}: ${error.message}; the rule fails closed on unknown values.`);
        continue;
      }
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`rule ${rule.name} failed on ${resource.urn}: ${reason}`, { cause: error });
    }
  }
  return violations;
}

export function evaluatePlan(plan: Plan, options: EvaluateOptions = {}): Violation[] {
  return plan.resources.flatMap((resource) =>
    evaluateResource(resource, options).map((violation) => ({ stack: plan.stack, ...violation })),
  );
}

/** Whether any violation blocks (mandatory), the CLI's exit-code test. */
export function hasBlocking(violations: readonly Violation[]): boolean {
  return violations.some((v) => v.enforcementLevel === "mandatory");
}
