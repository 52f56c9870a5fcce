/**
 * Where a proxy request goes (docs/protocol.md §13), decided from the agent's configuration alone.
 * Pure.
 *
 * 1. A host of the mesh — its name, alias, either with the DNS domain suffix or without, or its
 *    VIP — is reached at its published port over the mesh (a port it does not publish is refused).
 * 2. Anything else follows the most specific route (route-pattern.ts): an IPv4 address against
 *    the CIDRs, a name against the globs. The host is first read as host-form.ts says (any
 *    spelling of an IPv4 address is that address, §13.1); the via host gets the address in
 *    dotted-quad form, or the name, which it resolves and checks itself (route-resolve.ts).
 * 3. Nothing matched: refused. The proxy never dials from where it runs unless a route says so.
 */
import { ipFromString, ipToString, type RouteTarget } from '../protocol/index.js';
import { parseRoutePattern, patternMatches, specificity, type RoutePattern } from '../plan/route-pattern.js';
import type { AgentConfig, Route } from '../plan/types.js';
import { hostForm, type HostForm } from './host-form.js';

/** A destination a route can match: an IPv4 address or a host name (host-form.ts). */
export type RoutableHost = Extract<HostForm, { kind: 'ipv4' | 'name' }>;

export type Decision =
  | { kind: 'mesh'; vip: number; port: number; label: string }
  | { kind: 'route'; via: number; target: RouteTarget; label: string }
  /** `policy`: nothing allows it (403, SOCKS "not allowed by ruleset"); `bad`: not a destination. */
  | { kind: 'refuse'; why: string; reason: 'policy' | 'bad' };

interface CompiledRoute {
  via: number;
  pattern: RoutePattern;
}

export class RouteTable {
  private readonly entries: CompiledRoute[] = [];

  constructor(routes: readonly Route[]) {
    for (const r of routes) {
      const via = ipFromString(r.via);
      if (via === undefined) continue;
      for (const text of r.to) {
        const p = parseRoutePattern(text);
        if (p.ok) this.entries.push({ via, pattern: p.value });
      }
    }
  }

  /** The most specific route for a destination (the first listed on a tie). */
  pick(host: RoutableHost): CompiledRoute | undefined {
    let best: CompiledRoute | undefined;
    for (const e of this.entries) {
      if (!matches(e.pattern, host)) continue;
      if (!best || specificity(e.pattern) > specificity(best.pattern)) best = e;
    }
    return best;
  }

  /** The acceptor's check (§13): may `via` dial `host`? Any of its own routes suffices. */
  allows(via: number, host: RoutableHost): boolean {
    return this.entries.some((e) => e.via === via && matches(e.pattern, host));
  }

  /** §13.1: whether one of `via`'s CIDR routes (not a glob) contains the address `ip`. */
  cidrAllows(via: number, ip: number): boolean {
    return this.entries.some((e) => e.via === via && e.pattern.kind === 'cidr' && patternMatches(e.pattern, ip, ''));
  }
}

function matches(pattern: RoutePattern, host: RoutableHost): boolean {
  return host.kind === 'ipv4' ? patternMatches(pattern, host.ip, '') : patternMatches(pattern, undefined, host.name);
}

export class Directory {
  private readonly names = new Map<string, number>();
  private readonly hostNames = new Map<number, string>();
  private readonly published = new Set<number>();
  private readonly suffix: string | undefined;
  readonly routes: RouteTable;

  constructor(config: AgentConfig) {
    const me = ipFromString(config.me) ?? 0;
    for (const n of config.proxy?.names ?? config.dns?.names ?? []) {
      const vip = ipFromString(n.vip);
      if (vip === undefined) continue;
      if (!this.names.has(n.name.toLowerCase())) this.names.set(n.name.toLowerCase(), vip);
      if (!this.hostNames.has(vip)) this.hostNames.set(vip, n.name);
    }
    if (!this.hostNames.has(me)) this.hostNames.set(me, config.me);
    for (const o of config.others) {
      const vip = ipFromString(o.vip);
      if (vip === undefined) continue;
      // The proxies carry TCP: a UDP port of the same number publishes nothing for them.
      if (o.proto === 'tcp') this.published.add(key(vip, o.port));
      if (!this.hostNames.has(vip)) this.hostNames.set(vip, o.vip);
    }
    for (const f of config.forwards) if (f.proto === 'tcp') this.published.add(key(me, f.listenPort));
    const domain = config.proxy?.domain ?? config.dns?.domain;
    this.suffix = domain ? `.${domain.toLowerCase()}` : undefined;
    this.routes = new RouteTable(config.routes ?? []);
  }

  decide(rawHost: string, port: number): Decision {
    if (port < 1 || port > 65535) return { kind: 'refuse', why: `"${rawHost}:${port}" is not a destination`, reason: 'bad' };
    const form = hostForm(rawHost);
    if (form.kind === 'bad') return { kind: 'refuse', why: form.why, reason: 'bad' };
    if (form.kind === 'ipv6') return { kind: 'refuse', why: `${rawHost} is an IPv6 address: the mesh and its routes are IPv4`, reason: 'policy' };
    // The host as the via host will get it: an address always in dotted-quad form.
    const host = form.kind === 'ipv4' ? ipToString(form.ip) : form.name;
    let vip = form.kind === 'ipv4' ? (this.hostNames.has(form.ip) ? form.ip : undefined) : this.names.get(host);
    if (vip === undefined && this.suffix && host.endsWith(this.suffix)) vip = this.names.get(host.slice(0, -this.suffix.length));
    if (vip !== undefined) {
      const name = this.hostNames.get(vip) ?? ipToString(vip);
      if (!this.published.has(key(vip, port))) {
        return { kind: 'refuse', why: `host ${name} (${ipToString(vip)}) of the mesh publishes no port ${port}`, reason: 'policy' };
      }
      return { kind: 'mesh', vip, port, label: `${name} (${ipToString(vip)}:${port})` };
    }
    const route = this.routes.pick(form);
    if (!route) {
      return { kind: 'refuse', why: `${rawHost}:${port} is not a host of the mesh and matches no route (add one under routes: in the manifest)`, reason: 'policy' };
    }
    const via = this.hostNames.get(route.via) ?? ipToString(route.via);
    return { kind: 'route', via: route.via, target: { host, port }, label: `${host}:${port} via ${via} (route ${route.pattern.text})` };
  }
}

function key(vip: number, port: number): number {
  return vip * 65536 + port;
}
