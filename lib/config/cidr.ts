/**
 * Small, dependency-free CIDR arithmetic for config validation (IPv4 and IPv6).
 *
 * Only what validation needs: parsing, and whether two ranges share any address.
 */

/** A parsed CIDR block: the first address as a bigint and the prefix length. */
export interface ParsedCidr {
  readonly family: 4 | 6;
  readonly network: bigint;
  readonly prefixLength: number;
  readonly text: string;
}

const IPV4_RE = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** True when `value` is a dotted-quad IPv4 address. */
export function isIpv4Address(value: string): boolean {
  return IPV4_RE.test(value);
}

/** True when `value` parses as an IPv6 address (with `::` compression). */
export function isIpv6Address(value: string): boolean {
  return parseIpv6(value) !== undefined;
}

/** True when `value` contains something that looks like an IPv4 or IPv6 address anywhere inside it. */
export function containsIpAddress(value: string): boolean {
  if (/(^|[^\d.])(\d{1,3}\.){3}\d{1,3}($|[^\d.])/.test(value)) return true;
  return value.split(/[/\s,;=]+/).some((part) => part.includes(':') && isIpv6Address(part));
}

function parseIpv4(value: string): bigint | undefined {
  if (!IPV4_RE.test(value)) return undefined;
  return value.split('.').reduce((acc, octet) => (acc << 8n) | BigInt(Number(octet)), 0n);
}

function parseIpv6(value: string): bigint | undefined {
  if (!/^[0-9a-fA-F:]+$/.test(value) || value.length < 2) return undefined;
  const halves = value.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] === '' ? [] : halves[0].split(':');
  const tail = halves.length === 2 ? (halves[1] === '' ? [] : halves[1].split(':')) : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? head.length !== 8 : missing < 1) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  if (groups.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

/**
 * Parses `a.b.c.d/n` or `x::y/n`. Returns undefined when malformed or when host bits are set
 * (a CIDR with host bits set is almost always a typo, and AWS rejects it for VPCs).
 */
export function parseCidr(text: string): ParsedCidr | undefined {
  const [address, prefix, extra] = text.split('/');
  if (extra !== undefined || prefix === undefined || !/^\d{1,3}$/.test(prefix)) return undefined;
  const prefixLength = Number(prefix);
  const v4 = parseIpv4(address);
  const family: 4 | 6 | undefined = v4 !== undefined ? 4 : parseIpv6(address) !== undefined ? 6 : undefined;
  if (family === undefined) return undefined;
  const bits = family === 4 ? 32 : 128;
  if (prefixLength > bits) return undefined;
  const network = (family === 4 ? v4 : parseIpv6(address)) as bigint;
  const hostMask = (1n << BigInt(bits - prefixLength)) - 1n;
  if ((network & hostMask) !== 0n) return undefined;
  return { family, network, prefixLength, text };
}

/** True when the two blocks share at least one address (same family only). */
export function cidrsOverlap(a: ParsedCidr, b: ParsedCidr): boolean {
  if (a.family !== b.family) return false;
  const bits = a.family === 4 ? 32 : 128;
  const shortest = Math.min(a.prefixLength, b.prefixLength);
  const shift = BigInt(bits - shortest);
  return a.network >> shift === b.network >> shift;
}
