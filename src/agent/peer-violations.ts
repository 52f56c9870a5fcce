/**
 * Peers' per-connection protocol violations (docs/protocol.md §8.1), which the mux has already
 * answered with ABORT `protocol-error`: the first of each kind from each peer is logged, the rest
 * counted, so that a hostile or buggy peer cannot flood this agent's log
 * (docs/reliability.md, bug 1).
 */
import { ipToString } from '../protocol/index.js';
import type { PeerViolation } from '../mux/index.js';

export class PeerViolations {
  /** By peer VIP (at most one per host of the mesh: the router checks SrcIP, §5.7), then code. */
  private readonly counts = new Map<number, Map<string, number>>();
  private readonly log: (line: string) => void;

  constructor(log: (line: string) => void) {
    this.log = log;
  }

  report(v: PeerViolation): void {
    let byCode = this.counts.get(v.peerIP);
    if (!byCode) this.counts.set(v.peerIP, (byCode = new Map()));
    const n = (byCode.get(v.code) ?? 0) + 1;
    byCode.set(v.code, n);
    if (n === 1) {
      this.log(`${ipToString(v.peerIP)} broke the protocol (${v.code}): ${v.message}; aborted that connection; more of this kind from this peer are counted, not logged`);
    }
  }

  /** One line per peer with the totals, or none when nothing was counted beyond what was logged. */
  summary(): string[] {
    const lines: string[] = [];
    for (const [ip, byCode] of this.counts) {
      if ([...byCode.values()].every((n) => n === 1)) continue;
      lines.push(`${ipToString(ip)}: connections aborted for protocol violations in all: ${[...byCode].map(([code, n]) => `${n} × ${code}`).join(', ')}`);
    }
    return lines;
  }
}
