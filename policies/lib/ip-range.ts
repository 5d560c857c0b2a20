import { contains, parseNetwork, type Network } from "./cidr";
import type { Settings } from "./settings";

const PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"].map((cidr) => parseNetwork(cidr) as Network);

/**
 * Why a database firewall rule's IPv4 range [start, end] must not be
 * allowed, or `undefined` when it may. Azure SQL reads 0.0.0.0–0.0.0.0 as
 * "every Azure service, any tenant's"; any other range that reaches public
 * addresses must lie inside operatorCidrs and be no wider than the
 * configured prefix, like an ingress source.
 */
export function ipRangeProblem(start: string, end: string, settings: Settings): string | undefined {
  const low = parseNetwork(start);
  const high = parseNetwork(end);
  if (low?.version !== 4 || high?.version !== 4 || low.prefixLength !== 32 || high.prefixLength !== 32) {
    return "is not a pair of IPv4 addresses";
  }
  if (low.base === 0n && high.base === 0n) return "admits every Azure service of any tenant";
  if (high.base < low.base) return "ends before it starts";
  const size = high.base - low.base + 1n;
  if (size > 1n << BigInt(32 - settings.minSourcePrefixLength)) return `is wider than the allowed /${settings.minSourcePrefixLength}`;
  const inside = (outer: Network): boolean => contains(outer, low) && contains(outer, high);
  // A range of private addresses only never reaches the public endpoint from outside.
  if (PRIVATE_RANGES.some(inside)) return undefined;
  if (settings.operatorCidrs.length === 0) return "is public and no operatorCidrs are configured";
  const operator = settings.operatorCidrs.some((cidr) => {
    const network = parseNetwork(cidr);
    return network !== undefined && inside(network);
  });
  return operator ? undefined : `is public and outside operatorCidrs (${settings.operatorCidrs.join(", ")})`;
}
