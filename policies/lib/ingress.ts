import { contains, isPrivate, parseNetwork } from "./cidr";
import type { Settings } from "./settings";

/** Source words that mean "anyone": Azure's `*`, `Any`, `Internet`, and a bare unspecified address. */
const WORLD_WORDS = new Set(["*", "any", "internet", "0.0.0.0", "::"]);

/** Azure service tags that only ever cover the private network. Any other tag (e.g. `AzureCloud`) admits public addresses. */
const PRIVATE_SERVICE_TAGS = new Set(["virtualnetwork", "azureloadbalancer"]);

export interface SourceContext {
  readonly settings: Settings;
  /** The resource is (or protects) the bastion: sources must be operator CIDRs. */
  readonly bastion: boolean;
}

/**
 * Why an ingress source is not allowed, or `undefined` when it is. The
 * returned text completes "source <x> ..." in a violation message.
 */
export function sourceProblem(source: string, { settings, bastion }: SourceContext): string | undefined {
  const word = source.trim().toLowerCase();
  if (WORLD_WORDS.has(word) || word.endsWith("/0")) return "admits the whole internet";
  const network = parseNetwork(source);
  if (network === undefined) {
    if (bastion) return "is not a CIDR inside operatorCidrs (the bastion admits operator CIDRs only)";
    return PRIVATE_SERVICE_TAGS.has(word) ? undefined : "is a service tag that admits public addresses";
  }
  const minimum = network.version === 4 ? settings.minSourcePrefixLength : settings.minSourcePrefixLengthIpv6;
  const isPublic = !isPrivate(network);
  if ((bastion || isPublic) && network.prefixLength < minimum) return `is wider than the allowed /${minimum}`;
  // Only operators ever reach in from outside: any public source, and every bastion source, is an operator network.
  if (bastion || isPublic) {
    if (settings.operatorCidrs.length === 0) {
      return bastion ? "reaches the bastion but no operatorCidrs are configured" : "is public and no operatorCidrs are configured";
    }
    const inside = settings.operatorCidrs.some((cidr) => {
      const operator = parseNetwork(cidr);
      return operator !== undefined && contains(operator, network);
    });
    if (!inside) return `is ${bastion ? "" : "public and "}outside operatorCidrs (${settings.operatorCidrs.join(", ")})`;
  }
  return undefined;
}

/**
 * How to fix a bastion source: the bastion admits exactly the operator
 * ranges of the stack, which the spec bounds by the same prefix length
 * (`OPERATOR_CIDR_MIN_PREFIX`) as this pack's `minSourcePrefixLength` default.
 */
export function bastionFix(settings: Settings): string {
  return `admit only ranges from the stack's logos-compute:operatorCidrs, each /${settings.minSourcePrefixLength} or narrower`;
}

/** `tcp 22`, `tcp 8000-8080`, `all ports`. */
export function describePorts(protocol: string | undefined, from?: number | string, to?: number | string): string {
  const proto = (protocol ?? "").toLowerCase();
  if (proto === "-1" || proto === "all" || proto === "*") return "all protocols and ports";
  const low = from === undefined || from === "*" ? undefined : String(from);
  const high = to === undefined || to === "*" ? low : String(to);
  if (low === undefined || (low === "0" && (high === "65535" || high === "0"))) return `${proto} all ports`;
  return low === high ? `${proto} ${low}` : `${proto} ${low}-${high}`;
}
