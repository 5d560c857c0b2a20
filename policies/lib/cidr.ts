/**
 * Address arithmetic for ingress sources. Pure: no Pulumi imports, so the
 * rules, the offline check and the tests share one definition of "public".
 */

export interface Network {
  readonly version: 4 | 6;
  /** Network address as an unsigned integer, host bits cleared. */
  readonly base: bigint;
  readonly prefixLength: number;
}

const BITS = { 4: 32, 6: 128 } as const;

function parseIpv4(text: string): bigint | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = (value << 8n) | BigInt(octet);
  }
  return value;
}

function parseIpv6(text: string): bigint | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(text)) return undefined;
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const groups = (half: string): number[] | undefined => {
    if (half === "") return [];
    const out: number[] = [];
    const pieces = half.split(":");
    for (const [i, piece] of pieces.entries()) {
      if (i === pieces.length - 1 && piece.includes(".")) {
        const v4 = parseIpv4(piece);
        if (v4 === undefined) return undefined;
        out.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
      } else if (/^[0-9a-fA-F]{1,4}$/.test(piece)) {
        out.push(parseInt(piece, 16));
      } else {
        return undefined;
      }
    }
    return out;
  };
  const head = groups(halves[0] ?? "");
  const tail = halves.length === 2 ? groups(halves[1] ?? "") : [];
  if (head === undefined || tail === undefined) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const all = [...head, ...new Array<number>(missing).fill(0), ...tail];
  return all.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
}

/** Parses `a.b.c.d[/n]` or an IPv6 address with an optional `/n`; a bare address is a host route. */
export function parseNetwork(text: string): Network | undefined {
  const trimmed = text.trim();
  const slash = trimmed.indexOf("/");
  const address = slash < 0 ? trimmed : trimmed.slice(0, slash);
  const lengthText = slash < 0 ? undefined : trimmed.slice(slash + 1);
  const version: 4 | 6 = address.includes(":") ? 6 : 4;
  const value = version === 4 ? parseIpv4(address) : parseIpv6(address);
  if (value === undefined) return undefined;
  const bits = BITS[version];
  let prefixLength: number = bits;
  if (lengthText !== undefined) {
    if (!/^\d{1,3}$/.test(lengthText)) return undefined;
    prefixLength = Number(lengthText);
    if (prefixLength > bits) return undefined;
  }
  const hostBits = BigInt(bits - prefixLength);
  const base = (value >> hostBits) << hostBits;
  return { version, base, prefixLength };
}

/** True when `inner` lies entirely inside `outer`. */
export function contains(outer: Network, inner: Network): boolean {
  if (outer.version !== inner.version || inner.prefixLength < outer.prefixLength) return false;
  const hostBits = BigInt(BITS[outer.version] - outer.prefixLength);
  return inner.base >> hostBits === outer.base >> hostBits;
}

const PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7"].map(
  (cidr) => parseNetwork(cidr) as Network,
);

/** RFC 1918, carrier-grade NAT and IPv6 unique-local space: reachable only from inside a private network. */
export function isPrivate(network: Network): boolean {
  return PRIVATE_RANGES.some((range) => contains(range, network));
}

export function formatNetwork(network: Network): string {
  if (network.version === 4) {
    const octets = [24n, 16n, 8n, 0n].map((shift) => String((network.base >> shift) & 0xffn));
    return `${octets.join(".")}/${network.prefixLength}`;
  }
  const groups: string[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(((network.base >> shift) & 0xffffn).toString(16));
  return `${groups.join(":")}/${network.prefixLength}`;
}
