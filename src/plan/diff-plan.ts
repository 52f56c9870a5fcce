/**
 * What a reload changes, computed from two plans: pure, so the decisions are
 * unit-tested without processes. Hosts are matched by name.
 */
import { formatAgentArgs, formatForward } from './agent-args.js';
import { formatDnsName } from './dns-args.js';
import { formatKeepaliveArgs } from './keepalive-args.js';
import { formatProxyArgs } from './proxy-args.js';
import { formatDiscoverArgs } from './discover-args.js';
import type { AgentConfig, Forward, Plan, PlanHost } from './types.js';

export interface PlanDiff {
  added: PlanHost[];
  removed: PlanHost[];
  /**
   * Hosts whose agent must be started anew: its command or its VIP changed, or the keepalive,
   * which both ends of the link read once, at its start (docs/protocol.md §7).
   */
  restarted: { host: PlanHost; reason: 'cmd changed' | 'vip changed' | 'cmd and vip changed' | 'keepalive changed' }[];
  /** Hosts whose running agent gets a new configuration over the link (CONFIG). */
  /** Ports as the manifest writes them: `9090` (TCP), `53/udp`. */
  reconfigured: { host: PlanHost; published: string[]; withdrawn: string[]; retargeted: string[]; proxy?: true; discover?: true }[];
  /** Hosts that keep running as they are, with their (possibly reordered) new plan entry. */
  unchanged: PlanHost[];
  /** DNS names (`NAME=VIP`) served before and not after, and the reverse. */
  dnsNames?: { added: string[]; removed: string[] };
}

/** The host's own command: its argv without the agent arguments compile appended. */
export function commandOf(host: PlanHost): string[] {
  return host.argv.slice(0, host.argv.length - formatAgentArgs(host.agent).length);
}

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

function sameConfig(a: AgentConfig, b: AgentConfig): boolean {
  return sameList(formatAgentArgs(a), formatAgentArgs(b));
}

export function diffPlans(before: Plan, after: Plan): PlanDiff {
  const old = new Map(before.hosts.map((h) => [h.name, h]));
  const was = dnsNamesOf(before);
  const now = dnsNamesOf(after);
  const dnsNames = { added: [...now].filter((n) => !was.has(n)), removed: [...was].filter((n) => !now.has(n)) };
  const diff: PlanDiff = { added: [], removed: [], restarted: [], reconfigured: [], unchanged: [], dnsNames };
  const names = new Set(after.hosts.map((h) => h.name));
  for (const host of after.hosts) {
    const prev = old.get(host.name);
    if (!prev) {
      diff.added.push(host);
      continue;
    }
    const cmdChanged = !sameList(commandOf(prev), commandOf(host));
    const vipChanged = prev.vip !== host.vip;
    if (cmdChanged || vipChanged) {
      diff.restarted.push({ host, reason: cmdChanged && vipChanged ? 'cmd and vip changed' : cmdChanged ? 'cmd changed' : 'vip changed' });
    } else if (!sameList(formatKeepaliveArgs(prev.agent.keepalive), formatKeepaliveArgs(host.agent.keepalive))) {
      diff.restarted.push({ host, reason: 'keepalive changed' });
    } else if (!sameConfig(prev.agent, host.agent)) {
      const was = new Map(prev.agent.forwards.map((f) => [portName(f), formatForward(f)]));
      const now = new Map(host.agent.forwards.map((f) => [portName(f), formatForward(f)]));
      diff.reconfigured.push({
        host,
        published: [...now.keys()].filter((port) => !was.has(port)),
        withdrawn: [...was.keys()].filter((port) => !now.has(port)),
        retargeted: [...now.keys()].filter((port) => was.has(port) && was.get(port) !== now.get(port)),
        // Its proxies, loopback.disable or routes changed.
        ...(sameList(formatProxyArgs(prev.agent), formatProxyArgs(host.agent)) ? {} : { proxy: true as const }),
        // Its port discovery was turned on or off, or its filters changed.
        ...(sameList(formatDiscoverArgs(prev.agent.discover), formatDiscoverArgs(host.agent.discover)) ? {} : { discover: true as const }),
      });
    } else {
      diff.unchanged.push(host);
    }
  }
  for (const host of before.hosts) if (!names.has(host.name)) diff.removed.push(host);
  return diff;
}

/** A published port as the summary names it: `9090` for TCP, `53/udp` (a TCP and a UDP port may share a number). */
function portName(f: Forward): string {
  return f.proto === 'udp' ? `${f.listenPort}/udp` : String(f.listenPort);
}

/** Every `NAME=VIP` some agent of the plan serves or writes to /etc/hosts. */
function dnsNamesOf(plan: Plan): Set<string> {
  return new Set(plan.hosts.flatMap((h) => h.agent.dns?.names.map(formatDnsName) ?? []));
}

/**
 * The one-line reload summary: `+host3, -host4, host2: +9090 -8080 ~5432, host1: restarted (cmd
 * changed)`; `~` is a published port whose target changed. Hosts that only learn of other hosts'
 * ports are not listed: the publishing host is.
 */
export function summarizeDiff(diff: PlanDiff): string {
  const parts: string[] = [
    ...diff.added.map((h) => `+${h.name}`),
    ...diff.removed.map((h) => `-${h.name}`),
    ...diff.restarted.map(({ host, reason }) => `${host.name}: restarted (${reason})`),
    ...diff.reconfigured
      .filter((r) => r.published.length || r.withdrawn.length || r.retargeted.length || r.proxy || r.discover)
      .map((r) => `${r.host.name}: ${[
        ...r.published.map((p) => `+${p}`),
        ...r.withdrawn.map((p) => `-${p}`),
        ...r.retargeted.map((p) => `~${p}`),
        ...(r.proxy ? ['~proxies/routes'] : []),
        ...(r.discover ? ['~discover'] : []),
      ].join(' ')}`),
  ];
  // A host added or removed brings or takes its own name: only the other changes (aliases, a
  // host's name changing VIP) are news.
  const hostNames = new Set([...diff.added, ...diff.removed].map((h) => `${h.name}=${h.vip}`));
  const dns = [
    ...(diff.dnsNames?.added ?? []).filter((n) => !hostNames.has(n)).map((n) => `+${n}`),
    ...(diff.dnsNames?.removed ?? []).filter((n) => !hostNames.has(n)).map((n) => `-${n}`),
  ];
  if (dns.length) parts.push(`dns: ${dns.join(' ')}`);
  return parts.length ? parts.join(', ') : 'no change';
}
