/**
 * Which listeners a discovering host publishes, and the address each is dialled at: pure.
 *
 * Left out: listeners on a VIP of the mesh (the agent's own VIP listeners, and those of another
 * agent of the mesh sharing this network namespace), the agent's own sockets (its proxies, its
 * DNS server: by inode, see watcher.ts), IPv6 link-local addresses (not dialable without an
 * interface), and ports outside the host's filter.
 *
 * Dialled at: 127.0.0.1 for a listener on 127.0.0.1 or 0.0.0.0; ::1 for one on ::1 or :: (or
 * 127.0.0.1 when the loopback has no IPv6, where a :: socket is reachable only as dual-stack);
 * any other address as itself. When several listeners share a port, the first in that order wins.
 */
import type { DiscoveredPort } from '../protocol/control.js';
import type { AgentDiscover } from '../protocol/agent-config.js';
import type { Listener } from './proc-net-tcp.js';

export interface Exclusions {
  /** Addresses whose listeners are the mesh's own: every VIP the agent knows. */
  meshAddresses: ReadonlySet<string>;
  /** Whether this socket is the agent's own. */
  isOwn(inode: number): boolean;
  /** Whether the loopback has ::1 (a :: listener is then dialled at ::1). */
  ipv6Loopback: boolean;
}

/** Lower is preferred when several listeners share a port. */
function rank(address: string): number {
  if (address === '127.0.0.1' || address === '0.0.0.0') return 0;
  if (address === '::1' || address === '::') return 1;
  if (address.startsWith('127.')) return 2;
  return address.includes(':') ? 4 : 3;
}

function targetOf(address: string, ipv6Loopback: boolean): string {
  if (address === '0.0.0.0') return '127.0.0.1';
  if (address === '::') return ipv6Loopback ? '::1' : '127.0.0.1';
  return address;
}

function inRanges(port: number, ranges: readonly [number, number][]): boolean {
  for (const [low, high] of ranges) if (port >= low && port <= high) return true;
  return false;
}

/** The published ports, sorted by port. */
export function selectPorts(listeners: readonly Listener[], filter: AgentDiscover, ex: Exclusions): DiscoveredPort[] {
  const best = new Map<number, string>();
  for (const l of listeners) {
    if (!inRanges(l.port, filter.include) || inRanges(l.port, filter.exclude)) continue;
    if (ex.meshAddresses.has(l.address) || /^fe[89ab]/i.test(l.address)) continue;
    if (ex.isOwn(l.inode)) continue;
    const held = best.get(l.port);
    if (held === undefined || rank(l.address) < rank(held)) best.set(l.port, l.address);
  }
  return [...best].sort(([a], [b]) => a - b).map(([port, address]) => ({ port, host: targetOf(address, ex.ipv6Loopback) }));
}
