/**
 * What a destination host written by a proxy client means (docs/protocol.md §13.1), decided once
 * and the same way on every host: the proxy choosing a route and the via host checking it.
 * Pure.
 *
 * The C resolver (`getaddrinfo`, glibc's and musl's alike) reads any string that inet_aton
 * accepts as an IPv4 address: octal (`0177.0.0.1`, and so `010.0.0.1` is 8.0.0.1), hex
 * (`0x7f.1`), fewer than four parts (`127.1`, `10.1`: the last part fills the remaining bytes)
 * and a single number (`2130706433`). A check that reads such a string one way while the resolver
 * dials another lets a client pick any address. So every spelling whose last label is a number
 * is read here with inet_aton's rules and becomes that address (or is refused when inet_aton
 * would not read it); it never reaches a resolver as text. Everything else must be a host name
 * (letters, digits, `-`, `_`, dots), which the via host resolves and checks address by address
 * (route-resolve.ts). An IPv6 literal (brackets, colons, a `%zone`) is its own kind: the mesh
 * and its routes are IPv4.
 */

export type HostForm =
  /** Any spelling of an IPv4 address, as the address it means. */
  | { kind: 'ipv4'; ip: number }
  /** A host name: lower case, without a final dot. */
  | { kind: 'name'; name: string }
  | { kind: 'ipv6' }
  | { kind: 'bad'; why: string };

/** RFC 1035 §2.3.4. */
const MAX_NAME = 253;
const MAX_LABEL = 63;
/** Significant digits in a part: more is far above 2^32 whatever the base (the value is refused). */
const MAX_PART_DIGITS = 32;

/**
 * The address inet_aton reads from `text` (one to four parts separated by dots, each decimal,
 * octal with a leading 0, or hex with 0x; every part but the last at most 255, the last filling
 * the bytes left), or undefined when it reads none. A part that would overflow is refused, not
 * wrapped.
 */
export function parseInetAton(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length > 4) return undefined;
  const values: number[] = [];
  for (const part of parts) {
    const v = parsePart(part);
    if (v === undefined) return undefined;
    values.push(v);
  }
  const last = values.pop() ?? 0;
  let ip = 0;
  for (const v of values) {
    if (v > 255) return undefined;
    ip = ip * 256 + v;
  }
  const room = 4 - values.length;
  if (last >= 256 ** room) return undefined;
  return ip * 256 ** room + last;
}

function parsePart(part: string): number | undefined {
  // Leading zeros do not count towards the length: inet_aton reads any number of them.
  let base = 10;
  let digits = part;
  if (/^0[xX][0-9a-fA-F]+$/.test(part)) {
    base = 16;
    digits = part.slice(2);
  } else if (/^0[0-7]*$/.test(part)) {
    base = 8;
  } else if (!/^[1-9][0-9]*$/.test(part)) {
    return undefined;
  }
  digits = digits.replace(/^0+(?=.)/, '');
  if (digits.length > MAX_PART_DIGITS) return undefined;
  return parseInt(digits, base);
}

/** Lower case, and a final dot (the DNS root) dropped: `WEB.Mesh.` is `web.mesh`. */
export function normalHost(raw: string): string {
  const lower = raw.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

/** What `raw` (a URL's or CONNECT's host without brackets, a SOCKS name, a routed OPEN's host) is. */
export function hostForm(raw: string): HostForm {
  if (raw.includes(':') || raw.startsWith('[')) return { kind: 'ipv6' };
  const host = normalHost(raw);
  if (host === '') return { kind: 'bad', why: 'an empty host' };
  const bad = /[^a-z0-9._-]/.exec(host)?.[0];
  if (bad !== undefined) {
    const hint = bad === '%' ? ' (percent-encoded and %zone hosts are not accepted)' : '';
    return { kind: 'bad', why: `host "${raw}" contains ${JSON.stringify(bad)}: it is neither a host name nor an IPv4 address${hint}` };
  }
  const labels = host.split('.');
  const last = labels[labels.length - 1] ?? '';
  // The last label decides, as for a URL's host (WHATWG "ends in a number"): `10.1`, `0x7f.1`
  // and `2130706433` are addresses; `1.2.3.4.5` and `08.0.0.1` are nothing at all.
  if (/^(?:0x[0-9a-f]*|[0-9]+)$/.test(last)) {
    const ip = parseInetAton(host);
    if (ip === undefined) return { kind: 'bad', why: `host "${raw}" ends in a number but is not an IPv4 address` };
    return { kind: 'ipv4', ip };
  }
  if (host.length > MAX_NAME || labels.some((l) => l === '' || l.length > MAX_LABEL)) {
    return { kind: 'bad', why: `host "${raw}" is not a valid host name (empty or over-long labels)` };
  }
  return { kind: 'name', name: host };
}
