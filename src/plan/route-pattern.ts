/**
 * The syntax of the proxies' manifest values, shared by validation, the agent's flags and the
 * proxies: a route destination (`10.0.0.0/8`, `10.1.2.3`, `*.internal`) and a proxy listen
 * address (`127.0.0.1:18080`, `[::1]:1080`). Pure.
 *
 * Specificity (README, docs/protocol.md §13): a CIDR's is its prefix length; a glob's is its
 * number of literal characters (everything but `*` and `?`). An IPv4 destination is matched only
 * against CIDRs, a name only against globs.
 */
import { parsePort, type Parsed } from './parsed.js';
import { ipFromString } from '../protocol/frame.js';
import { ipv4Problem, isIPv4 } from '../protocol/ipv4.js';

export type RoutePattern =
  | { kind: 'cidr'; text: string; net: number; prefix: number }
  | { kind: 'glob'; text: string; regex: RegExp; literal: number };

/** Parses one `to` entry; the error says why it is neither an IPv4 CIDR nor a host-name glob. */
export function parseRoutePattern(text: string): Parsed<RoutePattern> {
  if (/^[0-9./]+$/.test(text)) return parseCidr(text);
  if (text === '') return { ok: false, error: 'it is empty' };
  const bad = /[^a-zA-Z0-9.*?-]/.exec(text)?.[0];
  if (bad !== undefined) return { ok: false, error: `it contains ${JSON.stringify(bad)} (a glob has letters, digits, hyphens, dots, * and ?; a CIDR is like 10.0.0.0/8)` };
  if (text.startsWith('.') || text.endsWith('.')) return { ok: false, error: 'it starts or ends with a dot' };
  if (text.includes('..')) return { ok: false, error: 'it has two dots in a row' };
  if (text.length > 253) return { ok: false, error: `it has ${text.length} characters (at most 253)` };
  const source = text.toLowerCase().replace(/[.*?]/g, (c) => (c === '.' ? '\\.' : c === '*' ? '.*' : '.'));
  return { ok: true, value: { kind: 'glob', text, regex: new RegExp(`^${source}$`), literal: text.replace(/[*?]/g, '').length } };
}

function parseCidr(text: string): Parsed<RoutePattern> {
  const [address = '', bits, ...more] = text.split('/');
  if (more.length) return { ok: false, error: 'it has two slashes' };
  if (!isIPv4(address)) return { ok: false, error: `"${address}" is not an IPv4 address: ${ipv4Problem(address) ?? ''}` };
  const prefix = bits === undefined ? 32 : /^[0-9]{1,2}$/.test(bits) ? Number(bits) : NaN;
  if (!(prefix >= 0 && prefix <= 32)) return { ok: false, error: `prefix length "${bits ?? ''}" is not 0-32` };
  const ip = ipFromString(address) ?? 0;
  const net = maskOf(ip, prefix);
  if (net !== ip) return { ok: false, error: `it has host bits set (the network is ${formatIp(net)}/${prefix})` };
  return { ok: true, value: { kind: 'cidr', text, net, prefix } };
}

function maskOf(ip: number, prefix: number): number {
  return prefix === 0 ? 0 : (ip & (0xffffffff << (32 - prefix))) >>> 0;
}

function formatIp(ip: number): string {
  return `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`;
}

/** Whether `pattern` matches a destination: an IPv4 address (as u32) or a lower-case name. */
export function patternMatches(pattern: RoutePattern, ip: number | undefined, name: string): boolean {
  if (pattern.kind === 'cidr') return ip !== undefined && maskOf(ip, pattern.prefix) === pattern.net;
  return ip === undefined && pattern.regex.test(name);
}

/** How specific a match is: longest prefix for CIDRs, most literal characters for globs. */
export function specificity(pattern: RoutePattern): number {
  return pattern.kind === 'cidr' ? pattern.prefix : pattern.literal;
}

export interface ListenAddress {
  /** As given to listen(): no brackets around IPv6. */
  host: string;
  port: number;
}

/** `ADDRESS:PORT`: an IPv4 address, `localhost`, or a bracketed IPv6 address, and a port. */
export function parseListenAddress(text: string): Parsed<ListenAddress> {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):([^:]*)$/.exec(text);
  if (!m) return { ok: false, error: `"${text}" is not ADDRESS:PORT (for example 127.0.0.1:18080 or [::1]:1080)` };
  const [, v6, host = '', portText = ''] = m;
  const port = parsePort(portText);
  if (port === undefined) return { ok: false, error: `port "${portText}" is not a port number (1-65535)` };
  if (v6 !== undefined) {
    if (!v6.includes(':')) return { ok: false, error: `"[${v6}]" is not an IPv6 address` };
    return { ok: true, value: { host: v6, port } };
  }
  if (!isIPv4(host) && host !== 'localhost') return { ok: false, error: `address "${host}" is neither an IPv4 address, localhost nor a bracketed IPv6 address` };
  return { ok: true, value: { host, port } };
}
