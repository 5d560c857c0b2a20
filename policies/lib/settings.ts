import type { PolicyConfigSchema } from "@pulumi/policy";
import { OPERATOR_CIDR_MIN_PREFIX } from "../../infra/cloud-limits";

type PolicyConfigJSONSchema = PolicyConfigSchema["properties"][string];

/**
 * Every configuration key any rule reads, with its default. A rule's
 * `configSchema` lists the subset it reads (see {@link schemaFor}); the
 * engine hands each rule only its own keys, so defaults are applied here
 * as well as in the schema: a pack run without `--policy-pack-config`
 * still gets them.
 */
export interface Settings {
  /** Where operators connect from; the bastion's ingress sources must lie inside these. */
  readonly operatorCidrs: readonly string[];
  /** No public IPv4 source (and no bastion source) may be wider than this prefix length. */
  readonly minSourcePrefixLength: number;
  /** The IPv6 counterpart of {@link minSourcePrefixLength}. */
  readonly minSourcePrefixLengthIpv6: number;
  /** The tag (GCP: label) that marks the bastion; GCP firewalls target it as the network tag `<key>-<value>`. */
  readonly bastionTag: { readonly key: string; readonly value: string };
  /** Storage must be encrypted with a customer-managed key, not only the provider's default. */
  readonly requireCmek: boolean;
  /** The tag (GCP: label) every taggable compute and storage resource must carry. */
  readonly requiredTag: string;
  readonly requiredTagValue: string;
}

export type SettingKey = keyof Settings;

export const DEFAULT_SETTINGS: Settings = {
  operatorCidrs: [],
  // The spec refuses wider operatorCidrs by the same bound, so a valid stack passes.
  minSourcePrefixLength: OPERATOR_CIDR_MIN_PREFIX,
  minSourcePrefixLengthIpv6: 48,
  bastionTag: { key: "logos-role", value: "bastion" },
  requireCmek: true,
  requiredTag: "logos-proof-gated",
  requiredTagValue: "true",
};

const SCHEMAS: { readonly [K in SettingKey]: PolicyConfigJSONSchema } = {
  operatorCidrs: {
    type: "array",
    items: { type: "string" },
    default: [...DEFAULT_SETTINGS.operatorCidrs],
    description: "CIDRs operators connect from; the bastion's ingress sources must lie inside them.",
  },
  minSourcePrefixLength: {
    type: "integer",
    minimum: 1,
    maximum: 32,
    default: DEFAULT_SETTINGS.minSourcePrefixLength,
    description: "No public IPv4 ingress source, and no bastion source, may be wider than this prefix length.",
  },
  minSourcePrefixLengthIpv6: {
    type: "integer",
    minimum: 1,
    maximum: 128,
    default: DEFAULT_SETTINGS.minSourcePrefixLengthIpv6,
    description: "No public IPv6 ingress source, and no bastion source, may be wider than this prefix length.",
  },
  bastionTag: {
    type: "object",
    properties: { key: { type: "string", minLength: 1 }, value: { type: "string" } },
    required: ["key", "value"],
    additionalProperties: false,
    default: { ...DEFAULT_SETTINGS.bastionTag },
    description: "Tag (GCP: label; GCP firewalls: network tag `<key>-<value>`) that marks the bastion.",
  },
  requireCmek: {
    type: "boolean",
    default: DEFAULT_SETTINGS.requireCmek,
    description: "Require a customer-managed key, not just the provider's default encryption.",
  },
  requiredTag: {
    type: "string",
    minLength: 1,
    default: DEFAULT_SETTINGS.requiredTag,
    description: "Tag (GCP: label) every taggable compute and storage resource must carry.",
  },
  requiredTagValue: {
    type: "string",
    default: DEFAULT_SETTINGS.requiredTagValue,
    description: "Value the required tag must have.",
  },
};

export function schemaFor(keys: readonly SettingKey[]): PolicyConfigSchema {
  return { properties: Object.fromEntries(keys.map((key) => [key, SCHEMAS[key]])) };
}

/** Defaults, overlaid with what the engine (or the offline check) passes for this rule. */
export function resolveSettings(given: Partial<Record<string, unknown>>): Settings {
  return { ...DEFAULT_SETTINGS, ...(given as Partial<Settings>) };
}
