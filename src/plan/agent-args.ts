/**
 * The agent's command line, both ways: compile formats it, `internal agent` parses it. Keeping
 * both here guarantees that what `norouter plan` prints is exactly what the agent accepts.
 *
 *   internal agent --me VIP [--forward LISTEN:HOST:PORT/tcp]… [--keepalive INTERVAL_MS,TIMEOUT_MS]
 *                  [DNS flags (dns-args.ts)]
 *                  [proxy and route flags (proxy-args.ts)] [--other VIP:PORT/tcp]…
 */
import { formatDnsArgs, type DnsFlags } from './dns-args.js';
import { formatKeepaliveArgs, parseKeepalive } from './keepalive-args.js';
import { formatProxyArgs, parseProxyAndDnsFlags, type ProxyFlags } from './proxy-args.js';
import type { AgentConfig, Forward, Keepalive, Other } from './types.js';
import { parsePort, type Parsed } from './parsed.js';
import { isIPv4, ipv4Problem, looksLikeIPv4 } from '../protocol/ipv4.js';

export const AGENT_SUBCOMMAND = ['internal', 'agent'] as const;

export function formatForward(f: Forward): string {
  return `${f.listenPort}:${f.connectHost}:${f.connectPort}/${f.proto}`;
}

export function formatOther(o: Other): string {
  return `${o.vip}:${o.port}/${o.proto}`;
}

export function formatAgentArgs(config: AgentConfig): string[] {
  const args: string[] = [...AGENT_SUBCOMMAND, '--me', config.me];
  for (const f of config.forwards) args.push('--forward', formatForward(f));
  args.push(...formatKeepaliveArgs(config.keepalive));
  // DNS flags before the `--other` words: those end the line (format-plan.ts slices them).
  args.push(...formatDnsArgs(config.dns));
  args.push(...formatProxyArgs(config));
  for (const o of config.others) args.push('--other', formatOther(o));
  return args;
}

// A host name as RFC 1123 allows: dot-separated labels of letters, digits and inner hyphens.
const HOSTNAME = /^(?=.{1,253}$)(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

/** A strict dotted quad (src/protocol/ipv4.ts), the only IPv4 spelling norouter accepts anywhere. */
export { isIPv4 };

export function isHostName(text: string): boolean {
  return HOSTNAME.test(text);
}

/** `LISTEN:CONNECT_HOST:CONNECT_PORT[/tcp]`, as in the manifest's `ports` and `--forward`. */
export function parseForward(text: string): Parsed<Forward> {
  const m = /^([^:]*):([^:]*):([^:/]*)(?:\/(.*))?$/.exec(text);
  if (!m) return { ok: false, error: `"${text}" is not LISTEN:CONNECT_HOST:CONNECT_PORT[/tcp]` };
  const [, listen = '', host = '', port = '', proto = 'tcp'] = m;
  const listenPort = parsePort(listen);
  if (listenPort === undefined) return { ok: false, error: `listen port "${listen}" is not a port number (1-65535)` };
  if (!isIPv4(host) && looksLikeIPv4(host)) return { ok: false, error: `connect host "${host}" is not an IPv4 address: ${ipv4Problem(host) ?? ''} (write a dotted quad like 127.0.0.1)` };
  if (!isIPv4(host) && !isHostName(host)) return { ok: false, error: `connect host "${host}" is neither an IPv4 address nor a host name` };
  const connectPort = parsePort(port);
  if (connectPort === undefined) return { ok: false, error: `connect port "${port}" is not a port number (1-65535)` };
  if (proto !== 'tcp') return { ok: false, error: `protocol "${proto}" is not supported (only tcp)` };
  return { ok: true, value: { listenPort, connectHost: host, connectPort, proto: 'tcp' } };
}

/** `VIP:PORT[/tcp]`, as in `--other`. */
export function parseOther(text: string): Parsed<Other> {
  const m = /^([^:]*):([^:/]*)(?:\/(.*))?$/.exec(text);
  if (!m) return { ok: false, error: `"${text}" is not VIP:PORT[/tcp]` };
  const [, vip = '', port = '', proto = 'tcp'] = m;
  if (!isIPv4(vip)) return { ok: false, error: `"${vip}" is not an IPv4 address` };
  const p = parsePort(port);
  if (p === undefined) return { ok: false, error: `port "${port}" is not a port number (1-65535)` };
  if (proto !== 'tcp') return { ok: false, error: `protocol "${proto}" is not supported (only tcp)` };
  return { ok: true, value: { vip, port: p, proto: 'tcp' } };
}

/** Checks parsed agent flags; returns every problem, not just the first. */
export function buildAgentConfig(
  me: string, forwards: string[], others: string[], dnsFlags: DnsFlags = {}, proxyFlags: ProxyFlags = {}, keepaliveFlag?: string,
): Parsed<AgentConfig> {
  const errors: string[] = [];
  if (!isIPv4(me)) errors.push(`--me: "${me}" is not an IPv4 address`);
  const fs: Forward[] = [];
  for (const text of forwards) {
    const r = parseForward(text);
    if (r.ok) fs.push(r.value);
    else errors.push(`--forward ${text}: ${r.error}`);
  }
  const os: Other[] = [];
  for (const text of others) {
    const r = parseOther(text);
    if (r.ok) os.push(r.value);
    else errors.push(`--other ${text}: ${r.error}`);
  }
  const seen = new Set<number>();
  for (const f of fs) {
    if (seen.has(f.listenPort)) errors.push(`--forward: listen port ${f.listenPort} is given twice`);
    seen.add(f.listenPort);
  }
  let keepalive: Keepalive | undefined;
  if (keepaliveFlag !== undefined) {
    const r = parseKeepalive(keepaliveFlag);
    if (r.ok) keepalive = r.value;
    else errors.push(`--keepalive ${keepaliveFlag}: ${r.error}`);
  }
  const extra = parseProxyAndDnsFlags(proxyFlags, dnsFlags, errors);
  if (errors.length) return { ok: false, error: errors.join('\n') };
  return { ok: true, value: { me, forwards: fs, others: os, ...extra, ...(keepalive ? { keepalive } : {}) } };
}
