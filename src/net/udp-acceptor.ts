/**
 * The publishing side of UDP (docs/protocol.md §14.2): for each flow (an initiator's VIP and
 * flow port, and a published UDP port) a socket of its own, connected to the forward's target,
 * so that the target's replies come back to that flow alone. A flow ends after its idle time,
 * when the initiator ends it, when its port is withdrawn, or when the target is unreachable
 * (ICMP port unreachable: §14.5 says what the client sees).
 */
import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { HEADER_LEN, abortPayload, datagramHeader, flowEndHeader, formatTuple, type Flow, type Frame } from '../protocol/index.js';
import type { AbortReason } from '../protocol/reasons.js';
import type { Forward } from '../plan/types.js';
import { dialErrorReason, errorCode } from './socket-errors.js';
import type { UdpDrops } from './udp-drops.js';
import type { UdpLink } from './udp-initiator.js';
import { UDP_MAX_PENDING, UDP_MAX_SEND_QUEUE, UDP_SOCKET_BUFFER } from './udp-limits.js';
import type { UdpShare } from './udp-share.js';

interface TargetFlow {
  key: string;
  flow: Flow;
  forward: Forward;
  socket: Socket;
  /** Datagrams that arrived before the socket connected (bounded by UDP_MAX_PENDING). */
  pending: Buffer[] | undefined;
  last: number;
}

const keyOf = (f: Flow): string => `${f.srcIP}:${f.srcPort}:${f.dstPort}`;

export class UdpAcceptor {
  private readonly flows = new Map<string, TargetFlow>();

  constructor(
    private readonly link: UdpLink,
    private readonly share: UdpShare,
    private readonly drops: UdpDrops,
    private readonly limits: () => { maxFlows: number },
    /** This host's published UDP port, or undefined when it publishes none there (§14.2). */
    private readonly forwardFor: (port: number) => Forward | undefined,
  ) {}

  get size(): number {
    return this.flows.size;
  }

  /** A datagram from an initiator: to the forward's target, from the flow's own socket. */
  datagram(frame: Frame, flow: Flow): void {
    const k = keyOf(flow);
    let t = this.flows.get(k);
    if (!t) {
      const forward = this.forwardFor(flow.dstPort);
      if (!forward) {
        this.drops.add('unpublished-port', () => `${formatTuple(flow)}/udp: this host publishes no UDP port ${flow.dstPort}`);
        return this.sendEnd(flow, 'policy');
      }
      if (this.flows.size >= this.limits().maxFlows) {
        this.drops.add('flow-limit', () => `${formatTuple(flow)}/udp: ${this.flows.size} flows already (udp.maxFlows)`);
        return this.sendEnd(flow, 'resource-limit');
      }
      t = this.open(k, flow, forward);
    }
    t.last = Date.now();
    // The payload may alias the link's read buffer (docs/protocol.md §8.2), which is not reused: no copy needed.
    const payload = frame.rest?.length ? Buffer.concat([frame.payload, ...frame.rest]) : frame.payload;
    if (t.pending) {
      if (t.pending.length >= UDP_MAX_PENDING) return this.drops.add('send-queue-full', () => `${formatTuple(flow)}/udp: ${UDP_MAX_PENDING} datagrams wait for ${t.forward.connectHost}`);
      t.pending.push(payload);
      return;
    }
    this.toTarget(t, payload);
  }

  /** The initiator ended a flow (§14.3). */
  ended(flow: Flow): void {
    const t = this.flows.get(keyOf(flow));
    if (t) this.close(t);
  }

  /** A new configuration: flows of a port withdrawn or retargeted end, both ways. */
  reconfigured(): void {
    for (const t of [...this.flows.values()]) {
      const now = this.forwardFor(t.flow.dstPort);
      if (!now || now.connectHost !== t.forward.connectHost || now.connectPort !== t.forward.connectPort) this.end(t, 'policy');
    }
  }

  sweep(cutoff: number): void {
    for (const t of [...this.flows.values()]) if (t.last < cutoff) this.end(t, 'timeout');
  }

  /** The initiator's host is gone (PEER_DOWN, §4.4): its flows end without a word. */
  peerDown(vip: number): void {
    for (const t of [...this.flows.values()]) if (t.flow.srcIP === vip) this.close(t);
  }

  closeAll(): void {
    for (const t of this.flows.values()) t.socket.close();
    this.flows.clear();
  }

  private open(k: string, flow: Flow, forward: Forward): TargetFlow {
    // A target at an IPv6 address (discovery dials a server on :: or ::1 at ::1) needs a udp6 socket.
    const type = isIPv6(forward.connectHost) ? 'udp6' : 'udp4';
    const socket = createSocket({ type, recvBufferSize: UDP_SOCKET_BUFFER, sendBufferSize: UDP_SOCKET_BUFFER });
    const t: TargetFlow = { key: k, flow, forward, socket, pending: [], last: Date.now() };
    this.flows.set(k, t);
    socket.on('message', (msg) => this.fromTarget(t, msg));
    // A connected UDP socket reports ICMP port or host unreachable as an error on its next read
    // or send. A name that does not resolve (or any failed connect) comes to connect's callback:
    // Node passes it there, not to 'error', when a callback is given.
    socket.on('error', (e) => this.failed(t, e));
    socket.connect(forward.connectPort, forward.connectHost, (error?: Error) => {
      if (this.flows.get(k) !== t) return; // ended while connecting: its socket is closed
      if (error) return this.failed(t, error);
      const pending = t.pending ?? [];
      t.pending = undefined;
      for (const p of pending) this.toTarget(t, p);
    });
    return t;
  }

  private toTarget(t: TargetFlow, payload: Buffer): void {
    if (t.socket.getSendQueueSize() > UDP_MAX_SEND_QUEUE) return this.drops.add('send-queue-full', () => `to ${t.forward.connectHost}:${t.forward.connectPort}: its socket's send queue is full`);
    t.socket.send(payload, (error) => {
      if (error) this.failed(t, error);
    });
  }

  private fromTarget(t: TargetFlow, msg: Buffer): void {
    if (this.flows.get(t.key) !== t) return;
    t.last = Date.now();
    const full = this.share.refuse(this.link);
    if (full) return this.drops.add('link-congested', () => `a reply for ${formatTuple(t.flow)}/udp: ${full}`);
    this.link.send(datagramHeader(t.flow, true), msg);
    this.share.sent(this.link, HEADER_LEN + msg.length);
  }

  private failed(t: TargetFlow, e: Error): void {
    if (this.flows.get(t.key) !== t) return;
    const code = errorCode(e);
    const reason = dialErrorReason(code);
    const unreachable = reason === 'refused' || reason === 'unreachable';
    this.drops.add(unreachable ? 'target-unreachable' : 'send-failed', () => `${formatTuple(t.flow)}/udp to ${t.forward.connectHost}:${t.forward.connectPort}: ${code ?? e.message}`);
    this.end(t, reason);
  }

  private end(t: TargetFlow, reason: AbortReason): void {
    this.close(t);
    this.sendEnd(t.flow, reason);
  }

  private close(t: TargetFlow): void {
    this.flows.delete(t.key);
    t.socket.close();
  }

  private sendEnd(flow: Flow, reason: AbortReason): void {
    this.link.send(flowEndHeader(flow, true), abortPayload(reason));
  }
}
