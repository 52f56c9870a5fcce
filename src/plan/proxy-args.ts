/**
 * The proxies' and routes' agent flags, both ways, like dns-args.ts for the DNS add-on:
 *
 *   --http-proxy ADDRESS:PORT  --socks-proxy ADDRESS:PORT  --no-loopback
 *   --route VIA_VIP=PATTERN[,PATTERN…]…
 *
 * A proxy resolves the mesh's names itself: they are the `--dns-name` words (and `--dns-domain`),
 * given once. When the host also runs the DNS add-on, dns-args.ts already wrote them; otherwise
 * they are written here, after the proxy flags.
 */
import { isIPv4 } from '../protocol/ipv4.js';
import type { Parsed } from './parsed.js';
import type { ConfigProblem } from '../protocol/agent-config-check.js';
import { parseDnsFlags, type DnsFlags } from './dns-args.js';
import { parseListenAddress, parseRoutePattern } from './route-pattern.js';
import type { AgentConfig, AgentDns, AgentProxy, Route } from './types.js';

/** The raw flag values as the CLI parser collected them. */
export interface ProxyFlags {
  http?: string | undefined;
  socks?: string | undefined;
  noLoopback?: boolean | undefined;
  routes?: readonly string[] | undefined;
}

export function formatRoute(route: Route): string {
  return `${route.via}=${route.to.join(',')}`;
}

/** `nameWords`: the `--dns-name` words already formatted (compile shares them between hosts). */
export function formatProxyArgs(config: Pick<AgentConfig, 'dns' | 'proxy' | 'noLoopback' | 'routes'>, nameWords?: readonly string[]): string[] {
  const args: string[] = [];
  const { proxy } = config;
  if (proxy?.http !== undefined) args.push('--http-proxy', proxy.http);
  if (proxy?.socks !== undefined) args.push('--socks-proxy', proxy.socks);
  if (config.noLoopback) args.push('--no-loopback');
  for (const route of config.routes ?? []) args.push('--route', formatRoute(route));
  if (proxy && !config.dns) {
    if (proxy.domain !== undefined) args.push('--dns-domain', proxy.domain);
    if (nameWords) return args.concat(nameWords);
    for (const n of proxy.names) args.push('--dns-name', `${n.name}=${n.vip}`);
  }
  return args;
}

/**
 * Parses the proxy flags and the DNS flags together (the names serve both); pushes every problem
 * to `errors`, its path the flag.
 */
export function parseProxyAndDnsFlags(flags: ProxyFlags, dnsFlags: DnsFlags, errors: ConfigProblem[]): Pick<AgentConfig, 'dns' | 'proxy' | 'noLoopback' | 'routes'> {
  const out: Pick<AgentConfig, 'dns' | 'proxy' | 'noLoopback' | 'routes'> = {};
  const proxyOn = flags.http !== undefined || flags.socks !== undefined;
  const dnsOn = dnsFlags.port !== undefined || dnsFlags.etcHosts === true || dnsFlags.resolvConf !== undefined;
  let names: AgentDns | undefined;
  if (dnsOn || !proxyOn) {
    const dns = parseDnsFlags(dnsFlags, errors);
    if (dns) out.dns = dns;
    names = dns;
  } else {
    // Names for the proxies alone: parsed as for /etc/hosts, which needs nothing more.
    names = parseDnsFlags({ ...dnsFlags, etcHosts: true }, errors);
  }
  if (proxyOn) {
    const proxy: AgentProxy = { names: names?.names ?? [] };
    if (names?.domain !== undefined) proxy.domain = names.domain;
    for (const [flag, value, key] of [['--http-proxy', flags.http, 'http'], ['--socks-proxy', flags.socks, 'socks']] as const) {
      if (value === undefined) continue;
      const parsed = parseListenAddress(value);
      if (parsed.ok) proxy[key] = value;
      else errors.push({ path: flag, message: parsed.error });
    }
    out.proxy = proxy;
  }
  if (flags.noLoopback) out.noLoopback = true;
  const routes: Route[] = [];
  for (const text of flags.routes ?? []) {
    const r = parseRoute(text);
    if (r.ok) routes.push(r.value);
    else errors.push({ path: `--route ${text}`, message: r.error });
  }
  if (routes.length) out.routes = routes;
  return out;
}

export function parseRoute(text: string): Parsed<Route> {
  const eq = text.indexOf('=');
  const via = text.slice(0, eq);
  if (eq < 0 || !isIPv4(via)) return { ok: false, error: 'not VIA_VIP=PATTERN[,PATTERN…]' };
  const to = text.slice(eq + 1).split(',');
  for (const pattern of to) {
    const p = parseRoutePattern(pattern);
    if (!p.ok) return { ok: false, error: `"${pattern}": ${p.error}` };
  }
  return { ok: true, value: { via, to } };
}

/**
 * What `norouter plan` adds to a host's heading: `http proxy 127.0.0.1:18080, socks proxy
 * 127.0.0.1:1080, no loopback VIPs, routes 10.0.0.0/8 via bastion`; empty when none applies.
 * `nameOf` names a VIP (the plan's hosts).
 */
export function describeProxy(config: AgentConfig, nameOf: (vip: string) => string): string {
  const parts: string[] = [];
  if (config.proxy?.http) parts.push(`http proxy ${config.proxy.http}`);
  if (config.proxy?.socks) parts.push(`socks proxy ${config.proxy.socks}`);
  if (config.noLoopback) parts.push('no loopback VIPs');
  const routes = config.routes ?? [];
  if (config.proxy) {
    for (const r of routes) parts.push(`route ${r.to.join(' ')} via ${r.via === config.me ? 'itself' : nameOf(r.via)}`);
  } else {
    for (const r of routes) if (r.via === config.me) parts.push(`dials routes ${r.to.join(' ')}`);
  }
  return parts.join(', ');
}
