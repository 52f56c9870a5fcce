/**
 * One multiplexed connection (docs/protocol.md §5.4, §6). Adapters see it through MuxConnection,
 * a read-only view, and keep their own object (the local end) in `context`; only the Mux changes
 * the rest, through its methods, on its own record (Connection, not exported from src/mux).
 */
import {
  FLAG_FROM_ACCEPTOR, PROTO_TCP, formatTuple, openBooks, type Direction, type FrameHeader, type RouteTarget, type StreamBooks, type Tuple,
} from '../protocol/index.js';

export type Role = 'initiator' | 'acceptor';

/**
 * - opening: initiator, OPEN sent, waiting for OPEN_OK (may send up to PRE_OPEN_WINDOW).
 * - accepting: acceptor, OPEN received, the adapter is dialling; received data is held.
 * - open: both sides may send.
 * - closed: ended (both CLOSE_WRITEs) or aborted; every method is a no-op.
 */
export type ConnState = 'opening' | 'accepting' | 'open' | 'closed';

export interface MuxConnection<C = unknown> {
  readonly role: Role;
  /** The initiator's tuple (§5.1), whichever side this is. */
  readonly srcIP: number;
  readonly srcPort: number;
  readonly dstIP: number;
  readonly dstPort: number;
  /** The adapter's object for this connection (its local end): the one field the adapter sets. */
  context: C | undefined;
  /** A routed connection's destination (DstPort 0, docs/protocol.md §13); undefined otherwise. */
  readonly target: RouteTarget | undefined;
  readonly state: ConnState;
  readonly closed: boolean;
  /** The VIP at the other end (what PEER_DOWN names). */
  readonly remoteIP: number;
  /** Bytes we may still send (§6.1). */
  readonly sendCredit: number;
  /** Data write() accepted beyond credit, waiting for WINDOW (bounded: the adapter pauses). */
  readonly pendingBytes: number;
  /** end() was called: CLOSE_WRITE goes out once the pending data is. */
  readonly endRequested: boolean;
  /** Bytes the peer may still send before overrunning (§6.4). */
  readonly recvAllowed: number;
  /** Delivered through onData and not yet reported consumed. */
  readonly unconsumed: number;
  /** The peer sent CLOSE_WRITE. */
  readonly recvClosed: boolean;
  /** Acceptor only: data received while the adapter dials, delivered on accept(). */
  readonly held: readonly Buffer[];
  /** For logs: `127.0.42.100:40000 -> 127.0.42.101:80`, or `… -> 127.0.42.103 (route to 10.0.0.5:80)`. */
  toString(): string;
}

/** The Mux's record of a connection, handed out only as a MuxConnection. */
export class Connection<C = unknown> implements MuxConnection<C> {
  readonly role: Role;
  readonly srcIP: number;
  readonly srcPort: number;
  readonly dstIP: number;
  readonly dstPort: number;
  context: C | undefined;
  target: RouteTarget | undefined;
  state: ConnState;
  /** Credit and half-close, judged by src/protocol/stream-rules.ts for frames both ways. */
  readonly books: StreamBooks;
  /** This side's direction of the books, and the peer's. */
  readonly sending: Direction;
  readonly receiving: Direction;
  /** True when this side is the acceptor: the FROM_ACCEPTOR of the frames it sends (§5.1). */
  readonly isAcceptor: boolean;
  pending: Buffer[] = [];
  pendingBytes = 0;
  endRequested = false;
  unconsumed = 0;
  /** Consumed but not yet granted back with WINDOW (§6.3). */
  ungranted = 0;
  held: Buffer[] = [];
  /** Header fields for frames this side sends: the tuple as is, or swapped with FROM_ACCEPTOR. */
  readonly out: FrameHeader;

  /** `openWindow` is the window the OPEN announced (already checked, §5.4). */
  constructor(role: Role, tuple: Tuple, openWindow: number) {
    this.role = role;
    this.srcIP = tuple.srcIP;
    this.srcPort = tuple.srcPort;
    this.dstIP = tuple.dstIP;
    this.dstPort = tuple.dstPort;
    this.state = role === 'initiator' ? 'opening' : 'accepting';
    this.isAcceptor = role === 'acceptor';
    this.books = openBooks(openWindow);
    this.sending = this.isAcceptor ? this.books.fromAcceptor : this.books.fromInitiator;
    this.receiving = this.isAcceptor ? this.books.fromInitiator : this.books.fromAcceptor;
    this.out = role === 'initiator'
      ? { srcIP: this.srcIP, srcPort: this.srcPort, dstIP: this.dstIP, dstPort: this.dstPort, proto: PROTO_TCP, flags: 0 }
      : { srcIP: this.dstIP, srcPort: this.dstPort, dstIP: this.srcIP, dstPort: this.srcPort, proto: PROTO_TCP, flags: FLAG_FROM_ACCEPTOR };
  }

  get remoteIP(): number {
    return this.role === 'initiator' ? this.dstIP : this.srcIP;
  }

  get closed(): boolean {
    return this.state === 'closed';
  }

  get sendCredit(): number {
    return this.sending.credit;
  }

  get recvAllowed(): number {
    return this.receiving.credit;
  }

  get recvClosed(): boolean {
    return this.receiving.closed;
  }

  /** We sent CLOSE_WRITE. */
  get sentClose(): boolean {
    return this.sending.closed;
  }

  toString(): string {
    return formatTuple(this, this.target);
  }
}
