/**
 * The offline plan's document. Other tools (the policy check, the scheduler
 * fragment, CI) read this shape; keep it stable and only ever add fields.
 */

/**
 * The wire value the Pulumi engine uses for "not known until the cloud
 * answers". It is also the value `@pulumi/policy` treats as an unknown
 * string, so a plan read back from JSON keeps preview semantics.
 */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export interface PlannedResource {
  /** Full URN, e.g. `urn:pulumi:aws-pilot::logos-compute::logos:compute:VmPool$aws:ec2/instance:Instance::logos-core-0`. */
  readonly urn: string;
  /** Type token, e.g. `aws:ec2/instance:Instance`. */
  readonly type: string;
  /** Logical name. */
  readonly name: string;
  /** URN of the parent resource; absent for the stack's direct children. */
  readonly parent?: string;
  /** Whether this is a custom (cloud) resource rather than a component. */
  readonly custom: boolean;
  /** Inputs as the provider would receive them; unknowns are {@link UNKNOWN}. Secrets are replaced by `"[secret]"`. */
  readonly inputs: Record<string, unknown>;
}

export interface Plan {
  readonly stack: string;
  readonly cloud: string;
  readonly resources: readonly PlannedResource[];
  /** Stack outputs; unknown parts are {@link UNKNOWN}. */
  readonly outputs: Record<string, unknown>;
}
