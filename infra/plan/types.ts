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
  /**
   * URNs this resource depends on, as the SDK sends them to the engine in its
   * RegisterResource request (`dependencies`): explicit `dependsOn` (a
   * component expanded to its children), the resources behind every Output
   * among the inputs, and what the SDK adds on its own. The engine creates a
   * resource only after all of these, and deletes it before them.
   */
  readonly dependencies: readonly string[];
  /** Per input property, the URNs its value came from (`propertyDependencies`). */
  readonly propertyDependencies: Readonly<Record<string, readonly string[]>>;
  /** The resource options of the request, with the SDK's defaults filled in. */
  readonly options: PlannedOptions;
  /**
   * Where the resource is constructed: the `new …(…)` that created it (for a
   * resource inside a component, the line inside the component), from the
   * source position the SDK puts in its RegisterResource request. Present
   * only in plans made with `sourcePositions` (the policy check's).
   */
  readonly source?: PlannedSource;
}

/** A position in this repository's TypeScript sources. */
export interface PlannedSource {
  /** File relative to the repository root, `/`-separated, e.g. `components/pool/aws-network.ts`; absolute when outside it. */
  readonly file: string;
  /** 1-based line of the TypeScript source (not of transpiled JavaScript). */
  readonly line: number;
  /** 1-based column where the `new` expression starts. */
  readonly column?: number;
}

/** Resource options as the SDK sends them to the engine (RegisterResourceRequest). */
export interface PlannedOptions {
  /** `protect`: the engine refuses to delete (or replace) the resource. */
  readonly protect: boolean;
  /** `retainOnDelete`: the engine drops it from the state on delete but leaves the cloud resource. */
  readonly retainOnDelete: boolean;
  /** `deleteBeforeReplace`: a replacement deletes the old resource before creating the new one. */
  readonly deleteBeforeReplace: boolean;
  /** Input properties whose change forces a replacement in addition to the provider's own. */
  readonly replaceOnChanges: readonly string[];
  /** Input properties whose changes the engine ignores after create. */
  readonly ignoreChanges: readonly string[];
  /** Outputs the engine treats as secrets. */
  readonly additionalSecretOutputs: readonly string[];
  /** Per-operation timeouts (Go duration strings, e.g. "30m"); absent when none set. */
  readonly customTimeouts?: { readonly create?: string; readonly update?: string; readonly delete?: string };
  /** Provider reference `urn::id` when one is given explicitly; absent for the default provider. */
  readonly provider?: string;
  /** `deletedWith`: the URN whose deletion also deletes this one. */
  readonly deletedWith?: string;
  /** Aliases (URNs or specs) the resource answers to. */
  readonly aliases?: readonly unknown[];
}

export interface Plan {
  readonly stack: string;
  readonly cloud: string;
  readonly resources: readonly PlannedResource[];
  /** Stack outputs; unknown parts are {@link UNKNOWN}. */
  readonly outputs: Record<string, unknown>;
}

/** The options of a request that sets none: what the engine assumes when a field is absent. */
export const DEFAULT_OPTIONS: PlannedOptions = {
  protect: false,
  retainOnDelete: false,
  deleteBeforeReplace: false,
  replaceOnChanges: [],
  ignoreChanges: [],
  additionalSecretOutputs: [],
};
