/**
 * The one IPv4 parser of the code base: a dotted quad, four decimal parts 0-255, no leading
 * zeros, nothing else. Every other spelling that some library would take for an address
 * (`127.0.042.1`, which inet_aton reads as octal, `127.1`, `0x7f.1`, `2130706433`) is refused here,
 * so a value checked by one part of norouter cannot mean another address to the part that dials
 * it. Pure, no imports: the lowest layer.
 */

/** Parses a strict dotted quad to a u32 (127.0.42.101 = 0x7f002a65); undefined otherwise. */
export function parseIPv4(text: string): number | undefined {
  return ipv4Problem(text) === undefined ? toU32(text) : undefined;
}

export function isIPv4(text: string): boolean {
  return ipv4Problem(text) === undefined;
}

/** Why `text` is not a strict dotted quad, for messages; undefined when it is one. */
export function ipv4Problem(text: string): string | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return `it has ${parts.length} part${parts.length === 1 ? '' : 's'}, not 4`;
  for (const p of parts) {
    if (p === '') return 'it has an empty part';
    if (!/^[0-9]+$/.test(p)) return `part ${JSON.stringify(p)} is not a decimal number`;
    if (p.length > 1 && p.startsWith('0')) return `part ${JSON.stringify(p)} has a leading zero (some resolvers read it as octal)`;
    if (p.length > 3 || Number(p) > 255) return `part ${p} is above 255`;
  }
  return undefined;
}

/**
 * Whether `name` would be taken for an address rather than a host name: its last label is all
 * digits or a `0x` hex number. No top-level domain is numeric (RFC 3696 §2), and getaddrinfo
 * reads such names (`300.1.1.1`, `10.1`, `0x7f000001`) as numbers, so a name like that is an
 * attempt at an address: it must then be a strict dotted quad.
 */
export function looksLikeIPv4(name: string): boolean {
  const last = name.slice(name.lastIndexOf('.') + 1);
  return /^(?:[0-9]+|0x[0-9a-f]*)$/i.test(last);
}

export function formatIPv4(ip: number): string {
  return `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`;
}

function toU32(text: string): number {
  let ip = 0;
  for (const p of text.split('.')) ip = ip * 256 + Number(p);
  return ip;
}
