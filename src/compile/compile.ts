/**
 * Compile: a validated manifest to a plan (src/plan/types.ts). Pure: no IO, no globals; the
 * command that runs the local agent is passed in, so the same manifest always compiles to the
 * same plan.
 *
 * Cost is linear in the input except where the output itself is quadratic: every host's agent
 * lists every port of every other host (`--other`), so the plan of H hosts with P ports each has
 * H × (H − 1) × P entries. Everything else is one pass over hosts × ports.
 */
import type { Host, Manifest } from '../../generated/manifest.js';
import { formatAgentArgs, formatOther, parseForward } from '../plan/agent-args.js';
import type { AgentConfig, Forward, Keepalive, Other, Plan, PlanHost, UdpFlows } from '../plan/types.js';
import { UDP_IDLE_MS, UDP_MAX_FLOWS } from '../protocol/constants.js';
import { keepaliveFromSeconds } from '../plan/keepalive-args.js';
import { formatDnsArgs, formatDnsName } from '../plan/dns-args.js';
import { agentDnsOf, dnsNamesOf } from '../plan/agent-dns.js';
import { agentProxyOf, routesOf } from '../plan/agent-proxy.js';
import { formatProxyArgs } from '../plan/proxy-args.js';
import { discoverOf } from '../plan/agent-discover.js';
import { splitShellWords } from '../shell/shell-words.js';
import { bootstrapArgs, bootstrapRoute } from '../bootstrap/route.js';

export interface CompileOptions {
  /** The command that starts this program (node and the CLI path); runs the host without `cmd`. */
  self: readonly string[];
}

/** Thrown only for input that validation should have rejected: a bug, not a user error. */
function assertValid(condition: unknown, what: string): asserts condition {
  if (!condition) throw new Error(`Assertion failed: compile got an unvalidated manifest (${what})`);
}

function commandOf(name: string, host: Host, self: readonly string[]): { argv: string[]; local: boolean } {
  if (host.cmd === undefined) return { argv: [...self], local: true };
  if (Array.isArray(host.cmd)) return { argv: [...host.cmd], local: false };
  const split = splitShellWords(host.cmd);
  assertValid(split.ok, `hosts.${name}.cmd`);
  return { argv: split.words, local: false };
}

function forwardsOf(name: string, host: Host, templatePorts: readonly string[]): Forward[] {
  return [...templatePorts, ...(host.ports ?? [])].map((text) => {
    const parsed = parseForward(text);
    assertValid(parsed.ok, `hosts.${name}.ports: ${text}`);
    return parsed.value;
  });
}

export function compile(manifest: Manifest, options: CompileOptions): Plan {
  const templatePorts = manifest.hostTemplate?.ports ?? [];
  const entries = Object.entries(manifest.hosts).map(([name, host]) => {
    assertValid(host, `hosts.${name}`);
    return { name, host, forwards: forwardsOf(name, host, templatePorts) };
  });

  // Every published port once, in manifest order, with its `--other VIP:PORT/PROTO` words formatted
  // once; each host then takes all but its own. Those slices are the quadratic part, and
  // they are the output itself: built from shared arrays with slice and concat, with no string
  // made per host.
  const published: Other[] = [];
  const otherWords: string[] = [];
  const firstOther: number[] = [];
  for (const { host, forwards } of entries) {
    firstOther.push(published.length);
    for (const f of forwards) {
      const other: Other = { vip: host.vip, port: f.listenPort, proto: f.proto };
      published.push(other);
      otherWords.push('--other', formatOther(other));
    }
  }

  // The DNS names are the same for every agent: listed once, shared by every host.
  const dnsNames = dnsNamesOf(manifest);
  const dnsNameWords = dnsNames.flatMap((n) => ['--dns-name', formatDnsName(n)]);
  const routes = routesOf(manifest);
  // The same timing for the router's end (Plan.keepalive) and every agent's.
  const keepalive: Keepalive | undefined = manifest.keepalive && keepaliveFromSeconds(manifest.keepalive.interval, manifest.keepalive.timeout);
  const udp: UdpFlows | undefined = manifest.udp && {
    idleMs: manifest.udp.idleTimeout === undefined ? UDP_IDLE_MS : Math.round(manifest.udp.idleTimeout * 1000),
    maxFlows: manifest.udp.maxFlows ?? UDP_MAX_FLOWS,
  };
  const hosts: PlanHost[] = entries.map(({ name, host, forwards }, i) => {
    const start = firstOther[i] ?? 0;
    const end = start + forwards.length;
    const others = published.slice(0, start).concat(published.slice(end));
    const { argv, local } = commandOf(name, host, options.self);
    const dns = agentDnsOf(host, manifest.hostTemplate, local, dnsNames);
    const extra = agentProxyOf(host, manifest.hostTemplate, dns, dnsNames, routes);
    const discover = discoverOf(host, manifest.hostTemplate);
    const agent: AgentConfig = {
      me: host.vip, forwards, others, ...(dns ? { dns } : {}), ...extra, ...(keepalive ? { keepalive } : {}), ...(udp ? { udp } : {}), ...(discover ? { discover } : {}),
    };
    const head = formatAgentArgs({ me: host.vip, forwards, others: [], ...(keepalive ? { keepalive } : {}), ...(udp ? { udp } : {}), ...(discover ? { discover } : {}) });
    // A bootstrap host's cmd ends in its node, which gets the loader first. The local
    // host runs this program itself and never bootstraps.
    // A cmd ending in a shell runs the shell script first (docs/protocol.md §12.1).
    const bootstrap = !local && (host.bootstrap ?? manifest.hostTemplate?.bootstrap ?? false) ? bootstrapRoute(argv) : undefined;
    const fullArgv = argv.concat(bootstrap ? bootstrapArgs(bootstrap) : [], head, formatDnsArgs(dns, dnsNameWords), formatProxyArgs(agent, dnsNameWords), otherWords.slice(0, 2 * start), otherWords.slice(2 * end));
    const cache = bootstrap === 'shell' ? host.bootstrapCache ?? manifest.hostTemplate?.bootstrapCache : undefined;
    const runtimeDir = bootstrap === 'shell' ? host.bootstrapRuntime ?? manifest.hostTemplate?.bootstrapRuntime : undefined;
    return {
      name, vip: host.vip, local, argv: fullArgv, agent, ...(bootstrap ? { bootstrap } : {}),
      ...(cache !== undefined ? { bootstrapCache: cache } : {}), ...(runtimeDir !== undefined ? { bootstrapRuntime: runtimeDir } : {}),
    };
  });
  return { hosts, ...(keepalive ? { keepalive } : {}), ...(manifest.metrics ? { metricsListen: manifest.metrics.listen } : {}) };
}
