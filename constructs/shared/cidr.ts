/** IPv4 CIDR arithmetic for validation and subnet planning. */

export interface ParsedCidr {
  readonly network: number;
  readonly prefix: number;
}

export function parseCidr(value: string): ParsedCidr {
  const [address, prefixText] = value.split('/');
  const octets = address.split('.').map(Number);
  const network = ((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0;
  return { network, prefix: Number(prefixText) };
}

export function cidrProblem(value: string): string | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value);
  if (!match) return 'expected an IPv4 CIDR block such as 10.0.0.0/16';
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return 'expected an IPv4 CIDR block such as 10.0.0.0/16';
  const { network } = parseCidr(value);
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  if ((network & mask) >>> 0 !== network) return 'host bits must be zero (e.g. 10.0.0.0/16, not 10.0.0.1/16)';
  return undefined;
}

/** Whether CIDR `inner` lies entirely inside CIDR `outer`. */
export function cidrContains(outer: string, inner: string): boolean {
  const o = parseCidr(outer);
  const i = parseCidr(inner);
  if (i.prefix < o.prefix) return false;
  const mask = o.prefix === 0 ? 0 : (0xffffffff << (32 - o.prefix)) >>> 0;
  return (i.network & mask) >>> 0 === o.network;
}

/** Whether two CIDR blocks share any address. */
export function cidrsOverlap(a: string, b: string): boolean {
  return cidrContains(a, b) || cidrContains(b, a);
}

/** The first and last address of a CIDR block, as unsigned 32-bit numbers. */
export function cidrRange(value: string): readonly [number, number] {
  const { network, prefix } = parseCidr(value);
  const size = 2 ** (32 - prefix);
  return [network, network + size - 1];
}

/**
 * Ranges that are not reachable from the internet (RFC 1918, CGNAT, loopback, link-local,
 * "this network", multicast and reserved): a set of CIDRs that covers everything else admits
 * the whole internet, however it is split (`0.0.0.0/1` + `128.0.0.0/1`).
 */
export const NON_INTERNET_RANGES: readonly string[] = [
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '224.0.0.0/3',
];

/** Whether the union of `cidrs` covers every address in [from, to]. */
export function rangesCover(cidrs: readonly string[], from = 0, to = 0xffffffff): boolean {
  const ranges = cidrs.filter((c) => !cidrProblem(c)).map(cidrRange).sort((a, b) => a[0] - b[0]);
  let next = from;
  for (const [start, end] of ranges) {
    if (start > next) return false;
    if (end >= next) next = end + 1;
    if (next > to) return true;
  }
  return next > to;
}

/** Whether `cidrs` together admit every internet (publicly routable) IPv4 address. */
export function coversInternet(cidrs: readonly string[]): boolean {
  return rangesCover([...cidrs, ...NON_INTERNET_RANGES]);
}
