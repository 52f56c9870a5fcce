/**
 * One multiplexed connection's state (docs/protocol.md §5.4, §6). Owned by the Mux: adapters
 * read it and keep their own object (the socket) in `context`, but change it only through the
 * Mux's methods.
 */
import { FLAG_FROM_ACCEPTOR, PROTO_TCP, type FrameHeader, type RouteTarget } from '../protocol/index.js';

export type Role = 'initiator' | 'acceptor';

/**
 * - opening: initiator, OPEN sent, waiting for OPEN_OK (may send up to PRE_OPEN_WINDOW).
 * - accepting: acceptor, OPEN received, the adapter is dialling; received data is held.
 * - open: both sides may send.
 * - closed: ended (both CLOSE_WRITEs) or aborted; every method is a no-op.
 */
export type ConnState = 'opening' | 'accepting' | 'open' | 'closed';

export class MuxConnection<C = unknown> {
  readonly role: Role;
  /** The initiator's tuple (§5.1), whichever side this is. */
  readonly srcIP: number;
  readonly srcPort: number;
  readonly dstIP: number;
  readonly dstPort: number;
  /** The adapter's object for this connection (the local socket). */
  context: C | undefined;
  /** A routed connection's destination (DstPort 0, docs/protocol.md §13); undefined otherwise. */
  target: RouteTarget | undefined;
  state: ConnState;

  /** Bytes we may still send (§6.1). */
  sendCredit: number;
  /** Data accepted by write() beyond credit, waiting for WINDOW (bounded: the adapter pauses). */
  pending: Buffer[] = [];
  pendingBytes = 0;
  /** write() returned false: onWritable is owed once pending drains with credit left. */
  blocked = false;
  /** end() called: CLOSE_WRITE goes out once pending is flushed. */
  endRequested = false;
  sentClose = false;

  /** Bytes the peer may still send before overrunning (§6.4). */
  recvAllowed: number;
  /** Delivered through onData and not yet reported consumed. */
  unconsumed = 0;
  /** Consumed but not yet granted back with WINDOW (§6.3). */
  ungranted = 0;
  /** The peer sent CLOSE_WRITE. */
  recvClosed = false;
  /** Acceptor only: data (and end) received while the adapter dials, delivered on accept(). */
  held: Buffer[] = [];

  /** Header fields for frames this side sends: the tuple as is, or swapped with FROM_ACCEPTOR. */
  readonly out: FrameHeader;

  constructor(role: Role, tuple: { srcIP: number; srcPort: number; dstIP: number; dstPort: number }, sendCredit: number, recvAllowed: number) {
    this.role = role;
    this.srcIP = tuple.srcIP;
    this.srcPort = tuple.srcPort;
    this.dstIP = tuple.dstIP;
    this.dstPort = tuple.dstPort;
    this.state = role === 'initiator' ? 'opening' : 'accepting';
    this.sendCredit = sendCredit;
    this.recvAllowed = recvAllowed;
    this.out = role === 'initiator'
      ? { srcIP: this.srcIP, srcPort: this.srcPort, dstIP: this.dstIP, dstPort: this.dstPort, proto: PROTO_TCP, flags: 0 }
      : { srcIP: this.dstIP, srcPort: this.dstPort, dstIP: this.srcIP, dstPort: this.srcPort, proto: PROTO_TCP, flags: FLAG_FROM_ACCEPTOR };
  }

  /** The VIP at the other end (what PEER_DOWN names). */
  get remoteIP(): number {
    return this.role === 'initiator' ? this.dstIP : this.srcIP;
  }

  get closed(): boolean {
    return this.state === 'closed';
  }

  /** For logs: `127.0.42.100:40000 -> 127.0.42.101:80`, or `… -> 127.0.42.103 (route to 10.0.0.5:80)`. */
  toString(): string {
    const ip = (n: number) => `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
    if (this.target) return `${ip(this.srcIP)}:${this.srcPort} -> ${ip(this.dstIP)} (route to ${this.target.host}:${this.target.port})`;
    return `${ip(this.srcIP)}:${this.srcPort} -> ${ip(this.dstIP)}:${this.dstPort}`;
  }
}
