import type { Resource, Unwrap } from "@pulumi/pulumi";
import {
  validateResourceOfType,
  type EnforcementLevel,
  type PolicyConfigSchema,
  type ResourceValidation,
  type ResourceValidationArgs,
  type Severity,
} from "@pulumi/policy";
import { isUnknownValueError } from "./unknowns";
import { resolveSettings, schemaFor, type SettingKey, type Settings } from "./settings";

export type Cloud = "aws" | "gcp" | "azure";

/**
 * One rule of the pack: a CrossGuard resource policy plus the metadata the
 * registry, the offline check and the README table need.
 */
export interface LogosRule {
  /** `<cloud>-<service>-<rule>`. */
  readonly name: string;
  readonly cloud: Cloud;
  readonly severity: Severity;
  /** Default enforcement; `mandatory` for every guarantee the pool makes. */
  readonly enforcementLevel: EnforcementLevel;
  readonly description: string;
  readonly remediation: string;
  readonly configKeys: readonly SettingKey[];
  readonly configSchema: PolicyConfigSchema;
  /** One typed validation per resource type that can express the violation. */
  readonly validateResource: readonly ResourceValidation[];
}

export type RuleDefinition = Omit<LogosRule, "configSchema">;

export function defineRule(definition: RuleDefinition): LogosRule {
  return { ...definition, configSchema: schemaFor(definition.configKeys) };
}

/** What a check body gets besides the resource's typed inputs. */
export interface CheckContext {
  /** `Type 'name'`, for the start of every message. */
  readonly label: string;
  readonly settings: Settings;
  report(message: string): void;
}

/** Type token → short class name, e.g. `aws:ec2/instance:Instance` → `Instance`. */
export function shortType(type: string): string {
  return type.slice(type.lastIndexOf(":") + 1);
}

/** `["ingress", "0", "cidrBlocks"]` → `ingress[0].cidrBlocks`. */
export function propertyPath(props: readonly PropertyKey[]): string {
  return props.map((p) => String(p)).reduce((path, p) => (/^\d+$/.test(p) ? `${path}[${p}]` : path === "" ? p : `${path}.${p}`), "");
}

/**
 * `validateResourceOfType` with fail-closed unknowns: the engine would turn
 * an unknown read into an advisory "can't run during preview" note; here it
 * becomes a violation of the rule, naming the property.
 */
export function check<TResource extends Resource, TArgs>(
  resourceClass: { new (name: string, args: TArgs, ...rest: any[]): TResource },
  body: (props: Unwrap<NonNullable<TArgs>>, ctx: CheckContext) => void,
): ResourceValidation {
  return validateResourceOfType(resourceClass, (props, args: ResourceValidationArgs, reportViolation) => {
    const label = `${shortType(args.type)} '${args.name}'`;
    const ctx: CheckContext = {
      label,
      settings: resolveSettings(args.getConfig<Record<string, unknown>>()),
      report: (message) => reportViolation(message),
    };
    try {
      body(props, ctx);
    } catch (error) {
      if (!isUnknownValueError(error)) throw error;
      reportViolation(
        `${label}: ${propertyPath(error.props)} is unknown until the cloud answers, so this rule cannot prove it ` +
          `safe and fails closed; derive it from plan-time values (literals or stack config).`,
      );
    }
  });
}
