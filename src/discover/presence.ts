/**
 * What a discovering agent reports, from one scan to the next: pure. A port is published on the
 * first scan that sees it; it is withdrawn only when MISSES_TO_WITHDRAW scans in a row do not,
 * because a read of /proc/net/tcp can miss entries while the kernel's tables change under heavy
 * connection churn (seen in the soak), and a port must not flap on one missed read.
 */
import type { DiscoveredPort } from '../protocol/control.js';

export const MISSES_TO_WITHDRAW = 2;

export interface PresenceChange {
  /** Every published port now, sorted by port. */
  published: DiscoveredPort[];
  appeared: DiscoveredPort[];
  withdrawn: DiscoveredPort[];
  /** Published before and now dialled at another address. */
  moved: DiscoveredPort[];
}

export class Presence {
  private readonly held = new Map<number, { host: string; misses: number }>();

  /** One scan's ports; a change when what is published changed, else undefined. */
  observe(scan: readonly DiscoveredPort[]): PresenceChange | undefined {
    const seen = new Map(scan.map((p) => [p.port, p.host]));
    const appeared: DiscoveredPort[] = [];
    const withdrawn: DiscoveredPort[] = [];
    const moved: DiscoveredPort[] = [];
    for (const [port, entry] of this.held) {
      const host = seen.get(port);
      if (host === undefined) {
        entry.misses++;
        if (entry.misses >= MISSES_TO_WITHDRAW) {
          this.held.delete(port);
          withdrawn.push({ port, host: entry.host });
        }
        continue;
      }
      entry.misses = 0;
      if (host !== entry.host) {
        entry.host = host;
        moved.push({ port, host });
      }
    }
    for (const [port, host] of seen) {
      if (this.held.has(port)) continue;
      this.held.set(port, { host, misses: 0 });
      appeared.push({ port, host });
    }
    if (!appeared.length && !withdrawn.length && !moved.length) return undefined;
    return { published: this.published(), appeared, withdrawn, moved };
  }

  /** Whether a port was missed and waits for the scan that withdraws it or keeps it. */
  get pending(): boolean {
    for (const entry of this.held.values()) if (entry.misses > 0) return true;
    return false;
  }

  published(): DiscoveredPort[] {
    return [...this.held].sort(([a], [b]) => a - b).map(([port, { host }]) => ({ port, host }));
  }
}
