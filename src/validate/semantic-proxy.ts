/**
 * Proxies, `loopback.disable` and `routes`. Listen addresses must parse; a proxy must
 * not take a port its host publishes (nor both proxies one address); every route's `via` names a
 * host, and each destination is a CIDR or a glob, listed once across all routes.
 */
import { isIPv4, parseForward } from '../plan/agent-args.js';
import type { SemanticContext } from './semantic-context.js';
import { suggestKey } from './suggest.js';
import { parseListenAddress, parseRoutePattern } from '../plan/route-pattern.js';

type Hosts = ReadonlyArray<readonly [string, Record<string, unknown>]>;

const asRecord = (v: unknown): Record<string, unknown> | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

interface Listen {
  kind: 'http' | 'socks';
  text: string;
  port: number;
  segments: string[];
}

export function checkProxies(ctx: SemanticContext, template: unknown, hosts: Hosts): void {
  const tpl = asRecord(template);
  const fromTemplate = { http: listenOf(ctx, tpl, ['hostTemplate'], 'http'), socks: listenOf(ctx, tpl, ['hostTemplate'], 'socks') };
  const reported = new Set<string>();
  for (const [name, host] of hosts) {
    const own = (kind: 'http' | 'socks') => (host[kind] !== undefined ? listenOf(ctx, host, ['hosts', name], kind) : fromTemplate[kind]);
    const listens = [own('http'), own('socks')].filter((l): l is Listen => l !== undefined);
    const published = publishedPorts(tpl?.['ports'], host['ports']);
    for (const l of listens) {
      const clash = published.get(l.port);
      const where = l.segments.join('.');
      if (clash === undefined || reported.has(`${where}:${name}`)) continue;
      reported.add(`${where}:${name}`);
      ctx.report('E313', `the ${l.kind} proxy of host "${name}" listens on port ${l.port}, which the host also publishes (${JSON.stringify(clash)}): use another port for the proxy`, l.segments);
    }
    const [http, socks] = listens;
    if (http && socks && http.kind !== socks.kind && http.text === socks.text && !reported.has(`both:${name}`)) {
      reported.add(`both:${name}`);
      ctx.report('E313', `the http and socks proxies of host "${name}" both listen on ${http.text}: give each its own port`, socks.segments);
    }
    const disabled = asRecord(host['loopback'])?.['disable'] ?? asRecord(tpl?.['loopback'])?.['disable'];
    if (disabled === true && listens.length === 0) {
      const at = asRecord(host['loopback'])?.['disable'] !== undefined ? ['hosts', name, 'loopback', 'disable'] : ['hostTemplate', 'loopback', 'disable'];
      if (ctx.usable(at)) ctx.report('W303', `host "${name}" listens on no VIP (loopback.disable) and runs no proxy: nothing on it can reach the other hosts (add http or socks)`, at);
    }
  }
}

/** A host's (or the template's) proxy listen address, reported when it does not parse. */
function listenOf(ctx: SemanticContext, owner: Record<string, unknown> | undefined, at: string[], kind: 'http' | 'socks'): Listen | undefined {
  const text = asRecord(owner?.[kind])?.['listen'];
  const segments = [...at, kind, 'listen'];
  if (typeof text !== 'string' || !ctx.usable(segments)) return undefined;
  const parsed = parseListenAddress(text);
  if (!parsed.ok) {
    ctx.report('E312', `${kind}.listen of ${at[0] === 'hostTemplate' ? 'hostTemplate' : `host "${at[1] ?? ''}"`}: ${parsed.error}`, segments);
    return undefined;
  }
  return { kind, text, port: parsed.value.port, segments };
}

function publishedPorts(...lists: unknown[]): Map<number, string> {
  const out = new Map<number, string>();
  for (const list of lists) {
    if (!Array.isArray(list)) continue;
    for (const text of list) {
      if (typeof text !== 'string') continue;
      const entry = parseForward(text);
      // Proxies are TCP: a UDP port of the same number takes nothing from them.
      if (entry.ok && entry.value.proto === 'tcp' && !out.has(entry.value.listenPort)) out.set(entry.value.listenPort, text);
    }
  }
  return out;
}

/** `vips`: each host's VIP, for a `via` written as a VIP (the original NoRouter allowed either). */
export function checkRoutes(ctx: SemanticContext, routes: unknown, hostNames: readonly string[], vips: ReadonlySet<string>): void {
  if (!Array.isArray(routes)) return;
  const names = new Set(hostNames);
  const seen = new Map<string, string[]>();
  routes.forEach((route: unknown, i) => {
    const r = asRecord(route);
    const via = r?.['via'];
    const viaAt = ['routes', String(i), 'via'];
    if (typeof via === 'string' && ctx.usable(viaAt) && !names.has(via) && !vips.has(via)) {
      const hint = isIPv4(via) ? undefined : suggestKey(via, hostNames);
      const what = isIPv4(via) ? 'no host has that VIP' : 'no host has that name';
      ctx.report('E314', `route via "${via}": ${what}${hint ? ` (did you mean "${hint}"?)` : ''}; via names the host that dials these destinations, by its name or its VIP`, viaAt);
    }
    const to = r?.['to'];
    if (!Array.isArray(to)) return;
    to.forEach((text: unknown, j) => {
      const at = ['routes', String(i), 'to', String(j)];
      if (typeof text !== 'string' || !ctx.usable(at)) return;
      const parsed = parseRoutePattern(text);
      if (!parsed.ok) {
        ctx.report('E315', `route destination ${JSON.stringify(text)} is neither an IPv4 CIDR nor a host-name glob: ${parsed.error}`, at);
        return;
      }
      if (parsed.value.kind === 'glob' && /^[0-9.*?]+$/.test(text) && /[0-9]/.test(text)) {
        const cidr = cidrForAddressGlob(text);
        ctx.report('W307', `route destination ${JSON.stringify(text)} is a host-name glob, and an address is never matched against globs: 10.0.0.1 or 010.0.0.1 is matched against the CIDRs only${cidr ? ` (did you mean ${cidr}?)` : ' (write a CIDR such as 10.0.0.0/24)'}`, at);
      }
      const key = text.toLowerCase();
      const first = seen.get(key);
      if (first) {
        ctx.report('E316', `route destination ${JSON.stringify(text)} is already listed (line ${ctx.line(first)}): one destination cannot leave the mesh at two hosts`, at);
        return;
      }
      seen.set(key, at);
    });
  });
}

/** `10.*`, `10.1.*`, `10.1.2.*`: the CIDR such a glob was meant to be, when it is that plain. */
function cidrForAddressGlob(text: string): string | undefined {
  const match = /^((?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){1,3})\*$/.exec(text);
  if (!match?.[1]) return undefined;
  const octets = match[1].slice(0, -1).split('.');
  const prefix = octets.length * 8;
  return `${[...octets, ...Array(4 - octets.length).fill('0')].join('.')}/${prefix}`;
}
