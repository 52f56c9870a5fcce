/**
 * The per-agent connection multiplexer (docs/protocol.md §5, §6), sans-IO: frames in through
 * receive(), frames out through `send`, connection events out through the other handlers. No
 * sockets, no timers. Handlers may be called synchronously from any method.
 */
import {
  FLAG_ABORT, FLAG_CLOSE_WRITE, FLAG_OPEN, FLAG_OPEN_OK, FLAG_WINDOW, FLAG_FROM_ACCEPTOR,
  INITIAL_WINDOW, MAX_DATA_PAYLOAD, MAX_WINDOW, PRE_OPEN_WINDOW, PROTO_TCP,
  ROUTED_PORT, abortPayload, abortReply, applyData, applyOpenOk, applyWindow, bothClosed, formatTuple, ipToString, openWindowBreak,
  payloadLength, readAbortPayload, readRoutedOpen, readU32Payload, routedOpenPayload, tcpKind, u32Payload,
  type AbortReason, type Frame, type FrameHeader, type ProtocolErrorCode, type RouteTarget, type StreamBreak,
} from '../protocol/index.js';
import { Connection, type MuxConnection } from './connection.js';
import type { MuxFault, PeerViolation } from './peer-violation.js';
import { PortAllocator } from './ports.js';

export interface MuxHandlers<C> {
  /** A frame for the link. The payload may be kept (it is not reused). */
  send(header: FrameHeader, payload?: Buffer): void;
  /** Acceptor: the peer opens a connection; dial, then call accept() or abort(). */
  onOpen(conn: MuxConnection<C>): void;
  /** Initiator: OPEN_OK arrived. */
  onOpened?(conn: MuxConnection<C>): void;
  /** Data for the local consumer; call consumed(conn, n) once it has accepted the bytes (§6.3). */
  onData(conn: MuxConnection<C>, data: Buffer): void;
  /** The peer half-closed: end the local socket's writable side after the data delivered so far. */
  onEnd(conn: MuxConnection<C>): void;
  /**
   * The connection is gone: peer ABORT, PEER_DOWN or abortAll(); or the peer broke the protocol
   * on it (`violation` set, reason `protocol-error`: the mux sent ABORT, §8.1; receive() returns
   * the same error, so the adapter need not log it per connection). Reset the local socket.
   */
  onAbort(conn: MuxConnection<C>, reason: AbortReason, text: string, violation?: PeerViolation): void;
  /**
   * Writing may go on: credit came back and nothing is queued. Owed after write() returned false
   * (unless end() was called since); the adapter keeps whether its source is paused.
   */
  onWritable(conn: MuxConnection<C>): void;
  /** The connection ended cleanly (CLOSE_WRITE both ways); its state is freed. */
  onClose?(conn: MuxConnection<C>): void;
}

export interface MuxOptions<C> {
  /** This agent's VIP: the SrcIP of the connections it opens. */
  localIP: number;
  /** Receive window advertised for each connection (§6). */
  initialWindow?: number;
  handlers: MuxHandlers<C>;
}

/**
 * Data write() accepts past credit is queued; the adapter pauses its socket when write() returns
 * false, so the queue holds at most about one socket read. This cap turns a forgotten pause into
 * a loud bug instead of unbounded memory: every buffer fed by a peer is bounded.
 */
export const MAX_PENDING_SEND = 1024 * 1024;

export class Mux<C = unknown> {
  readonly localIP: number;
  readonly initialWindow: number;
  private readonly handlers: MuxHandlers<C>;
  /** Connections we initiated, by source port (unique among them, §5.8). */
  private readonly initiated = new Map<number, Connection<C>>();
  /** Connections we accepted, by the initiator's IP, then srcPort * 65536 + dstPort. */
  private readonly accepted = new Map<number, Map<number, Connection<C>>>();
  private acceptedCount = 0;
  private readonly ports = new PortAllocator(this.initiated);

  constructor(options: MuxOptions<C>) {
    this.localIP = options.localIP;
    this.initialWindow = options.initialWindow ?? INITIAL_WINDOW;
    if (this.initialWindow < PRE_OPEN_WINDOW || this.initialWindow > MAX_WINDOW) {
      throw new Error(`Assertion failed: initialWindow ${this.initialWindow} outside ${PRE_OPEN_WINDOW}..${MAX_WINDOW}`);
    }
    this.handlers = options.handlers;
  }

  /** Live connections, both roles. */
  get size(): number {
    return this.initiated.size + this.acceptedCount;
  }

  connections(): IterableIterator<MuxConnection<C>> {
    return this.live();
  }

  private *live(): IterableIterator<Connection<C>> {
    yield* this.initiated.values();
    for (const m of this.accepted.values()) yield* m.values();
  }

  // ---- local side (the adapter) -------------------------------------------------------------

  /**
   * Opens a connection to dstIP:dstPort (sends OPEN); with `target`, a routed connection (§13):
   * dstIP is the `via` host's VIP, dstPort must be ROUTED_PORT, and the OPEN names the target.
   * Undefined when no source port is free (§5.8).
   */
  open(dstIP: number, dstPort: number, context?: C, target?: RouteTarget): MuxConnection<C> | undefined {
    if ((target !== undefined) !== (dstPort === ROUTED_PORT)) throw new Error(`Assertion failed: port ${dstPort} with${target ? '' : 'out'} a route target`);
    const srcPort = this.ports.allocate();
    if (srcPort === undefined) return undefined;
    const conn = new Connection<C>('initiator', { srcIP: this.localIP, srcPort, dstIP, dstPort }, this.initialWindow);
    conn.context = context;
    if (target) conn.target = target;
    this.initiated.set(srcPort, conn);
    this.emit(conn, FLAG_OPEN, target ? routedOpenPayload(this.initialWindow, target) : u32Payload(this.initialWindow));
    return conn;
  }

  /** Acceptor: the dial succeeded. Sends OPEN_OK, then delivers the data held meanwhile (§6.2). */
  accept(view: MuxConnection<C>): void {
    const conn = own(view);
    if (conn.state !== 'accepting') return;
    conn.state = 'open';
    sent(applyOpenOk(conn.books, this.initialWindow), conn);
    this.emit(conn, FLAG_OPEN_OK, u32Payload(this.initialWindow));
    const held = conn.held;
    conn.held = [];
    for (const data of held) {
      if (conn.closed) return;
      this.handlers.onData(conn, data);
    }
    if (conn.recvClosed && !conn.closed) this.deliverEnd(conn);
  }

  /**
   * Sends data within credit; queues the rest. Returns false when the caller must stop reading
   * its source until onWritable (no credit left, or data queued). Ignored on a closed connection.
   */
  write(view: MuxConnection<C>, data: Buffer): boolean {
    const conn = own(view);
    if (conn.closed) return false;
    if (conn.endRequested) throw new Error(`Assertion failed: write after end on ${conn}`);
    if (conn.state === 'accepting') throw new Error(`Assertion failed: write before accept on ${conn}`);
    if (conn.pendingBytes === 0) data = this.sendWithinCredit(conn, data);
    if (data.length > 0) {
      conn.pending.push(data);
      conn.pendingBytes += data.length;
      if (conn.pendingBytes > MAX_PENDING_SEND) {
        throw new Error(`Assertion failed: ${conn.pendingBytes} bytes queued on ${conn}: the adapter ignored write() returning false`);
      }
    }
    return !stuck(conn);
  }

  /** Half-closes our sending direction (CLOSE_WRITE once queued data is out, §5.5). */
  end(view: MuxConnection<C>): void {
    const conn = own(view);
    if (conn.closed || conn.endRequested) return;
    if (conn.state === 'accepting') throw new Error(`Assertion failed: end before accept on ${conn}`);
    conn.endRequested = true;
    if (conn.pendingBytes === 0) this.sendClose(conn);
  }

  /** The local consumer accepted n bytes of what onData delivered: grant credit (§6.3). */
  consumed(view: MuxConnection<C>, n: number): void {
    const conn = own(view);
    if (conn.closed) return;
    if (conn.state === 'accepting') throw new Error(`Assertion failed: consumed before accept on ${conn}: held data is delivered on accept()`);
    if (n > conn.unconsumed) throw new Error(`Assertion failed: consumed ${n} > delivered ${conn.unconsumed} on ${conn}`);
    conn.unconsumed -= n;
    conn.ungranted += n;
    if (!conn.recvClosed && conn.ungranted >= this.initialWindow / 2) {
      sent(applyWindow(conn.books, conn.isAcceptor, conn.ungranted), conn);
      this.emit(conn, FLAG_WINDOW, u32Payload(conn.ungranted));
      conn.ungranted = 0;
    }
  }

  /** Resets the connection (sends ABORT); no onAbort for it: the caller knows. */
  abort(view: MuxConnection<C>, reason: AbortReason, text = ''): void {
    const conn = own(view);
    if (conn.closed) return;
    this.emit(conn, FLAG_ABORT, abortPayload(reason, text));
    this.forget(conn);
  }

  /**
   * Every connection is gone (link lost, shutdown): onAbort for each; ABORT frames only when
   * `notify` (the link still works, e.g. a graceful shutdown).
   */
  abortAll(reason: AbortReason, text = '', notify = false): void {
    for (const conn of [...this.live()]) {
      if (notify) this.emit(conn, FLAG_ABORT, abortPayload(reason, text));
      this.forget(conn);
      this.handlers.onAbort(conn, reason, text);
    }
  }

  /** PEER_DOWN (§4.4): every connection with that VIP at the other end is gone, silently. */
  peerDown(vip: number): void {
    for (const conn of [...this.live()]) {
      if (conn.remoteIP !== vip) continue;
      this.forget(conn);
      this.handlers.onAbort(conn, 'host-down', `host ${ipToString(vip)} went down`);
    }
  }

  // ---- link side ----------------------------------------------------------------------------

  /**
   * A TCP frame from the link (already checked by the decoder). A `peer-violation` is already
   * handled: ABORT `protocol-error` sent on its tuple, the connection (if live) forgotten with
   * onAbort; report it and go on. A `link-fatal` fault ends the link (§8.1).
   */
  receive(frame: Frame): MuxFault | undefined {
    if (frame.proto !== PROTO_TCP) return linkFatal('bad-state', `Assertion failed: mux given proto ${frame.proto}`);
    const kind = tcpKind(frame.flags);
    if (kind === 'open') return this.receiveOpen(frame);
    const conn = this.lookup(frame);
    if (conn === undefined) return undefined; // §5.9: races with an ABORT or an end are normal
    switch (kind) {
      case 'open-ok': {
        const wasStuck = stuck(conn);
        const broken = applyOpenOk(conn.books, readU32Payload(frame.payload));
        if (broken) return this.violation(frame, conn, broken);
        conn.state = 'open';
        this.handlers.onOpened?.(conn);
        if (!conn.closed) this.flush(conn, wasStuck);
        return undefined;
      }
      case 'window': {
        const wasStuck = stuck(conn);
        const broken = applyWindow(conn.books, !conn.isAcceptor, readU32Payload(frame.payload));
        if (broken) return this.violation(frame, conn, broken);
        this.flush(conn, wasStuck);
        return undefined;
      }
      case 'abort': {
        const { reason, text } = readAbortPayload(frame.payload);
        this.forget(conn);
        this.handlers.onAbort(conn, reason, text);
        return undefined;
      }
      case 'data':
      case 'close-write':
        return this.receiveData(conn, frame, kind === 'close-write');
      default:
        return linkFatal('illegal-flags', `Assertion failed: undecoded flags ${frame.flags}`);
    }
  }

  private receiveOpen(frame: Frame): PeerViolation | undefined {
    const byPort = this.accepted.get(frame.srcIP);
    const key = frame.srcPort * 65536 + frame.dstPort;
    const live = byPort?.get(key);
    // The ABORT on the tuple ends the live connection too: the peer named it, so it is the
    // peer's to lose (§8.1).
    if (live) return this.violation(frame, live, { code: 'bad-state', what: 'OPEN for a live connection' });
    const window = readU32Payload(frame.payload);
    const broken = openWindowBreak(window);
    if (broken) return this.violation(frame, undefined, broken);
    let target: RouteTarget | undefined;
    if (frame.dstPort === ROUTED_PORT) {
      target = readRoutedOpen(frame.payload);
      if (!target) return this.violation(frame, undefined, { code: 'bad-payload', what: 'routed OPEN with a bad destination (§13)' });
    }
    const conn = new Connection<C>('acceptor', frame, window);
    if (target) conn.target = target;
    if (byPort) byPort.set(key, conn);
    else this.accepted.set(frame.srcIP, new Map([[key, conn]]));
    this.acceptedCount++;
    this.handlers.onOpen(conn);
    return undefined;
  }

  private receiveData(conn: Connection<C>, frame: Frame, close: boolean): PeerViolation | undefined {
    const n = payloadLength(frame);
    const broken = applyData(conn.books, !conn.isAcceptor, n, close);
    if (broken) return this.violation(frame, conn, broken);
    // A frame decoded in pieces (§8.2) is delivered piece by piece: no reassembly copy.
    if (conn.state === 'accepting') {
      if (n > 0) {
        conn.unconsumed += n;
        if (frame.rest) {
          for (const part of [frame.payload, ...frame.rest]) if (part.length) conn.held.push(part);
        } else conn.held.push(frame.payload);
      }
      return undefined;
    }
    if (n > 0) {
      conn.unconsumed += n;
      if (frame.rest) {
        for (const part of [frame.payload, ...frame.rest]) if (part.length && !conn.closed) this.handlers.onData(conn, part);
      } else this.handlers.onData(conn, frame.payload);
    }
    if (close && !conn.closed) this.deliverEnd(conn);
    return undefined;
  }

  /**
   * §8.1: `frame` breaks the protocol for its connection. ABORT `protocol-error` on its tuple
   * (whether or not we have a connection there), and forget `conn` if it is live.
   */
  private violation(frame: Frame, conn: Connection<C> | undefined, broken: StreamBreak): PeerViolation {
    const message = `${broken.what} on ${conn ?? formatTuple(frame)}`;
    const violation: PeerViolation = { kind: 'peer-violation', code: broken.code, message, peerIP: frame.srcIP };
    const reply = abortReply(frame, 'protocol-error', message);
    this.handlers.send(reply.header, reply.payload);
    if (conn && !conn.closed) {
      this.forget(conn);
      this.handlers.onAbort(conn, 'protocol-error', message, violation);
    }
    return violation;
  }

  private deliverEnd(conn: Connection<C>): void {
    this.handlers.onEnd(conn);
    this.maybeFinish(conn);
  }

  private lookup(frame: Frame): Connection<C> | undefined {
    if (frame.flags & FLAG_FROM_ACCEPTOR) {
      // We initiated it: the frame's Dst is our side of the tuple (§5.1).
      const conn = this.initiated.get(frame.dstPort);
      if (conn === undefined || conn.dstIP !== frame.srcIP || conn.dstPort !== frame.srcPort) return undefined;
      return conn;
    }
    return this.accepted.get(frame.srcIP)?.get(frame.srcPort * 65536 + frame.dstPort);
  }

  // ---- sending ------------------------------------------------------------------------------

  private emit(conn: Connection<C>, flags: number, payload?: Buffer): void {
    const o = conn.out;
    this.handlers.send({ srcIP: o.srcIP, srcPort: o.srcPort, dstIP: o.dstIP, dstPort: o.dstPort, proto: PROTO_TCP, flags: o.flags | flags }, payload);
  }

  /** Sends as much of data as credit allows, in frames of at most 64 KiB; returns the rest. */
  private sendWithinCredit(conn: Connection<C>, data: Buffer): Buffer {
    while (data.length > 0 && conn.sendCredit > 0) {
      const n = Math.min(data.length, conn.sendCredit, MAX_DATA_PAYLOAD);
      const part = n === data.length ? data : data.subarray(0, n);
      sent(applyData(conn.books, conn.isAcceptor, n, false), conn);
      this.emit(conn, 0, part);
      data = data.subarray(n);
    }
    return data;
  }

  /** Sends what credit allows of the queue; `wasStuck`: write() may have returned false since the last onWritable. */
  private flush(conn: Connection<C>, wasStuck: boolean): void {
    while (conn.pending.length > 0 && conn.sendCredit > 0) {
      const first = conn.pending[0] as Buffer;
      const rest = this.sendWithinCredit(conn, first);
      conn.pendingBytes -= first.length - rest.length;
      if (rest.length > 0) conn.pending[0] = rest;
      else conn.pending.shift();
    }
    if (conn.pendingBytes > 0) return;
    if (conn.endRequested) {
      if (!conn.sentClose) this.sendClose(conn);
    } else if (wasStuck && conn.sendCredit > 0 && !conn.closed) {
      this.handlers.onWritable(conn);
    }
  }

  private sendClose(conn: Connection<C>): void {
    sent(applyData(conn.books, conn.isAcceptor, 0, true), conn);
    this.emit(conn, FLAG_CLOSE_WRITE);
    this.maybeFinish(conn);
  }

  private maybeFinish(conn: Connection<C>): void {
    if (conn.closed || !bothClosed(conn.books) || conn.state === 'accepting') return;
    this.forget(conn);
    this.handlers.onClose?.(conn);
  }

  private forget(conn: Connection<C>): void {
    if (conn.closed) return;
    conn.state = 'closed';
    conn.pending = [];
    conn.pendingBytes = 0;
    conn.held = [];
    if (conn.role === 'initiator') {
      this.initiated.delete(conn.srcPort);
    } else {
      const byPort = this.accepted.get(conn.srcIP);
      if (byPort?.delete(conn.srcPort * 65536 + conn.dstPort)) {
        this.acceptedCount--;
        if (byPort.size === 0) this.accepted.delete(conn.srcIP);
      }
    }
  }
}

/** The Mux's record behind a view it handed out. */
function own<C>(view: MuxConnection<C>): Connection<C> {
  if (view instanceof Connection) return view as Connection<C>;
  throw new Error('Assertion failed: a connection the Mux did not make');
}

/** write() would return false: data queued, or no credit left. */
function stuck(conn: Connection<unknown>): boolean {
  return conn.pendingBytes > 0 || conn.sendCredit === 0;
}

/** A frame this side sends always keeps the rules; a break is a bug here, not the peer's. */
function sent(broken: StreamBreak | undefined, conn: Connection<unknown>): void {
  if (broken) throw new Error(`Assertion failed: this side broke its own books (${broken.code}): ${broken.what} on ${conn}`);
}

function linkFatal(code: ProtocolErrorCode, message: string): MuxFault {
  return { kind: 'link-fatal', code, message };
}
