/**
 * Where each node goes: zone, subnet and a stable private address. Pure.
 * Addresses start at offset 4 of each subnet, clear of what every cloud
 * reserves at the bottom (AWS and Azure the first four, GCP the first two);
 * the top two are left as well (broadcast; GCP's second-to-last).
 */
import { hostAt, parseCidr } from "./cidr";
import type { PoolSpec } from "./spec";

export interface NodeSlot {
  /** Logical name, `<pool>-core-<i>`; also the host name. */
  readonly name: string;
  readonly index: number;
  readonly zone: string;
  readonly subnet: string;
  /** Index into `spec.zones` / `spec.network.nodeSubnets`. */
  readonly zoneIndex: number;
  readonly privateIp: string;
}

export const FIRST_HOST_OFFSET = 4;
const TOP_RESERVED = 2;

/**
 * The fixed (core) nodes, round-robin over zones. Burst and standby capacity
 * is not listed: the cloud's autoscaling group places it in the burst subnets.
 */
export function nodeSlots(spec: Pick<PoolSpec, "name" | "zones" | "network" | "nodes">): NodeSlot[] {
  const zoneCount = spec.zones.length;
  return Array.from({ length: spec.nodes.core }, (_, i) => {
    const zoneIndex = i % zoneCount;
    const subnet = spec.network.nodeSubnets[zoneIndex];
    const cidr = parseCidr(subnet);
    if (!cidr) throw new Error(`bad subnet ${subnet}`);
    return {
      name: `${spec.name}-core-${i}`,
      index: i,
      zone: spec.zones[zoneIndex],
      subnet,
      zoneIndex,
      privateIp: hostAt(cidr, FIRST_HOST_OFFSET + Math.floor(i / zoneCount)),
    };
  });
}

/** The bastion's fixed private address in the edge subnet. */
export function bastionPrivateIp(spec: Pick<PoolSpec, "network">): string {
  const cidr = parseCidr(spec.network.edgeSubnet);
  if (!cidr) throw new Error(`bad subnet ${spec.network.edgeSubnet}`);
  return hostAt(cidr, FIRST_HOST_OFFSET);
}

/** How many nodes fit in one subnet of this prefix, leaving every cloud's reserved addresses. */
export function subnetCapacity(subnetPrefix: number): number {
  return 2 ** (32 - subnetPrefix) - FIRST_HOST_OFFSET - TOP_RESERVED;
}
