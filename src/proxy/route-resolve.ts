/**
 * The via host's decision for a routed OPEN (docs/protocol.md §13.1): which addresses it may
 * dial for it, decided once, on the exact bytes received, and then dialled as they are (never
 * resolved again).
 *
 * - The host is read as host-form.ts says: any spelling of an IPv4 address is that address and
 *   must be inside one of this host's CIDR routes; anything else must be a name one of its globs
 *   matches. IPv6 literals and malformed hosts are refused.
 * - A name is resolved here (every address, IPv4 and IPv6) and each address checked: one that
 *   reaches this machine's own loopback or means no single host — loopback, unspecified,
 *   link-local, multicast, reserved, IPv4-mapped forms of those — is dropped unless a CIDR route
 *   via this host names it. A glob is permission to reach a name's hosts, not this host's own
 *   loopback. This host's other interface addresses (its LAN address) are not dropped: a name
 *   resolving there reaches what listens on 0.0.0.0 (README, "Proxies and routes: macOS, the BSDs, and whole networks").
 */
import { lookup as dnsLookup } from 'node:dns';
import { isIPv4, isIPv6 } from 'node:net';
import { ipFromString, ipToString, type RouteTarget } from '../protocol/index.js';
import type { RouteResolution } from '../net/route-resolution.js';
import type { RouteTable } from './destination.js';
import { hostForm } from './host-form.js';

export type { RouteResolution };

export interface LookupAddress {
  address: string;
  family: number;
}

/** `dns.lookup(name, {all: true})`, replaceable in tests. */
export type Lookup = (name: string) => Promise<LookupAddress[]>;

export const systemLookup: Lookup = (name) => new Promise((resolve, reject) => {
  dnsLookup(name, { all: true, verbatim: true }, (err, addresses) => (err ? reject(err) : resolve(addresses)));
});

/** A name that has not resolved within this is answered ABORT `timeout` (as a dial that hangs). */
export const LOOKUP_TIMEOUT_MS = 10_000;

/** What `me` may dial for `target`, from its routes `table`. */
export async function resolveRoute(table: RouteTable, me: number, target: RouteTarget, lookup: Lookup = systemLookup, timeoutMs = LOOKUP_TIMEOUT_MS): Promise<RouteResolution> {
  const form = hostForm(target.host);
  const here = ipToString(me);
  if (form.kind === 'bad') return refuse(`${form.why}; nothing dialled`);
  if (form.kind === 'ipv6') return refuse(`${target.host} is an IPv6 address: routes are IPv4`);
  if (!table.allows(me, form)) return refuse(`${here} has no route to ${target.host} (the manifest's routes via this host do not match it)`);
  if (form.kind === 'ipv4') return { ok: true, addresses: [ipToString(form.ip)] };
  let found: LookupAddress[];
  try {
    found = await withTimeout(lookup(form.name), timeoutMs);
  } catch (e) {
    if (e === TIMED_OUT) return { ok: false, reason: 'timeout', why: `${form.name}: the name did not resolve within ${timeoutMs / 1000} s` };
    const code = (e as { code?: unknown }).code;
    return { ok: false, reason: 'unreachable', why: `${form.name}: ${typeof code === 'string' ? code : (e as Error).message}` };
  }
  const allowed: string[] = [];
  const dropped: string[] = [];
  for (const { address } of found) {
    const checked = checkAddress(address, (ip) => table.cidrAllows(me, ip));
    if (typeof checked === 'string') dropped.push(`${address} (${checked})`);
    else if (!allowed.includes(checked.dial)) allowed.push(checked.dial);
  }
  if (allowed.length > 0) return { ok: true, addresses: allowed };
  if (dropped.length === 0) return { ok: false, reason: 'unreachable', why: `${form.name}: no address` };
  return refuse(`${form.name} resolves on ${here} only to ${dropped.join(', ')}, which a name route does not reach: only a CIDR route names such addresses`);
}

function refuse(why: string): RouteResolution {
  return { ok: false, reason: 'policy', why };
}

/**
 * One resolved address: the literal to dial, or why a name may not reach it. `cidrNamed` says
 * whether a CIDR route via this host contains an IPv4 address.
 */
export function checkAddress(address: string, cidrNamed: (ip: number) => boolean): { dial: string } | string {
  if (isIPv4(address)) {
    const ip = ipFromString(address);
    if (ip === undefined) return 'not an IPv4 address';
    if (cidrNamed(ip)) return { dial: address };
    const special = specialIPv4(ip);
    return special ?? { dial: address };
  }
  if (!isIPv6(address)) return 'not an address';
  const words = ipv6Words(address);
  if (!words) return 'not an IPv6 address';
  const mapped = mappedIPv4(words);
  if (mapped !== undefined) {
    // The kernel dials an IPv4-mapped address as the IPv4 address: checked, and dialled, as that.
    const v4 = ipToString(mapped);
    if (cidrNamed(mapped)) return { dial: v4 };
    return specialIPv4(mapped) ?? { dial: v4 };
  }
  return specialIPv6(words) ?? { dial: address };
}

/** Why an IPv4 address is not one a name route reaches, or undefined. */
export function specialIPv4(ip: number): string | undefined {
  const a = ip >>> 24;
  const b = (ip >>> 16) & 255;
  if (a === 0) return 'this host (0.0.0.0/8)';
  if (a === 127) return 'loopback';
  if (a === 169 && b === 254) return 'link-local';
  if (a >= 224 && a <= 239) return 'multicast';
  if (a >= 240) return 'reserved or broadcast';
  return undefined;
}

/** Why an IPv6 address (as eight 16-bit words) is not one a name route reaches, or undefined. */
function specialIPv6(w: number[]): string | undefined {
  const first = w[0] ?? 0;
  if (w.slice(0, 7).every((x) => x === 0)) return (w[7] ?? 0) === 1 ? 'loopback' : 'unspecified';
  // ::a.b.c.d (IPv4-compatible, deprecated) and the rest of ::/96: no host a name should mean.
  if (w.slice(0, 6).every((x) => x === 0)) return 'IPv4-compatible';
  if ((first & 0xffc0) === 0xfe80) return 'link-local';
  if ((first & 0xffc0) === 0xfec0) return 'site-local';
  if ((first & 0xff00) === 0xff00) return 'multicast';
  return undefined;
}

/** ::ffff:a.b.c.d, as the IPv4 address. */
function mappedIPv4(w: number[]): number | undefined {
  if (!w.slice(0, 5).every((x) => x === 0) || w[5] !== 0xffff) return undefined;
  return ((w[6] ?? 0) * 65536 + (w[7] ?? 0)) >>> 0;
}

/** The eight words of an IPv6 address (`::` and a dotted IPv4 tail expanded; no zone). */
export function ipv6Words(text: string): number[] | undefined {
  if (text.includes('%')) return undefined;
  let t = text;
  const tail = /:(\d+\.\d+\.\d+\.\d+)$/.exec(t);
  if (tail) {
    const v4 = ipFromString(tail[1] ?? '');
    if (v4 === undefined) return undefined;
    t = `${t.slice(0, -(tail[1] ?? '').length)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const halves = t.split('::');
  if (halves.length > 2) return undefined;
  const parse = (s: string): number[] | undefined => {
    if (s === '') return [];
    const out: number[] = [];
    for (const p of s.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return undefined;
      out.push(parseInt(p, 16));
    }
    return out;
  };
  const head = parse(halves[0] ?? '');
  const rest = halves.length === 2 ? parse(halves[1] ?? '') : [];
  if (!head || !rest) return undefined;
  if (halves.length === 1) return head.length === 8 ? head : undefined;
  const fill = 8 - head.length - rest.length;
  if (fill < 1) return undefined;
  return [...head, ...new Array<number>(fill).fill(0), ...rest];
}

const TIMED_OUT = Symbol('timed out');

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(TIMED_OUT), ms);
    promise.then((v) => { clearTimeout(timer); resolve(v); }, (e: unknown) => { clearTimeout(timer); reject(e); });
  });
}
