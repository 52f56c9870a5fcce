/**
 * The agent's command line, both ways: compile formats it, `internal agent` parses it. Keeping
 * both here guarantees that what `norouter plan` prints is exactly what the agent accepts.
 *
 *   internal agent --me VIP [--forward LISTEN:HOST:PORT/PROTO]… [--keepalive INTERVAL_MS,TIMEOUT_MS]
 *                  [--udp-flows IDLE_MS,MAX_FLOWS] [discovery flags (discover-args.ts)]
 *                  [DNS flags (dns-args.ts)]
 *                  [proxy and route flags (proxy-args.ts)] [--other VIP:PORT/PROTO]…   (PROTO: tcp or udp)
 */
import { isIPv6 } from 'node:net';
import { formatDiscoverArgs, parseDiscoverFlags, type DiscoverFlags } from './discover-args.js';
import { formatDnsArgs, type DnsFlags } from './dns-args.js';
import { formatKeepaliveArgs, parseKeepalive } from './keepalive-args.js';
import { formatUdpArgs, parseUdpFlows } from './udp-args.js';
import { formatProxyArgs, parseProxyAndDnsFlags, type ProxyFlags } from './proxy-args.js';
import type { AgentConfig, Forward, Keepalive, Other, UdpFlows } from './types.js';
import { parsePort, type Parsed } from './parsed.js';
import { isIPv4, ipv4Problem, looksLikeIPv4 } from '../protocol/ipv4.js';
import { checkAgentConfig, type ConfigProblem } from '../protocol/agent-config-check.js';

export const AGENT_SUBCOMMAND = ['internal', 'agent'] as const;

export function formatForward(f: Forward): string {
  return `${f.listenPort}:${formatConnectHost(f.connectHost)}:${f.connectPort}/${f.proto}`;
}

/** An IPv6 address is bracketed (`[::1]`) so that its colons do not split the forward. */
export function formatConnectHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** LISTEN, CONNECT_HOST (brackets kept), CONNECT_PORT and the protocol of a forward's text; undefined when it has not that shape. */
const FORWARD = /^([^:]*):(\[[^\]]*\]|[^:[\]]*):([^:/]*)(?:\/(.*))?$/;

/** A forward's CONNECT_HOST as written, brackets removed: `[::1]` is `::1`. */
function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

export function formatOther(o: Other): string {
  return `${o.vip}:${o.port}/${o.proto}`;
}

export function formatAgentArgs(config: AgentConfig): string[] {
  const args: string[] = [...AGENT_SUBCOMMAND, '--me', config.me];
  for (const f of config.forwards) args.push('--forward', formatForward(f));
  args.push(...formatKeepaliveArgs(config.keepalive));
  args.push(...formatUdpArgs(config.udp));
  args.push(...formatDiscoverArgs(config.discover));
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

/** `LISTEN:CONNECT_HOST:CONNECT_PORT[/tcp|/udp]`, as in the manifest's `ports` and `--forward`. */
export function parseForward(text: string): Parsed<Forward> {
  const m = FORWARD.exec(text);
  if (!m) return { ok: false, error: `"${text}" is not LISTEN:CONNECT_HOST:CONNECT_PORT[/tcp|/udp]` };
  const [, listen = '', written = '', port = '', proto = 'tcp'] = m;
  const listenPort = parsePort(listen);
  if (listenPort === undefined) return { ok: false, error: `listen port "${listen}" is not a port number (1-65535)` };
  const host = unbracket(written);
  if (written.startsWith('[') && !isIPv6(host)) return { ok: false, error: `connect host "${written}" is not an IPv6 address in brackets` };
  if (!isIPv4(host) && !isIPv6(host) && looksLikeIPv4(host)) return { ok: false, error: `connect host "${host}" is not an IPv4 address: ${ipv4Problem(host) ?? ''} (write a dotted quad like 127.0.0.1)` };
  if (!isIPv4(host) && !isIPv6(host) && !isHostName(host)) return { ok: false, error: `connect host "${host}" is neither an IPv4 address nor a host name` };
  const connectPort = parsePort(port);
  if (connectPort === undefined) return { ok: false, error: `connect port "${port}" is not a port number (1-65535)` };
  if (proto !== 'tcp' && proto !== 'udp') return { ok: false, error: `protocol "${proto}" is not supported (tcp or udp)` };
  return { ok: true, value: { listenPort, connectHost: host, connectPort, proto } };
}

/** `VIP:PORT[/tcp|/udp]`, as in `--other`. */
export function parseOther(text: string): Parsed<Other> {
  const m = /^([^:]*):([^:/]*)(?:\/(.*))?$/.exec(text);
  if (!m) return { ok: false, error: `"${text}" is not VIP:PORT[/tcp|/udp]` };
  const [, vip = '', port = '', proto = 'tcp'] = m;
  if (!isIPv4(vip)) return { ok: false, error: `"${vip}" is not an IPv4 address` };
  const p = parsePort(port);
  if (p === undefined) return { ok: false, error: `port "${port}" is not a port number (1-65535)` };
  if (proto !== 'tcp' && proto !== 'udp') return { ok: false, error: `protocol "${proto}" is not supported (tcp or udp)` };
  return { ok: true, value: { vip, port: p, proto } };
}

/**
 * What buildAgentConfig refuses: every problem, in one shape (src/protocol/agent-config-check.ts)
 * twice over: `problems` with the paths CONFIG would name (`forwards[1].listenPort`, or a flag
 * for a flag's spelling), `byFlag` the same with each path the words the user wrote
 * (`--forward 80:x:80 (listenPort)`).
 */
export type BuiltAgentConfig = { ok: true; value: AgentConfig } | { ok: false; problems: ConfigProblem[]; byFlag: ConfigProblem[] };

/**
 * Builds a candidate AgentConfig from the agent's flags and checks it with the validator CONFIG
 * uses too (src/protocol/agent-config-check.ts), so that both refuse the same configurations.
 * Here only the spelling of each flag is read; every rule on the values is the validator's.
 * Returns every problem, not just the first.
 */
export function buildAgentConfig(
  me: string, forwards: string[], others: string[], dnsFlags: DnsFlags = {}, proxyFlags: ProxyFlags = {}, keepaliveFlag?: string,
  discoverFlags: DiscoverFlags = {}, udpFlag?: string,
): BuiltAgentConfig {
  const problems: ConfigProblem[] = [];
  const fs: unknown[] = [];
  const fTexts: string[] = [];
  for (const text of forwards) {
    const m = FORWARD.exec(text);
    if (m) {
      fs.push({ listenPort: wholeNumber(m[1] ?? ''), connectHost: unbracket(m[2] ?? ''), connectPort: wholeNumber(m[3] ?? ''), proto: m[4] ?? 'tcp' });
      fTexts.push(text);
    } else problems.push({ path: `--forward ${text}`, message: 'is not LISTEN:CONNECT_HOST:CONNECT_PORT[/tcp|/udp]' });
  }
  const os: unknown[] = [];
  const oTexts: string[] = [];
  for (const text of others) {
    const m = /^([^:]*):([^:/]*)(?:\/(.*))?$/.exec(text);
    if (m) {
      os.push({ vip: m[1] ?? '', port: wholeNumber(m[2] ?? ''), proto: m[3] ?? 'tcp' });
      oTexts.push(text);
    } else problems.push({ path: `--other ${text}`, message: 'is not VIP:PORT[/tcp|/udp]' });
  }
  let keepalive: Keepalive | undefined;
  if (keepaliveFlag !== undefined) {
    const r = parseKeepalive(keepaliveFlag);
    if (r.ok) keepalive = r.value;
    else problems.push({ path: `--keepalive ${keepaliveFlag}`, message: r.error });
  }
  let udp: UdpFlows | undefined;
  if (udpFlag !== undefined) {
    const r = parseUdpFlows(udpFlag);
    if (r.ok) udp = r.value;
    else problems.push({ path: `--udp-flows ${udpFlag}`, message: r.error });
  }
  const extra = parseProxyAndDnsFlags(proxyFlags, dnsFlags, problems);
  const discover = parseDiscoverFlags(discoverFlags, problems);
  // The flags that parsed make the candidate; the validator sees it even when some did not, so every problem is named at once.
  const candidate = { me, forwards: fs, others: os, ...extra, ...(keepalive ? { keepalive } : {}), ...(udp ? { udp } : {}), ...(discover ? { discover } : {}) };
  const checked = checkAgentConfig(candidate);
  if (checked.ok && problems.length === 0) return { ok: true, value: checked.config };
  if (!checked.ok) problems.unshift(...checked.problems);
  return { ok: false, problems, byFlag: problems.map((p) => ({ path: flagOf(p.path, fTexts, oTexts), message: p.message })) };
}

/** A number as the validator sees it: a decimal word becomes a number (range checked there), anything else stays text (refused there). */
function wholeNumber(text: string): number | string {
  return /^[0-9]{1,9}$/.test(text) ? Number(text) : text;
}

/** The flag a problem's path points at, for the command line's error lines (`forwards[1].listenPort` → `--forward 80:x:80 (listenPort)`). */
function flagOf(path: string, forwards: readonly string[], others: readonly string[]): string {
  if (path === 'me') return '--me';
  const m = /^(forwards|others)\[([0-9]+)\](?:\.(.*))?$/.exec(path);
  if (!m) return path;
  const text = (m[1] === 'forwards' ? forwards : others)[Number(m[2])] ?? '';
  return `${m[1] === 'forwards' ? '--forward' : '--other'} ${text}${m[3] ? ` (${m[3]})` : ''}`;
}
