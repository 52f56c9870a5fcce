/**
 * Datagrams dropped, by kind: the one place an agent or the router counts them
 * (docs/protocol.md §14.5), so that logs, `stop` and status read the same numbers. The first
 * drop of each kind is logged, the rest only counted: a flood of datagrams must not become a
 * flood of log lines.
 */

/** Why a datagram was dropped (docs/protocol.md §14.5 explains each). */
export type UdpDropKind =
  | 'link-congested' // datagrams fill their share of the link's output queue, or the queue is full (udp-share.ts): TCP frames must not wait behind them
  | 'send-queue-full' // the local socket's send queue is past its cap (the client or target does not keep up)
  | 'flow-limit' // a new flow beyond the host's maxFlows
  | 'no-flow' // a reply for a flow this agent no longer has (it expired or was withdrawn)
  | 'unpublished-port' // no such UDP port is published (a reload withdrew it, or a hostile peer)
  | 'target-unreachable' // ICMP port or host unreachable from the target, or its name does not resolve
  | 'send-failed' // the local socket refused the datagram (EMSGSIZE, ENOBUFS…)
  | 'peer-too-old' // the other end of a link did not announce the `udp` feature
  | 'host-down' // the router has no live agent for the destination VIP; at an agent, its link is not up yet
  | 'rate-limit'; // the router's per-link datagram rate was exceeded

export class UdpDrops {
  private readonly counts = new Map<UdpDropKind, number>();

  /** `log` gets the first drop of each kind (with `why`); undefined: count only. */
  constructor(private readonly log?: (line: string) => void) {}

  /** Counts one drop; `why` is asked only for the one drop that is logged (a flood must not build a text per datagram). */
  add(kind: UdpDropKind, why: () => string): void {
    const n = (this.counts.get(kind) ?? 0) + 1;
    this.counts.set(kind, n);
    if (n === 1) this.log?.(`dropped a datagram: ${why()} (${kind}); more of this kind are counted, not logged`);
  }

  /** Every kind counted so far, with its count. */
  snapshot(): Map<UdpDropKind, number> {
    return new Map(this.counts);
  }

  get total(): number {
    let n = 0;
    for (const c of this.counts.values()) n += c;
    return n;
  }

  /** `3 × link-congested, 1 × no-flow`, or '' when nothing was dropped. */
  describe(): string {
    return [...this.counts].map(([kind, n]) => `${n} × ${kind}`).join(', ');
  }
}
