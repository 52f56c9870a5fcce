/**
 * The plan the mesh runs: the manifest's plan (the base) plus the ports the discovering hosts
 * reported (docs/discovery.md). Pure. A discovered port becomes a forward of its host
 * (`PORT:HOST:PORT/tcp`) and an `others` entry on every other host, exactly as if the manifest had
 * listed it, so everything downstream (the agents' CONFIG, the router's OPEN policy, DNS, the
 * proxies) treats it as a published port.
 *
 * What a host reports is checked again here against its filter (an agent is not trusted to apply
 * it), and explicit `ports` win: a port the host publishes itself (as a listen port, or as the
 * target of one of its forwards on its loopback) is not published again. A port that would take
 * any agent past its limits (MAX_CONFIG_LIST entries, MAX_AGENT_COMMAND_BYTES of command line: a
 * restarted agent gets the whole plan on its command line) is left out and said, and so is the
 * port of the host's DNS add-on (its VIP:port is taken; src/validate/semantic-own-ports.ts).
 */
import { MAX_CONFIG_LIST, type DiscoveredPort } from '../protocol/index.js';
import { formatAgentArgs, formatForward, formatOther } from './agent-args.js';
import { commandOf } from './diff-plan.js';
import { discoverAllows } from './discover-args.js';
import { MAX_AGENT_COMMAND_BYTES } from './limits.js';
import type { Forward, Other, Plan, PlanHost } from './types.js';

/** A discovered port: TCP, or UDP with `proto` (DISCOVERED's `udp` member, docs/protocol.md §4.9). */
export type FoundPort = DiscoveredPort & { proto?: 'udp' };

/** What each discovering host reported last, by host name. */
export type DiscoveredSets = ReadonlyMap<string, readonly FoundPort[]>;

export interface Unpublished {
  port: number;
  proto?: 'udp';
  why: 'filter' | 'explicit' | 'dns' | 'limit';
}

export interface WithDiscovered {
  plan: Plan;
  /** Per discovering host, the ports published for it, sorted (TCP before UDP of one number). */
  published: Map<string, FoundPort[]>;
  /** Per host, reported ports not published, and why. */
  unpublished: Map<string, Unpublished[]>;
}

const LOOPBACK_NAMES = new Set(['localhost', '::1', '0.0.0.0', '::']);

/** Whether the explicit forward `f` already dials what `p` would. */
function dialsSame(f: Forward, p: FoundPort): boolean {
  if (f.connectPort !== p.port || f.proto !== (p.proto ?? 'tcp')) return false;
  return f.connectHost === p.host || f.connectHost.startsWith('127.') || LOOPBACK_NAMES.has(f.connectHost);
}

const wordBytes = (word: string): number => Buffer.byteLength(word, 'utf8') + 1;

export function withDiscovered(base: Plan, discovered: DiscoveredSets): WithDiscovered {
  const published = new Map<string, FoundPort[]>();
  const unpublished = new Map<string, Unpublished[]>();
  // Each line's bytes (words joined by spaces) and others count, as the base has them.
  const bytes = base.hosts.map((h) => h.argv.reduce((n, w) => n + wordBytes(w), -1));
  const others = base.hosts.map((h) => h.agent.others.length);
  const added: { forwards: Forward[]; others: Other[] }[] = base.hosts.map(() => ({ forwards: [], others: [] }));
  base.hosts.forEach((host, i) => {
    const filter = host.agent.discover;
    const reported = discovered.get(host.name);
    if (!filter || !reported?.length) return;
    const explicitPorts = new Set(host.agent.forwards.map((f) => `${f.listenPort}/${f.proto}`));
    const out: FoundPort[] = [];
    const left: Unpublished[] = [];
    for (const p of [...reported].sort((a, b) => a.port - b.port || (a.proto ? 1 : 0) - (b.proto ? 1 : 0))) {
      const proto = p.proto ?? 'tcp';
      const tag = p.proto ? { proto: p.proto } : {};
      // UDP only from a host whose filter asks for it: an agent is not trusted to apply it.
      if (!discoverAllows(filter, p.port) || (proto === 'udp' && !filter.udp)) {
        left.push({ port: p.port, ...tag, why: 'filter' });
        continue;
      }
      // The DNS add-on serves on VIP:dns.port (UDP and TCP), where the host's own agent would listen
      // for a published port: one of the two would fail (E321 says so for the manifest's ports).
      if (!host.agent.noLoopback && host.agent.dns?.port === p.port) {
        left.push({ port: p.port, ...tag, why: 'dns' });
        continue;
      }
      if (explicitPorts.has(`${p.port}/${proto}`) || host.agent.forwards.some((f) => dialsSame(f, p))) {
        left.push({ port: p.port, ...tag, why: 'explicit' });
        continue;
      }
      const forward: Forward = { listenPort: p.port, connectHost: p.host, connectPort: p.port, proto };
      const other: Other = { vip: host.vip, port: p.port, proto };
      const forwardBytes = wordBytes('--forward') + wordBytes(formatForward(forward));
      const otherBytes = wordBytes('--other') + wordBytes(formatOther(other));
      const fits = base.hosts.every((_, j) => (j === i
        ? bytes[j]! + forwardBytes <= MAX_AGENT_COMMAND_BYTES
        : bytes[j]! + otherBytes <= MAX_AGENT_COMMAND_BYTES && others[j]! < MAX_CONFIG_LIST));
      if (!fits || host.agent.forwards.length + added[i]!.forwards.length >= MAX_CONFIG_LIST) {
        left.push({ port: p.port, ...tag, why: 'limit' });
        continue;
      }
      base.hosts.forEach((_, j) => {
        if (j === i) {
          bytes[j]! += forwardBytes;
          added[j]!.forwards.push(forward);
        } else {
          bytes[j]! += otherBytes;
          others[j]! += 1;
        }
      });
      added[i]!.others.push(other);
      out.push(p);
    }
    published.set(host.name, out);
    if (left.length) unpublished.set(host.name, left);
  });
  if ([...published.values()].every((list) => list.length === 0)) return { plan: base, published, unpublished };
  const hosts = base.hosts.map((host, i): PlanHost => {
    // Every other host's discovered ports, in manifest order.
    const theirs = added.flatMap((a, j) => (j === i ? [] : a.others));
    const mine = added[i]!.forwards;
    if (!theirs.length && !mine.length) return host;
    const agent = { ...host.agent, forwards: host.agent.forwards.concat(mine), others: host.agent.others.concat(theirs) };
    return { ...host, agent, argv: commandOf(host).concat(formatAgentArgs(agent)) };
  });
  return { plan: { ...base, hosts }, published, unpublished };
}
