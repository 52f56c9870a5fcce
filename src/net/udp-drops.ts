/**
 * Datagrams dropped, by kind: the one place an agent or the router counts them
 * (docs/protocol.md §14.5), so that logs, `stop` and status read the same numbers. The first
 * drop of each kind is logged, the rest only counted: a flood of datagrams must not become a
 * flood of log lines.
 */
import type { UdpDropKind } from '../protocol/index.js';

/** Why a datagram was dropped: src/protocol/udp.ts's UDP_DROP_KINDS. */
export type { UdpDropKind };

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
