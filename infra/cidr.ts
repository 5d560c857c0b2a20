/**
 * IPv4 CIDR arithmetic for the pool's network plan. Pure: no Pulumi imports.
 */

export interface Ipv4Cidr {
  /** Network address as an unsigned 32-bit integer. */
  readonly base: number;
  readonly prefix: number;
}

const CIDR_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** Parses `a.b.c.d/n`; returns undefined when the text is not a valid IPv4 CIDR. */
export function parseCidr(text: string): Ipv4Cidr | undefined {
  const m = CIDR_RE.exec(text.trim());
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  const addr = ((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0;
  return { base: (addr & maskOf(prefix)) >>> 0, prefix };
}

/** True when the host bits of `text` are zero (`10.0.0.0/16`, not `10.0.0.1/16`). */
export function isNetworkAligned(text: string): boolean {
  const c = parseCidr(text);
  if (!c) return false;
  const addr = parseCidr(text.replace(/\/\d+$/, "/32"));
  return addr !== undefined && addr.base === c.base;
}

export function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

export function formatCidr(c: Ipv4Cidr): string {
  return `${formatIp(c.base)}/${c.prefix}`;
}

export function formatIp(n: number): string {
  return [24, 16, 8, 0].map((s) => (n >>> s) & 255).join(".");
}

/** The `index`-th subnet of `newPrefix` inside `parent`. */
export function subnetOf(parent: Ipv4Cidr, newPrefix: number, index: number): Ipv4Cidr {
  if (newPrefix < parent.prefix || newPrefix > 32) {
    throw new RangeError(`cannot cut /${newPrefix} out of /${parent.prefix}`);
  }
  const count = 2 ** (newPrefix - parent.prefix);
  if (index < 0 || index >= count) {
    throw new RangeError(`subnet index ${index} out of range 0..${count - 1} for /${newPrefix} in /${parent.prefix}`);
  }
  return { base: (parent.base + index * 2 ** (32 - newPrefix)) >>> 0, prefix: newPrefix };
}

export function contains(outer: Ipv4Cidr, inner: Ipv4Cidr): boolean {
  return inner.prefix >= outer.prefix && (inner.base & maskOf(outer.prefix)) >>> 0 === outer.base;
}

export function overlaps(a: Ipv4Cidr, b: Ipv4Cidr): boolean {
  return contains(a, b) || contains(b, a);
}

/** Host address `offset` inside `c` (offset 0 is the network address). */
export function hostAt(c: Ipv4Cidr, offset: number): string {
  return formatIp((c.base + offset) >>> 0);
}

export interface NetworkPlan {
  /** The whole pool network. */
  readonly cidr: string;
  /** One private subnet per zone for the fixed nodes (core, standby), in zone order; static addresses. */
  readonly nodeSubnets: readonly string[];
  /** One private subnet per zone for burst nodes, whose addresses the cloud assigns; kept apart so a burst node can never take a fixed node's address. */
  readonly burstSubnets: readonly string[];
  /** The public subnet holding the bastion and the NAT (one zone suffices). */
  readonly edgeSubnet: string;
  /** Unused block kept free for a cloud's managed services. */
  readonly reservedSubnet: string;
}

/**
 * Cuts the pool network into 16 equal, non-overlapping blocks: zone i gets
 * block 2i for fixed nodes and block 2i+1 for burst nodes (up to 6 zones),
 * block 12 is the edge (bastion + NAT), block 13 is reserved, 14-15 stay free.
 * A /16 pool gives /20 blocks; a /24 pool gives /28 blocks.
 */
export function planNetwork(cidr: string, zoneCount: number): NetworkPlan {
  const parent = parseCidr(cidr);
  if (!parent) throw new Error(`not an IPv4 CIDR: ${cidr}`);
  if (zoneCount < 1 || zoneCount > 6) throw new RangeError(`zone count ${zoneCount} outside 1..6`);
  const blockPrefix = parent.prefix + 4;
  const block = (i: number): string => formatCidr(subnetOf(parent, blockPrefix, i));
  return {
    cidr: formatCidr(parent),
    nodeSubnets: Array.from({ length: zoneCount }, (_, i) => block(2 * i)),
    burstSubnets: Array.from({ length: zoneCount }, (_, i) => block(2 * i + 1)),
    edgeSubnet: block(12),
    reservedSubnet: block(13),
  };
}
