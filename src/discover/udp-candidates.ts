/**
 * Which unconnected UDP sockets a discovering host publishes (docs/discovery.md, "UDP"): pure but
 * for reading the ephemeral range once. A client that sends from an unconnected socket (dig, a
 * resolver, a syslog or statsd client) looks exactly like a server in /proc/net/udp, so on top of
 * select.ts's rules:
 *
 * - a port in the namespace's ephemeral range (net.ipv4.ip_local_port_range: where the kernel
 *   puts a socket bound to port 0, or sending unbound) is left out, unless the host's `include`
 *   names it (a range other than the default 1-65535 that holds it);
 * - a port is published only once UDP_CONFIRM_SCANS scans in a row saw it: most clients' sockets
 *   live for one exchange, shorter than a poll.
 *
 * What stays wrong: a long-lived client bound to a fixed port outside the ephemeral range is
 * published (it is, in /proc, a server).
 */
import { readFileSync } from 'node:fs';
import type { AgentDiscover } from '../protocol/agent-config.js';
import type { DiscoveredPort } from '../protocol/control.js';
import type { Listener } from './proc-net-tcp.js';

/** Scans in a row (POLL_MS apart at least) a UDP port must be seen in before it is published. */
export const UDP_CONFIRM_SCANS = 2;
/** Linux's default ip_local_port_range, for a namespace whose file cannot be read. */
const DEFAULT_EPHEMERAL: [number, number] = [32768, 60999];

export function readEphemeralRange(path = '/proc/sys/net/ipv4/ip_local_port_range'): [number, number] {
  try {
    const [low, high] = readFileSync(path, 'latin1').trim().split(/\s+/).map(Number);
    if (low !== undefined && high !== undefined && Number.isInteger(low) && Number.isInteger(high) && low <= high) return [low, high];
  } catch {
    // Not Linux, or no /proc: the default.
  }
  return DEFAULT_EPHEMERAL;
}

export class UdpCandidates {
  /** Ports seen in the last scan, with how many scans in a row saw them. */
  private seen = new Map<number, number>();

  constructor(private readonly ephemeral: [number, number]) {}

  /** The sockets that may be servers: outside the ephemeral range, or in it where `include` names the port. */
  eligible(listeners: readonly Listener[], filter: AgentDiscover): Listener[] {
    const [low, high] = this.ephemeral;
    const named = (port: number) => filter.include.some(([a, b]) => !(a === 1 && b === 65535) && port >= a && port <= b);
    return listeners.filter((l) => l.port < low || l.port > high || named(l.port));
  }

  /** One scan's selected ports: those seen UDP_CONFIRM_SCANS scans in a row, or already `published` (a missed read withdraws through Presence, not here). */
  confirm(ports: readonly DiscoveredPort[], published: ReadonlySet<number> = new Set()): DiscoveredPort[] {
    const seen = new Map<number, number>();
    const out: DiscoveredPort[] = [];
    for (const p of ports) {
      const n = Math.min(UDP_CONFIRM_SCANS, (this.seen.get(p.port) ?? 0) + 1);
      seen.set(p.port, n);
      if (n >= UDP_CONFIRM_SCANS || published.has(p.port)) out.push(p);
    }
    this.seen = seen;
    return out;
  }

  /** Whether a port waits for the scan that confirms it (the next poll then scans). */
  get pending(): boolean {
    for (const n of this.seen.values()) if (n < UDP_CONFIRM_SCANS) return true;
    return false;
  }
}
