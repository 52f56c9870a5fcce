/**
 * The router's side of port discovery (docs/discovery.md): the manifest's plan (the base), what
 * each discovering host reported last, and the plan the mesh runs, withDiscovered(base, reports)
 * (src/plan/with-discovered.ts). The router applies that plan through the same path as a reload
 * (Router.apply), so CONFIG brings every agent's listeners up to date live. Every port that
 * appears or goes is one log line here.
 *
 * Reports are kept across an agent's restart (its next report replaces them: a port is not
 * withdrawn everywhere because its host's agent blinked) and across reloads (a new base keeps the
 * sets of the hosts that still discover).
 */
import { FEATURE_DISCOVER, FEATURE_DISCOVER_UDP } from '../protocol/index.js';
import type { AgentConfig, Plan } from '../plan/types.js';
import { formatConnectHost } from '../plan/agent-args.js';
import { withDiscovered, type FoundPort, type Unpublished } from '../plan/with-discovered.js';

/** One published discovered port, for `norouter status`. */
export interface DiscoveredEntry {
  port: number;
  /** A UDP port (docs/discovery.md, "UDP"); absent for TCP. */
  proto?: 'udp';
  /** The address its host dials (127.0.0.1, ::1, or the listener's own). */
  host: string;
  /** When it was first published (ms since the epoch). */
  since: number;
}

const WHY_UNPUBLISHED: Record<Unpublished['why'], string> = {
  filter: 'outside the host\'s discover filter',
  explicit: 'the host publishes it in its ports already',
  dns: 'the host\'s DNS add-on serves on that port of its VIP',
  limit: 'the agents\' configurations would pass their size limits (docs/discovery.md)',
};

/**
 * Reports are applied at most once per this, the first at once: an agent sending DISCOVERED in a
 * loop (a bug, or hostile) must not make the router rebuild the plan and send CONFIG to every
 * agent at the rate it sends. A server's listen() is still published well within a second.
 */
export const DISCOVERY_APPLY_MS = 200;

export class RouterDiscovery {
  private base: Plan;
  /** Reports waiting for the next application, by host (only the latest of each counts). */
  private readonly pending = new Map<string, FoundPort[]>();
  private timer: NodeJS.Timeout | undefined;
  private lastApplied = -Infinity;
  private readonly reports = new Map<string, FoundPort[]>();
  private published = new Map<string, Map<number, DiscoveredEntry>>();
  private unpublished = new Map<string, Map<number, Unpublished['why']>>();
  private current: Plan;

  constructor(base: Plan, private readonly log: (line: string) => void) {
    this.base = base;
    this.current = base;
  }

  /** The plan the mesh runs now. */
  get plan(): Plan {
    return this.current;
  }

  /** A reload's new manifest plan: the discovered ports of hosts that still discover are kept. */
  setBase(base: Plan): Plan {
    this.base = base;
    const discovering = new Set(base.hosts.filter((h) => h.agent.discover).map((h) => h.name));
    for (const name of this.reports.keys()) if (!discovering.has(name)) this.reports.delete(name);
    return this.recompute('the manifest changed');
  }

  /**
   * A host's DISCOVERED: its whole set now. Returns the new plan when what the mesh publishes
   * changed, else undefined. Ignored for a host that does not discover in the base plan.
   */
  report(host: string, ports: readonly FoundPort[]): Plan | undefined {
    if (!this.base.hosts.some((h) => h.name === host && h.agent.discover)) return undefined;
    this.reports.set(host, [...ports]);
    const before = this.current;
    const next = this.recompute('no longer listening');
    return samePublished(before, next) ? undefined : next;
  }

  /**
   * A host's DISCOVERED, throttled (DISCOVERY_APPLY_MS): `apply` gets the plan the mesh should
   * run whenever what it publishes changed.
   */
  offer(host: string, ports: readonly FoundPort[], apply: (plan: Plan) => void): void {
    this.pending.set(host, [...ports]);
    if (this.timer) return;
    const wait = this.lastApplied + DISCOVERY_APPLY_MS - Date.now();
    if (wait <= 0) return this.flush(apply);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush(apply);
    }, wait);
    this.timer.unref();
  }

  /** Hosts whose latest report waits for the next application. */
  get waiting(): number {
    return this.pending.size;
  }

  /** Drops reports not yet applied (the router stops). */
  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.clear();
  }

  private flush(apply: (plan: Plan) => void): void {
    this.lastApplied = Date.now();
    let changed = false;
    for (const [host, ports] of this.pending) if (this.report(host, ports)) changed = true;
    this.pending.clear();
    if (changed) apply(this.current);
  }

  /** One host's published discovered ports, sorted by port. */
  of(host: string): DiscoveredEntry[] {
    return [...(this.published.get(host)?.values() ?? [])];
  }

  /** Every published discovered port by host, sorted by port (for `norouter status`). */
  entries(): Map<string, DiscoveredEntry[]> {
    return new Map([...this.published].map(([host, ports]) => [host, [...ports.values()]]));
  }

  /** What a CONFIG may carry to this agent: `discover` only to one that announced the feature, `discover.udp` `discover-udp` (§4.9). */
  static configFor(agent: AgentConfig, features: ReadonlySet<string>): AgentConfig {
    if (!agent.discover) return agent;
    if (!features.has(FEATURE_DISCOVER)) {
      const { discover: _left, ...rest } = agent;
      return rest;
    }
    if (!agent.discover.udp || features.has(FEATURE_DISCOVER_UDP)) return agent;
    const { udp: _udp, ...tcp } = agent.discover;
    return { ...agent, discover: tcp };
  }

  private recompute(whyGone: string): Plan {
    const result = withDiscovered(this.base, this.reports);
    const now = Date.now();
    const vipOf = new Map(this.base.hosts.map((h) => [h.name, h.vip]));
    const published = new Map<string, Map<number, DiscoveredEntry>>();
    for (const [host, ports] of result.published) {
      const was = this.published.get(host);
      const map = new Map<number, DiscoveredEntry>();
      for (const p of ports) {
        const old = was?.get(keyOf(p));
        map.set(keyOf(p), { port: p.port, ...(p.proto ? { proto: p.proto } : {}), host: p.host, since: old?.since ?? now });
        const at = `${formatConnectHost(p.host)}:${p.port}`;
        const suffix = p.proto ? '/udp' : '';
        if (!old) this.log(`${host}: discovered port ${p.port}${suffix} (listening at ${at}): published as ${vipOf.get(host) ?? '?'}:${p.port}${suffix}`);
        else if (old.host !== p.host) this.log(`${host}: discovered port ${p.port}${suffix} now dialled at ${at}`);
      }
      if (map.size) published.set(host, map);
    }
    for (const [host, ports] of this.published) {
      const still = published.get(host);
      const gone = vipOf.has(host) ? whyGone : 'the host left the manifest';
      for (const [key, entry] of ports) if (!still?.has(key)) this.log(`${host}: discovered port ${entry.port}${entry.proto ? '/udp' : ''} withdrawn (${gone})`);
    }
    this.published = published;
    const unpublished = new Map<string, Map<number, Unpublished['why']>>();
    for (const [host, list] of result.unpublished) {
      const was = this.unpublished.get(host);
      const map = new Map<number, Unpublished['why']>();
      for (const u of list) {
        const { port, why } = u;
        map.set(keyOf(u), why);
        // Said once per port and reason; a filter the agent applies itself is not news.
        if (why !== 'filter' && was?.get(keyOf(u)) !== why) this.log(`${host}: discovered port ${port}${u.proto ? '/udp' : ''} not published: ${WHY_UNPUBLISHED[why]}`);
      }
      unpublished.set(host, map);
    }
    this.unpublished = unpublished;
    this.current = result.plan;
    return this.current;
  }
}

/** A port's key in the maps above: TCP ports as themselves, UDP ports above them. */
function keyOf(p: { port: number; proto?: 'udp' }): number {
  return p.proto ? 65536 + p.port : p.port;
}

/** Whether two plans of one base run the same agents: every host's command line alike. */
function samePublished(a: Plan, b: Plan): boolean {
  if (a === b) return true;
  if (a.hosts.length !== b.hosts.length) return false;
  return a.hosts.every((h, i) => {
    const o = b.hosts[i];
    return o !== undefined && (h === o || (h.argv.length === o.argv.length && h.argv.every((w, k) => w === o.argv[k]) && h.name === o.name));
  });
}
