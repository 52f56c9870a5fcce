/**
 * The one validator of an AgentConfig value (docs/protocol.md §4.3), used by both ways a
 * configuration reaches an agent: the command line (src/plan/agent-args.ts builds a candidate
 * from the flags and calls it) and CONFIG (decodeControl calls it on the decoded JSON). Whatever
 * one path refuses, the other refuses with the same problems.
 *
 * Hand-written rather than generated from a JSON Schema: most of what it checks is not a shape
 * but a relation (two listen addresses that are one, a forward port that an `others` entry also
 * takes) or a spelling the schema's formats do not pin down (the strict dotted quad of
 * ./ipv4.ts), so a generated validator would still need this module after it.
 */
import type { AgentConfig } from './agent-config.js';
import { isIPv6 } from 'node:net';
import { ipv4Problem, isIPv4, looksLikeIPv4 } from './ipv4.js';

/** One reason a configuration is refused: where (`forwards[2].listenPort`) and why. */
export interface ConfigProblem {
  path: string;
  message: string;
}

/** At most this many entries in any list of a configuration (forwards, others, names, routes, route targets). */
export const MAX_CONFIG_LIST = 16384;
/** At most this many characters in any string of a configuration (a DNS name is at most 253). */
export const MAX_CONFIG_TEXT = 255;

/** At most this many UDP flows per host and side: each holds a socket (a file descriptor) on the publishing host. */
export const MAX_UDP_FLOWS = 65536;

const HOSTNAME = /^(?=.{1,253}$)(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every problem of `value` as an AgentConfig; an empty list means it is one. */
export function agentConfigProblems(value: unknown): ConfigProblem[] {
  const c = new Checker();
  const v = c.object(value, '', ['me', 'forwards', 'others', 'dns', 'proxy', 'noLoopback', 'routes', 'keepalive', 'discover', 'udp'], ['me', 'forwards', 'others']);
  if (!v) return c.problems;
  c.ipv4(v.me, 'me');
  const listens = new Map<string, string>();
  const me = typeof v.me === 'string' ? v.me : '';
  const listen = (ip: string, port: unknown, proto: unknown, path: string): void => {
    if (typeof port !== 'number') return;
    // A TCP and a UDP port of one number are two listen addresses (§14).
    const key = `${ip}:${port}${proto === 'udp' ? '/udp' : ''}`;
    const first = listens.get(key);
    if (first !== undefined) c.add(path, `listen address ${key} is already taken by ${first}`);
    else listens.set(key, path);
  };
  c.list(v.forwards, 'forwards', (f, path) => {
    const o = c.object(f, path, ['listenPort', 'connectHost', 'connectPort', 'proto'], ['listenPort', 'connectHost', 'connectPort', 'proto']);
    if (!o) return;
    if (c.port(o.listenPort, `${path}.listenPort`)) listen(me, o.listenPort, o.proto, `${path}.listenPort`);
    c.host(o.connectHost, `${path}.connectHost`);
    c.port(o.connectPort, `${path}.connectPort`);
    c.proto(o.proto, `${path}.proto`);
  });
  c.list(v.others, 'others', (x, path) => {
    const o = c.object(x, path, ['vip', 'port', 'proto'], ['vip', 'port', 'proto']);
    if (!o) return;
    const ok = c.ipv4(o.vip, `${path}.vip`);
    if (c.port(o.port, `${path}.port`) && ok) listen(o.vip as string, o.port, o.proto, `${path}.port`);
    c.proto(o.proto, `${path}.proto`);
  });
  if (v.noLoopback !== undefined && v.noLoopback !== true) c.add('noLoopback', 'is true or absent');
  if (v.keepalive !== undefined) {
    const k = c.object(v.keepalive, 'keepalive', ['intervalMs', 'timeoutMs'], ['intervalMs', 'timeoutMs']);
    if (k) for (const key of ['intervalMs', 'timeoutMs']) c.wholeMs(k[key], `keepalive.${key}`);
  }
  if (v.discover !== undefined) {
    const d = c.object(v.discover, 'discover', ['include', 'exclude', 'udp'], ['include', 'exclude']);
    if (d) for (const key of ['include', 'exclude']) c.list(d[key], `discover.${key}`, (r, p) => c.range(r, p));
    if (d && d.udp !== undefined && d.udp !== true) c.add('discover.udp', 'is true or absent');
  }
  if (v.udp !== undefined) {
    const u = c.object(v.udp, 'udp', ['idleMs', 'maxFlows'], ['idleMs', 'maxFlows']);
    if (u) {
      c.wholeMs(u.idleMs, 'udp.idleMs');
      if (typeof u.maxFlows !== 'number' || !Number.isInteger(u.maxFlows) || u.maxFlows < 1 || u.maxFlows > MAX_UDP_FLOWS) {
        c.add('udp.maxFlows', `is not a whole number 1-${MAX_UDP_FLOWS}`);
      }
    }
  }
  if (v.dns !== undefined) {
    const d = c.object(v.dns, 'dns', ['port', 'domain', 'resolvConf', 'etcHosts', 'names'], ['etcHosts', 'names']);
    if (d) {
      if (d.port !== undefined) c.port(d.port, 'dns.port');
      if (d.domain !== undefined) c.text(d.domain, 'dns.domain');
      if (d.resolvConf !== undefined && d.resolvConf !== 'auto' && d.resolvConf !== 'true') c.add('dns.resolvConf', 'is "auto", "true" or absent');
      if (typeof d.etcHosts !== 'boolean') c.add('dns.etcHosts', 'is not true or false');
      c.names(d.names, 'dns.names');
    }
  }
  if (v.proxy !== undefined) {
    const p = c.object(v.proxy, 'proxy', ['http', 'socks', 'domain', 'names'], ['names']);
    if (p) {
      for (const key of ['http', 'socks', 'domain']) if (p[key] !== undefined) c.text(p[key], `proxy.${key}`);
      c.names(p.names, 'proxy.names');
    }
  }
  if (v.routes !== undefined) {
    c.list(v.routes, 'routes', (r, path) => {
      const o = c.object(r, path, ['via', 'to'], ['via', 'to']);
      if (!o) return;
      c.text(o.via, `${path}.via`);
      c.list(o.to, `${path}.to`, (t, p) => c.text(t, p));
    });
  }
  return c.problems;
}

/** The configuration itself when it has no problem; the problems otherwise. */
export function checkAgentConfig(value: unknown): { ok: true; config: AgentConfig } | { ok: false; problems: ConfigProblem[] } {
  const problems = agentConfigProblems(value);
  return problems.length ? { ok: false, problems } : { ok: true, config: value as AgentConfig };
}

/** One line per problem, for a log line or an error message. */
export function formatConfigProblems(problems: readonly ConfigProblem[]): string {
  return problems.map((p) => `${p.path || 'configuration'}: ${p.message}`).join('; ');
}

class Checker {
  readonly problems: ConfigProblem[] = [];

  add(path: string, message: string): void {
    this.problems.push({ path, message });
  }

  object(v: unknown, path: string, allowed: readonly string[], required: readonly string[]): Obj | undefined {
    if (!isObject(v)) {
      this.add(path, 'is not an object');
      return undefined;
    }
    for (const key of Object.keys(v)) if (!allowed.includes(key)) this.add(path ? `${path}.${key}` : key, 'is not a known field');
    for (const key of required) if (v[key] === undefined) this.add(path ? `${path}.${key}` : key, 'is missing');
    return v;
  }

  list(v: unknown, path: string, each: (item: unknown, path: string) => void): void {
    if (v === undefined) return; // reported as missing by object()
    if (!Array.isArray(v)) return this.add(path, 'is not a list');
    if (v.length > MAX_CONFIG_LIST) return this.add(path, `has ${v.length} entries (at most ${MAX_CONFIG_LIST})`);
    v.forEach((item, i) => each(item, `${path}[${i}]`));
  }

  text(v: unknown, path: string): v is string {
    if (typeof v !== 'string') {
      this.add(path, 'is not a string');
      return false;
    }
    if (v.length > MAX_CONFIG_TEXT) {
      this.add(path, `is ${v.length} characters long (at most ${MAX_CONFIG_TEXT})`);
      return false;
    }
    return true;
  }

  ipv4(v: unknown, path: string): boolean {
    if (v === undefined || !this.text(v, path)) return false;
    const why = ipv4Problem(v);
    if (why !== undefined) this.add(path, `"${v}" is not an IPv4 address: ${why}`);
    return why === undefined;
  }

  host(v: unknown, path: string): void {
    if (v === undefined || !this.text(v, path) || isIPv4(v) || isIPv6(v)) return;
    if (looksLikeIPv4(v)) this.add(path, `"${v}" is not an IPv4 address: ${ipv4Problem(v) ?? ''} (write a dotted quad like 127.0.0.1)`);
    else if (!HOSTNAME.test(v)) this.add(path, `"${v}" is neither an IPv4 address nor a host name`);
  }

  port(v: unknown, path: string): boolean {
    if (v === undefined) return false;
    if (typeof v !== 'number' || !Number.isInteger(v)) {
      this.add(path, 'is not a whole number');
      return false;
    }
    if (v < 1 || v > 65535) {
      this.add(path, `${v} is not a port number (1-65535)`);
      return false;
    }
    return true;
  }

  /** `[LOW, HIGH]`, two ports with LOW <= HIGH. */
  range(v: unknown, path: string): void {
    if (!Array.isArray(v) || v.length !== 2) return this.add(path, 'is not [LOW, HIGH]');
    const ok = this.port(v[0], `${path}[0]`) && this.port(v[1], `${path}[1]`);
    if (ok && (v[0] as number) > (v[1] as number)) this.add(path, `${v[0] as number}-${v[1] as number} is not a range (LOW above HIGH)`);
  }

  wholeMs(v: unknown, path: string): void {
    if (v === undefined) return;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) this.add(path, 'is not a whole number of milliseconds above 0');
  }

  proto(v: unknown, path: string): void {
    if (v !== undefined && v !== 'tcp' && v !== 'udp') this.add(path, `protocol ${JSON.stringify(v)} is not supported (tcp or udp)`);
  }

  names(v: unknown, path: string): void {
    this.list(v, path, (n, p) => {
      const o = this.object(n, p, ['name', 'vip'], ['name', 'vip']);
      if (!o) return;
      this.text(o.name, `${p}.name`);
      this.ipv4(o.vip, `${p}.vip`);
    });
  }
}
