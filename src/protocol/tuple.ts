/**
 * The one way connections are named in messages: `127.0.42.100:40000 -> 127.0.42.101:80`, the
 * initiator first (docs/protocol.md §5.1), and a routed connection's destination (§13).
 */
import { FLAG_FROM_ACCEPTOR } from './constants.js';
import { ipToString, type FrameHeader } from './frame.js';
import type { RouteTarget } from './tcp.js';

/** A connection's addresses, the initiator's first. */
export interface Tuple {
  srcIP: number;
  srcPort: number;
  dstIP: number;
  dstPort: number;
}

/** `SRC:PORT -> DST:PORT`, or `SRC:PORT -> VIA (route to HOST:PORT)` for a routed connection. */
export function formatTuple(t: Tuple, target?: RouteTarget): string {
  if (target) return `${ipToString(t.srcIP)}:${t.srcPort} -> ${ipToString(t.dstIP)} (route to ${target.host}:${target.port})`;
  return `${ipToString(t.srcIP)}:${t.srcPort} -> ${ipToString(t.dstIP)}:${t.dstPort}`;
}

/** The tuple of the connection a TCP frame belongs to, whichever side sent it. */
export function frameTuple(h: FrameHeader): string {
  return formatTuple(h.flags & FLAG_FROM_ACCEPTOR ? { srcIP: h.dstIP, srcPort: h.dstPort, dstIP: h.srcIP, dstPort: h.srcPort } : h);
}
