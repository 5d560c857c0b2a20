/**
 * The stacks this repository ships. Tests check these by name, never
 * "whatever is in stacks/": a user's own stack file must not change what
 * `npm test` asserts (the CLIs, not the tests, are how a user checks theirs).
 */
export const SHIPPED_STACKS = ["aws-pilot", "aws-pool", "azure-pilot", "azure-pool", "gcp-pilot", "gcp-pool"] as const;

export type ShippedStack = (typeof SHIPPED_STACKS)[number];
