/**
 * The router's part for UDP frames (docs/protocol.md §14.4), beside switch.ts's TCP: a
 * datagram goes to the link of its DstIP only to a port published for UDP (the destination's
 * for a datagram from the initiator, the sender's own for a reply), to an agent that announced
 * `udp`, within the sender's datagram rate, and while the destination link's output holds
 * less than its share of datagrams and, while TCP frames wait in it, within the datagrams'
 * budget (src/net/udp-share.ts). Anything else is dropped and counted per host (UdpDrops),
 * never queued: datagrams never hold TCP frames back. SrcIP is checked by switch.ts before this, as for TCP.
 */
import { FEATURE_UDP, HEADER_LEN, formatTuple, payloadLength, flowOf, ipFromString, isFlowEnd, isReply, type Frame } from '../protocol/index.js';
import type { Plan } from '../plan/types.js';
import { UdpDrops, type UdpDropKind } from '../net/udp-drops.js';
import { UdpShare } from '../net/udp-share.js';
import type { SwitchAccounting, SwitchLink } from './switch.js';

/**
 * Datagrams one link may send per second, in a burst of as many: far above what the mesh carries
 * (docs/benchmarks.md, "UDP"), low enough that one agent's flood cannot take every cycle of the
 * router from the other links.
 */
export const DATAGRAM_RATE = 400_000;

const key = (ip: number, port: number) => ip * 65536 + port;

class DatagramBucket {
  private tokens = DATAGRAM_RATE;
  private last = Date.now();

  take(now = Date.now()): boolean {
    if (this.tokens < 1) {
      this.tokens = Math.min(DATAGRAM_RATE, this.tokens + ((now - this.last) / 1000) * DATAGRAM_RATE);
      this.last = now;
      if (this.tokens < 1) return false;
    }
    this.tokens -= 1;
    return true;
  }
}

export class DatagramSwitch {
  private published = new Set<number>();
  private readonly drops = new Map<string, UdpDrops>();
  private readonly buckets = new Map<string, DatagramBucket>();
  /** Per destination link: the datagrams in its output queue (src/net/udp-share.ts). */
  private readonly shares = new WeakMap<SwitchLink, UdpShare>();

  constructor(plan: Plan, private readonly log: (line: string) => void, private readonly accounting?: Pick<SwitchAccounting, 'datagram'>) {
    this.setPlan(plan);
  }

  setPlan(plan: Plan): void {
    const published = new Set<number>();
    for (const host of plan.hosts) {
      const vip = ipFromString(host.vip);
      if (vip === undefined) continue;
      for (const f of host.agent.forwards) if (f.proto === 'udp') published.add(key(vip, f.listenPort));
    }
    this.published = published;
  }

  /** A UDP frame from `from` (its SrcIP already checked) towards `to`, the link of its DstIP if any. */
  receive(from: SwitchLink, to: SwitchLink | undefined, frame: Frame): void {
    const drop = this.verdict(from, to, frame);
    if (drop) return this.dropsOf(from).add(drop.kind, drop.why);
    const link = to as SwitchLink;
    this.accounting?.datagram(frame);
    link.send(frame, frame.payload, frame.rest);
    this.shareOf(link).sent(link, HEADER_LEN + payloadLength(frame));
  }

  /** Datagrams dropped so far, per sending host and kind: what `stop` and status show. */
  datagramDrops(): Map<string, Map<UdpDropKind, number>> {
    return new Map([...this.drops].filter(([, d]) => d.total > 0).map(([name, d]) => [name, d.snapshot()]));
  }

  forget(name: string): void {
    this.drops.delete(name);
    this.buckets.delete(name);
  }

  private verdict(from: SwitchLink, to: SwitchLink | undefined, frame: Frame): { kind: UdpDropKind; why: () => string } | undefined {
    // Only a drop's message needs the tuple: built then, not for every datagram forwarded.
    const what = (): string => `${formatTuple(flowOf(frame))}/udp`;
    if (!to?.isUp) return { kind: 'host-down', why: () => `${what()}: no agent is up there` };
    if (!to.features.has(FEATURE_UDP)) return { kind: 'peer-too-old', why: () => `${what()}: the agent of ${to.name} is too old for UDP: install this norouter version there` };
    // A flow's end carries no data and names a flow only the receiver can check (§14.3): it goes even for a withdrawn port.
    if (!isFlowEnd(frame)) {
      const port = isReply(frame) ? key(frame.srcIP, frame.srcPort) : key(frame.dstIP, frame.dstPort);
      if (!this.published.has(port)) return { kind: 'unpublished-port', why: () => `${what()}: ${isReply(frame) ? from.name : to.name} publishes no such UDP port` };
    }
    if (!this.bucketOf(from).take()) return { kind: 'rate-limit', why: () => `${what()}: more than ${DATAGRAM_RATE} datagrams per second from ${from.name}` };
    const full = this.shareOf(to).refuse(to);
    if (full) return { kind: 'link-congested', why: () => `${what()}: ${to.name}: ${full}` };
    return undefined;
  }

  private shareOf(link: SwitchLink): UdpShare {
    let share = this.shares.get(link);
    if (!share) this.shares.set(link, (share = new UdpShare()));
    return share;
  }

  private dropsOf(link: SwitchLink): UdpDrops {
    let d = this.drops.get(link.name);
    if (!d) {
      const name = link.name;
      d = new UdpDrops((line) => this.log(`${name}: ${line}`));
      this.drops.set(name, d);
    }
    return d;
  }

  private bucketOf(link: SwitchLink): DatagramBucket {
    let b = this.buckets.get(link.name);
    if (!b) this.buckets.set(link.name, (b = new DatagramBucket()));
    return b;
  }
}
