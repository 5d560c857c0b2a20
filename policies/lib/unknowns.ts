import * as policy from "@pulumi/policy";

/**
 * The engine's own unknown-value semantics. `@pulumi/policy` exports these
 * at runtime but its published typings strip them, so they are typed here.
 * Using the engine's proxy (not a copy) keeps the offline check and the
 * tests exactly as strict as `pulumi preview`.
 */
export interface UnknownValueErrorLike extends Error {
  /** Property path that was read, e.g. `["ingress", "0", "cidrBlocks"]`. */
  readonly props: readonly PropertyKey[];
}

interface PolicyRuntime {
  unknownCheckingProxy<T>(inputs: T): T;
  UnknownValueError: new (...args: never[]) => UnknownValueErrorLike;
}

const runtime = policy as unknown as Partial<PolicyRuntime>;
if (typeof runtime.unknownCheckingProxy !== "function" || typeof runtime.UnknownValueError !== "function") {
  throw new Error("@pulumi/policy no longer exports unknownCheckingProxy/UnknownValueError; pin @pulumi/policy 1.21");
}

export const unknownCheckingProxy: PolicyRuntime["unknownCheckingProxy"] = runtime.unknownCheckingProxy;
export const UnknownValueError: PolicyRuntime["UnknownValueError"] = runtime.UnknownValueError;

export function isUnknownValueError(error: unknown): error is UnknownValueErrorLike {
  return error instanceof UnknownValueError;
}
