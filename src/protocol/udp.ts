/**
 * UDP frames (docs/protocol.md §14): a datagram, or a flow's end. A flow is named like a TCP
 * connection (§5.1): the initiator's VIP and flow port, and the destination VIP and published
 * port; frames from the publishing side carry it swapped, with FROM_ACCEPTOR.
 */
import { FLAG_ABORT, FLAG_FROM_ACCEPTOR, PROTO_UDP } from './constants.js';
import type { FrameHeader } from './frame.js';

/** A flow's addresses, the initiator's first (§14.1). */
export interface Flow {
  /** The initiator's VIP and the flow port it picked for one local client. */
  srcIP: number;
  srcPort: number;
  /** The publishing host's VIP and its published UDP port. */
  dstIP: number;
  dstPort: number;
}

/** The header of a datagram of `flow`: from the initiator, or (`reply`) from the publishing side. */
export function datagramHeader(flow: Flow, reply: boolean): FrameHeader {
  return reply
    ? { srcIP: flow.dstIP, srcPort: flow.dstPort, dstIP: flow.srcIP, dstPort: flow.srcPort, proto: PROTO_UDP, flags: FLAG_FROM_ACCEPTOR }
    : { srcIP: flow.srcIP, srcPort: flow.srcPort, dstIP: flow.dstIP, dstPort: flow.dstPort, proto: PROTO_UDP, flags: 0 };
}

/** The header of the frame that ends `flow` (§14.3), sent by either side; its payload is abortPayload(). */
export function flowEndHeader(flow: Flow, reply: boolean): FrameHeader {
  const h = datagramHeader(flow, reply);
  h.flags |= FLAG_ABORT;
  return h;
}

/** The flow a UDP frame belongs to, whichever side sent it. */
export function flowOf(h: FrameHeader): Flow {
  return h.flags & FLAG_FROM_ACCEPTOR
    ? { srcIP: h.dstIP, srcPort: h.dstPort, dstIP: h.srcIP, dstPort: h.srcPort }
    : { srcIP: h.srcIP, srcPort: h.srcPort, dstIP: h.dstIP, dstPort: h.dstPort };
}

export function isFlowEnd(h: FrameHeader): boolean {
  return (h.flags & FLAG_ABORT) !== 0;
}

export function isReply(h: FrameHeader): boolean {
  return (h.flags & FLAG_FROM_ACCEPTOR) !== 0;
}

/**
 * Why a datagram was dropped (§14.5 explains each): what agents report in COUNTERS (§4.8) and
 * the router counts itself. Append-only: a router ignores kinds it does not know.
 */
export const UDP_DROP_KINDS = [
  'link-congested', // datagrams fill their share of the link's output queue, or the queue is full (src/net/udp-share.ts): TCP frames must not wait behind them
  'send-queue-full', // the local socket's send queue is past its cap (the client or target does not keep up)
  'flow-limit', // a new flow beyond the host's maxFlows
  'no-flow', // a reply for a flow this agent no longer has (it expired or was withdrawn)
  'unpublished-port', // no such UDP port is published (a reload withdrew it, or a hostile peer)
  'target-unreachable', // ICMP port or host unreachable from the target, or its name does not resolve
  'send-failed', // the local socket refused the datagram (EMSGSIZE, ENOBUFS…)
  'peer-too-old', // the other end of a link did not announce the `udp` feature
  'host-down', // the router has no live agent for the destination VIP; at an agent, its link is not up yet
  'rate-limit', // the router's per-link datagram rate was exceeded
] as const;

export type UdpDropKind = (typeof UDP_DROP_KINDS)[number];
