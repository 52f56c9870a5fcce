/**
 * An agent's UDP (docs/protocol.md §14): both sides of its flows (udp-initiator.ts for local
 * clients, udp-acceptor.ts for the ports it publishes), the idle sweep, and one UdpDrops for
 * every datagram it drops. run-agent.ts hands it the UDP frames and the configuration.
 */
import { UDP_IDLE_MS, UDP_MAX_FLOWS, flowOf, isFlowEnd, isReply, type Frame } from '../protocol/index.js';
import type { AgentConfig, Forward, UdpFlows } from '../plan/types.js';
import { UdpAcceptor } from './udp-acceptor.js';
import { UdpDrops } from './udp-drops.js';
import { UdpInitiator, type UdpLink } from './udp-initiator.js';
import { sweepEvery } from './udp-limits.js';
import { UdpShare } from './udp-share.js';
import type { ListenTarget } from './listeners.js';

export interface UdpAgentOptions {
  me: number;
  link: UdpLink;
  /** Whether the router announced `udp` (§14.6); undefined before its HELLO. */
  enabled: () => boolean | undefined;
  log: (line: string) => void;
  /** The set of failed listens changed (STATUS, §4.6). */
  onChange: () => void;
  /** Leaves out listen targets something else of the host holds already (port discovery); all by default. */
  ownTargets?: (targets: ListenTarget[]) => ListenTarget[];
}

export class UdpAgent {
  readonly drops: UdpDrops;
  private readonly initiator: UdpInitiator;
  private readonly acceptor: UdpAcceptor;
  private limits: UdpFlows = { idleMs: UDP_IDLE_MS, maxFlows: UDP_MAX_FLOWS };
  private forwards = new Map<number, Forward>();
  private sweeper: NodeJS.Timeout | undefined;
  private sweepMs = 0;

  constructor(private readonly options: UdpAgentOptions) {
    this.drops = new UdpDrops(options.log);
    const limits = () => this.limits;
    // One share of the one link for both sides' datagrams (./udp-share.ts).
    const share = new UdpShare();
    this.initiator = new UdpInitiator(options.me, options.link, share, this.drops, limits, options.enabled, options.log, options.onChange);
    this.acceptor = new UdpAcceptor(options.link, share, this.drops, limits, (port) => this.forwards.get(port));
  }

  /** Applies a configuration (the command line's, then each CONFIG's); resolves once its listeners are bound or failed. */
  apply(config: AgentConfig): Promise<void> {
    this.limits = config.udp ?? { idleMs: UDP_IDLE_MS, maxFlows: UDP_MAX_FLOWS };
    this.forwards = new Map(config.forwards.filter((f) => f.proto === 'udp').map((f) => [f.listenPort, f]));
    this.acceptor.reconfigured();
    this.startSweep();
    const targets = udpTargets(config);
    return this.initiator.apply(this.options.ownTargets?.(targets) ?? targets);
  }

  /** A UDP frame from the router. */
  receive(frame: Frame): void {
    if (isReply(frame)) {
      if (isFlowEnd(frame)) this.initiator.ended(frame);
      else this.initiator.reply(frame);
      return;
    }
    const flow = flowOf(frame);
    if (isFlowEnd(frame)) this.acceptor.ended(flow);
    else this.acceptor.datagram(frame, flow);
  }

  peerDown(vip: number): void {
    this.initiator.peerDown(vip);
    this.acceptor.peerDown(vip);
  }

  get failures(): { listen: string; error: string }[] {
    return this.initiator.failures;
  }

  get listening(): string[] {
    return this.initiator.listening;
  }

  /** Live flows on each side. */
  get flows(): { clients: number; targets: number } {
    return { clients: this.initiator.flows, targets: this.acceptor.size };
  }

  closeAll(): void {
    clearInterval(this.sweeper);
    this.sweeper = undefined;
    this.initiator.closeAll();
    this.acceptor.closeAll();
  }

  private startSweep(): void {
    const every = sweepEvery(this.limits.idleMs);
    if (this.sweeper && every === this.sweepMs) return;
    clearInterval(this.sweeper);
    this.sweepMs = every;
    this.sweeper = setInterval(() => {
      const cutoff = Date.now() - this.limits.idleMs;
      this.initiator.sweep(cutoff);
      this.acceptor.sweep(cutoff);
    }, every);
    this.sweeper.unref();
  }
}

/** Every other host's published UDP port, and this host's own (reached through the router too); none with `--no-loopback`. */
export function udpTargets(config: AgentConfig): ListenTarget[] {
  if (config.noLoopback) return [];
  return [
    ...config.others.filter((o) => o.proto === 'udp').map((o) => ({ ip: o.vip, port: o.port })),
    ...config.forwards.filter((f) => f.proto === 'udp').map((f) => ({ ip: config.me, port: f.listenPort })),
  ];
}

