/**
 * The proxies' part of the plan: each host's proxies, `loopback.disable`, and the routes it needs.
 * Pure; here, below both compile and validate, because both use it (validate measures command
 * lines with it, E318). A host's own `http`, `socks` and `loopback` override hostTemplate's.
 */
import type { Host, Manifest } from '../../generated/manifest.js';
import type { AgentConfig, AgentDns, DnsName, Route } from './types.js';

/**
 * Every route with `via` as a VIP, in manifest order. `via` names a host, or is a host's VIP (the
 * original NoRouter allowed either); routes whose via is neither are dropped (validation reports them).
 */
export function routesOf(manifest: Manifest): Route[] {
  const routes: Route[] = [];
  const vips = new Set(Object.values(manifest.hosts).map((h) => h?.vip));
  for (const r of manifest.routes ?? []) {
    const via = Object.hasOwn(manifest.hosts, r.via) ? manifest.hosts[r.via]?.vip : vips.has(r.via) ? r.via : undefined;
    if (via !== undefined) routes.push({ via, to: [...r.to] });
  }
  return routes;
}

export function agentProxyOf(
  host: Host, template: Manifest['hostTemplate'], dns: AgentDns | undefined, names: DnsName[], routes: readonly Route[],
): Pick<AgentConfig, 'proxy' | 'noLoopback' | 'routes'> {
  const out: Pick<AgentConfig, 'proxy' | 'noLoopback' | 'routes'> = {};
  const http = (host.http ?? template?.http)?.listen;
  const socks = (host.socks ?? template?.socks)?.listen;
  if (http !== undefined || socks !== undefined) {
    // The DNS add-on's names and domain (the same list, shared, never copied).
    const domain = host.dns?.domain ?? template?.dns?.domain;
    out.proxy = { ...(http !== undefined ? { http } : {}), ...(socks !== undefined ? { socks } : {}), ...(domain !== undefined ? { domain } : {}), names: dns?.names ?? names };
  }
  if (host.loopback?.disable ?? template?.loopback?.disable) out.noLoopback = true;
  // A host with a proxy picks among every route; a bastion checks the OPENs it gets against its own.
  const mine = out.proxy ? routes : routes.filter((r) => r.via === host.vip);
  if (mine.length) out.routes = mine as Route[];
  return out;
}
