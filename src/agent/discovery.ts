/**
 * A discovering agent's side of port discovery (docs/discovery.md): runs the port watcher while
 * the configuration asks for it and the router understands DISCOVERED (docs/protocol.md §4.9),
 * and reports the whole published set on every change. run-agent.ts only calls `configure` (at
 * HELLO and on every CONFIG) and `close`.
 */
import type { AgentConfig, AgentDiscover } from '../plan/types.js';
import { MAX_DISCOVERED_PORTS, type DiscoveredPort } from '../protocol/index.js';
import { PortWatcher } from '../discover/watcher.js';

export interface DiscoveryIO {
  /** `udp`: only when the configuration discovers UDP and the router announced `discover-udp` (§4.9). */
  send(ports: DiscoveredPort[], udp: DiscoveredPort[] | undefined): void;
  log(line: string): void;
  /** The agent's own listen targets must be worked out again (`ownTargets`). */
  relisten(): void;
}

export class AgentDiscovery {
  private watcher: PortWatcher | undefined;
  /** Reports go to the router (it announced the feature, and the configuration discovers). */
  private reporting = false;
  private reported = false;
  private cappedSaid = false;
  /** Whether reports carry UDP ports (the filter asks, and the router takes them). */
  private udp = false;

  constructor(private readonly io: DiscoveryIO) {}

  /**
   * Before the first listeners open: one scan, not reported, so that `ownTargets` already
   * knows the ports held on every address (a restarted agent's command line lists them).
   */
  prime(config: AgentConfig): void {
    if (!config.discover || this.watcher) return;
    this.watcher = this.create(config);
    this.watcher.scan();
  }

  /** `routerDiscovers`: the router announced the feature; without it nothing is watched. `routerDiscoversUdp`: `discover-udp`. */
  configure(config: AgentConfig, routerDiscovers: boolean, routerDiscoversUdp = false): void {
    const asked = config.discover;
    if (!asked || !routerDiscovers) {
      if (asked && !routerDiscovers) this.io.log('discover: the router does not take discovered ports (an older norouter): not discovering');
      this.close();
      return;
    }
    if (asked.udp && !routerDiscoversUdp) this.io.log('discover: the router does not take discovered UDP ports (an older norouter): discovering TCP only');
    const { udp: _udp, ...tcpOnly } = asked;
    const filter: AgentDiscover = asked.udp && routerDiscoversUdp ? asked : tcpOnly;
    const udpBefore = this.udp;
    this.udp = filter.udp === true;
    if (this.watcher) this.watcher.update(filter, meshAddresses(config));
    else this.watcher = this.create(config);
    if (this.reporting) {
      // UDP turned on or off: the router hears the new set at once.
      if (udpBefore !== this.udp) this.report();
      return;
    }
    this.reporting = true;
    this.watcher.start();
    // Always one report at the start, even of nothing: the router drops what an earlier run of this agent published.
    if (!this.reported) this.report();
  }

  /**
   * The agent's own listeners changed (a CONFIG or a relisten was applied): scan now, so that the
   * socket counts the watcher polls include them, and a server's listener that closed meanwhile
   * is not hidden by the agent's own that opened (watcher.ts).
   */
  ownListenersChanged(): void {
    if (this.reporting) this.watcher?.scan();
  }

  close(): void {
    this.watcher?.close();
    this.watcher = undefined;
    this.reporting = false;
    this.reported = false;
  }

  private create(config: AgentConfig): PortWatcher {
    return new PortWatcher({
      filter: config.discover ?? { include: [], exclude: [] },
      meshAddresses: meshAddresses(config),
      log: this.io.log,
      onChange: () => {
        if (this.reporting) this.report();
      },
      onUdpChange: () => {
        if (this.reporting && this.udp) this.report();
      },
      onWildcardChange: () => this.io.relisten(),
    });
  }

  private report(): void {
    const watcher = this.watcher;
    if (!watcher) return;
    this.reported = true;
    const ports = watcher.published;
    const udp = this.udp ? watcher.publishedUdp : undefined;
    const most = Math.max(ports.length, udp?.length ?? 0);
    if (most > MAX_DISCOVERED_PORTS && !this.cappedSaid) {
      this.cappedSaid = true;
      this.io.log(`discover: ${most} ports listen here; only the lowest ${MAX_DISCOVERED_PORTS} of each protocol are published`);
    }
    this.io.send(ports.slice(0, MAX_DISCOVERED_PORTS), udp?.slice(0, MAX_DISCOVERED_PORTS));
  }

  /**
   * The agent's listen targets without its own VIP at a port a server of this host holds on
   * every address (PortWatcher.wildcardPorts): that server answers there itself, and the agent's
   * listener would only fail with EADDRINUSE.
   */
  ownTargets<T extends { ip: string; port: number }>(targets: T[], me: string): T[] {
    return withoutHeld(targets, me, this.watcher?.wildcardPorts);
  }

  /** `ownTargets` for the agent's UDP listeners. */
  ownUdpTargets<T extends { ip: string; port: number }>(targets: T[], me: string): T[] {
    return withoutHeld(targets, me, this.watcher?.wildcardUdpPorts);
  }

}

/** `targets` without the agent's own VIP at a port in `held`. */
function withoutHeld<T extends { ip: string; port: number }>(targets: T[], me: string, held: ReadonlySet<number> | undefined): T[] {
  if (!held?.size) return targets;
  return targets.filter((t) => t.ip !== me || !held.has(t.port));
}

/** Every VIP of the mesh this agent knows: its own, the other hosts' with ports, and every DNS or proxy name's. */
export function meshAddresses(config: AgentConfig): Set<string> {
  const out = new Set<string>([config.me]);
  for (const o of config.others) out.add(o.vip);
  for (const n of config.dns?.names ?? []) out.add(n.vip);
  for (const n of config.proxy?.names ?? []) out.add(n.vip);
  for (const r of config.routes ?? []) out.add(r.via);
  return out;
}
