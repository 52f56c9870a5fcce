/**
 * The per-agent connection multiplexer (docs/protocol.md §5, §6), sans-IO: frames in through
 * receive(), frames out through `send`, connection events out through the other handlers. No
 * sockets, no timers. Handlers may be called synchronously from any method.
 */
import {
  FLAG_ABORT, FLAG_CLOSE_WRITE, FLAG_OPEN, FLAG_OPEN_OK, FLAG_WINDOW, FLAG_FROM_ACCEPTOR,
  INITIAL_WINDOW, MAX_DATA_PAYLOAD, MAX_WINDOW, PRE_OPEN_WINDOW, PROTO_TCP, ProtocolError,
  ROUTED_PORT, abortPayload, abortReply, ipToString, payloadLength, readAbortPayload, readRoutedOpen, readU32Payload, routedOpenPayload,
  tcpKind, u32Payload, type AbortReason, type Frame, type FrameHeader, type ProtocolErrorCode, type RouteTarget,
} from '../protocol/index.js';
import { MuxConnection } from './connection.js';
import { PeerViolation } from './peer-violation.js';
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
  /** write() returned false earlier and the connection has credit again: resume reading. */
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
  private readonly h: MuxHandlers<C>;
  /** Connections we initiated, by source port (unique among them, §5.8). */
  private readonly initiated = new Map<number, MuxConnection<C>>();
  /** Connections we accepted, by the initiator's IP, then srcPort * 65536 + dstPort. */
  private readonly accepted = new Map<number, Map<number, MuxConnection<C>>>();
  private acceptedCount = 0;
  private readonly ports = new PortAllocator(this.initiated);

  constructor(options: MuxOptions<C>) {
    this.localIP = options.localIP;
    this.initialWindow = options.initialWindow ?? INITIAL_WINDOW;
    if (this.initialWindow < PRE_OPEN_WINDOW || this.initialWindow > MAX_WINDOW) {
      throw new Error(`Assertion failed: initialWindow ${this.initialWindow} outside ${PRE_OPEN_WINDOW}..${MAX_WINDOW}`);
    }
    this.h = options.handlers;
  }

  /** Live connections, both roles. */
  get size(): number {
    return this.initiated.size + this.acceptedCount;
  }

  *connections(): IterableIterator<MuxConnection<C>> {
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
    const conn = new MuxConnection<C>('initiator', { srcIP: this.localIP, srcPort, dstIP, dstPort }, PRE_OPEN_WINDOW, this.initialWindow);
    conn.context = context;
    if (target) conn.target = target;
    this.initiated.set(srcPort, conn);
    this.emit(conn, FLAG_OPEN, target ? routedOpenPayload(this.initialWindow, target) : u32Payload(this.initialWindow));
    return conn;
  }

  /** Acceptor: the dial succeeded. Sends OPEN_OK, then delivers the data held meanwhile (§6.2). */
  accept(conn: MuxConnection<C>): void {
    if (conn.state !== 'accepting') return;
    conn.state = 'open';
    conn.recvAllowed += this.initialWindow - PRE_OPEN_WINDOW;
    this.emit(conn, FLAG_OPEN_OK, u32Payload(this.initialWindow));
    const held = conn.held;
    conn.held = [];
    for (const data of held) {
      if (conn.closed) return;
      this.h.onData(conn, data);
    }
    if (conn.recvClosed && !conn.closed) this.deliverEnd(conn);
  }

  /**
   * Sends data within credit; queues the rest. Returns false when the caller must stop reading
   * its source until onWritable (no credit left, or data queued). Ignored on a closed connection.
   */
  write(conn: MuxConnection<C>, data: Buffer): boolean {
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
    const ok = conn.pendingBytes === 0 && conn.sendCredit > 0;
    if (!ok) conn.blocked = true;
    return ok;
  }

  /** Half-closes our sending direction (CLOSE_WRITE once queued data is out, §5.5). */
  end(conn: MuxConnection<C>): void {
    if (conn.closed || conn.endRequested) return;
    if (conn.state === 'accepting') throw new Error(`Assertion failed: end before accept on ${conn}`);
    conn.endRequested = true;
    if (conn.pendingBytes === 0) this.sendClose(conn);
  }

  /** The local consumer accepted n bytes of what onData delivered: grant credit (§6.3). */
  consumed(conn: MuxConnection<C>, n: number): void {
    if (conn.closed) return;
    if (n > conn.unconsumed) throw new Error(`Assertion failed: consumed ${n} > delivered ${conn.unconsumed} on ${conn}`);
    conn.unconsumed -= n;
    conn.ungranted += n;
    if (!conn.recvClosed && conn.ungranted >= this.initialWindow / 2) {
      conn.recvAllowed += conn.ungranted;
      this.emit(conn, FLAG_WINDOW, u32Payload(conn.ungranted));
      conn.ungranted = 0;
    }
  }

  /** Resets the connection (sends ABORT); no onAbort for it: the caller knows. */
  abort(conn: MuxConnection<C>, reason: AbortReason, text = ''): void {
    if (conn.closed) return;
    this.emit(conn, FLAG_ABORT, abortPayload(reason, text));
    this.forget(conn);
  }

  /**
   * Every connection is gone (link lost, shutdown): onAbort for each; ABORT frames only when
   * `notify` (the link still works, e.g. a graceful shutdown).
   */
  abortAll(reason: AbortReason, text = '', notify = false): void {
    for (const conn of [...this.connections()]) {
      if (notify) this.emit(conn, FLAG_ABORT, abortPayload(reason, text));
      this.forget(conn);
      this.h.onAbort(conn, reason, text);
    }
  }

  /** PEER_DOWN (§4.4): every connection with that VIP at the other end is gone, silently. */
  peerDown(vip: number): void {
    for (const conn of [...this.connections()]) {
      if (conn.remoteIP !== vip) continue;
      this.forget(conn);
      this.h.onAbort(conn, 'host-down', `host ${ipToString(vip)} went down`);
    }
  }

  // ---- link side ----------------------------------------------------------------------------

  /**
   * A TCP frame from the link (already checked by the decoder). A frame that breaks the protocol
   * for its own connection returns a PeerViolation, already handled: ABORT `protocol-error` sent
   * on its tuple, the connection (if live) forgotten with onAbort; report it and go on. Any other
   * returned error is link-fatal (§8.1).
   */
  receive(frame: Frame): PeerViolation | ProtocolError | undefined {
    if (frame.proto !== PROTO_TCP) return new ProtocolError('bad-state', `Assertion failed: mux given proto ${frame.proto}`);
    const kind = tcpKind(frame.flags);
    if (kind === 'open') return this.receiveOpen(frame);
    const conn = this.lookup(frame);
    if (conn === undefined) return undefined; // §5.9: races with an ABORT or an end are normal
    switch (kind) {
      case 'open-ok': {
        if (conn.state !== 'opening') return this.violation(frame, conn, 'bad-state', `OPEN_OK on a connection already open: ${conn}`);
        const window = readU32Payload(frame.payload);
        if (window < PRE_OPEN_WINDOW || window > MAX_WINDOW) {
          return this.violation(frame, conn, 'bad-payload', `OPEN_OK window ${window} outside ${PRE_OPEN_WINDOW}..${MAX_WINDOW} on ${conn}`);
        }
        if (conn.sendCredit + window - PRE_OPEN_WINDOW > MAX_WINDOW) {
          return this.violation(frame, conn, 'window-overflow', `OPEN_OK window ${window} takes the credit of ${conn} above ${MAX_WINDOW}`);
        }
        conn.state = 'open';
        conn.sendCredit += window - PRE_OPEN_WINDOW;
        this.h.onOpened?.(conn);
        if (!conn.closed) this.flush(conn);
        return undefined;
      }
      case 'window': {
        // Regression (fuzzing): a WINDOW before OPEN_OK was taken, and OPEN_OK then pushed the
        // credit past MAX_WINDOW. The acceptor grants nothing before it has accepted (§6.2).
        if (conn.state === 'opening') return this.violation(frame, conn, 'bad-state', `WINDOW from the acceptor before OPEN_OK on ${conn}`);
        const inc = readU32Payload(frame.payload);
        if (conn.sendCredit + inc > MAX_WINDOW) {
          return this.violation(frame, conn, 'window-overflow', `WINDOW +${inc} takes the credit of ${conn} above ${MAX_WINDOW}`);
        }
        conn.sendCredit += inc;
        this.flush(conn);
        return undefined;
      }
      case 'abort': {
        const { reason, text } = readAbortPayload(frame.payload);
        this.forget(conn);
        this.h.onAbort(conn, reason, text);
        return undefined;
      }
      case 'data':
      case 'close-write':
        return this.receiveData(conn, frame, kind === 'close-write');
      default:
        return new ProtocolError('illegal-flags', `Assertion failed: undecoded flags ${frame.flags}`);
    }
  }

  private receiveOpen(frame: Frame): PeerViolation | undefined {
    const byPort = this.accepted.get(frame.srcIP);
    const key = frame.srcPort * 65536 + frame.dstPort;
    const live = byPort?.get(key);
    const tuple = `${ipToString(frame.srcIP)}:${frame.srcPort} -> ${ipToString(frame.dstIP)}:${frame.dstPort}`;
    // The ABORT on the tuple ends the live connection too: the peer named it, so it is the
    // peer's to lose (§8.1).
    if (live) return this.violation(frame, live, 'bad-state', `OPEN for a live connection ${tuple}`);
    const window = readU32Payload(frame.payload);
    if (window < PRE_OPEN_WINDOW || window > MAX_WINDOW) {
      return this.violation(frame, undefined, 'bad-payload', `OPEN window ${window} outside ${PRE_OPEN_WINDOW}..${MAX_WINDOW} on ${tuple}`);
    }
    let target: RouteTarget | undefined;
    if (frame.dstPort === ROUTED_PORT) {
      target = readRoutedOpen(frame.payload);
      if (!target) return this.violation(frame, undefined, 'bad-payload', `routed OPEN ${tuple} with a bad destination (§13)`);
    }
    const conn = new MuxConnection<C>('acceptor', frame, window, PRE_OPEN_WINDOW);
    if (target) conn.target = target;
    if (byPort) byPort.set(key, conn);
    else this.accepted.set(frame.srcIP, new Map([[key, conn]]));
    this.acceptedCount++;
    this.h.onOpen(conn);
    return undefined;
  }

  private receiveData(conn: MuxConnection<C>, frame: Frame, close: boolean): PeerViolation | undefined {
    if (conn.recvClosed) return this.violation(frame, conn, 'bad-state', `data after CLOSE_WRITE on ${conn}`);
    if (conn.state === 'opening') return this.violation(frame, conn, 'bad-state', `data from the acceptor before OPEN_OK on ${conn}`);
    const n = payloadLength(frame);
    // A frame decoded in pieces (§8.2) is delivered piece by piece: no reassembly copy.
    const parts = frame.rest ? [frame.payload, ...frame.rest] : [frame.payload];
    if (n > conn.recvAllowed) {
      return this.violation(frame, conn, 'window-overrun', `${n} bytes received with ${conn.recvAllowed} bytes of window left on ${conn}`);
    }
    conn.recvAllowed -= n;
    if (close) conn.recvClosed = true;
    if (conn.state === 'accepting') {
      if (n > 0) {
        conn.unconsumed += n;
        for (const part of parts) if (part.length) conn.held.push(part);
      }
      return undefined;
    }
    if (n > 0) {
      conn.unconsumed += n;
      for (const part of parts) if (part.length && !conn.closed) this.h.onData(conn, part);
    }
    if (close && !conn.closed) this.deliverEnd(conn);
    return undefined;
  }

  /**
   * §8.1: `frame` breaks the protocol for its connection. ABORT `protocol-error` on its tuple
   * (whether or not we have a connection there), and forget `conn` if it is live.
   */
  private violation(frame: Frame, conn: MuxConnection<C> | undefined, code: ProtocolErrorCode, message: string): PeerViolation {
    const error = new PeerViolation(code, message, frame.srcIP);
    const reply = abortReply(frame, 'protocol-error', message);
    this.h.send(reply.header, reply.payload);
    if (conn && !conn.closed) {
      this.forget(conn);
      this.h.onAbort(conn, 'protocol-error', message, error);
    }
    return error;
  }

  private deliverEnd(conn: MuxConnection<C>): void {
    this.h.onEnd(conn);
    this.maybeFinish(conn);
  }

  private lookup(frame: Frame): MuxConnection<C> | undefined {
    if (frame.flags & FLAG_FROM_ACCEPTOR) {
      // We initiated it: the frame's Dst is our side of the tuple (§5.1).
      const conn = this.initiated.get(frame.dstPort);
      if (conn === undefined || conn.dstIP !== frame.srcIP || conn.dstPort !== frame.srcPort) return undefined;
      return conn;
    }
    return this.accepted.get(frame.srcIP)?.get(frame.srcPort * 65536 + frame.dstPort);
  }

  // ---- sending ------------------------------------------------------------------------------

  private emit(conn: MuxConnection<C>, flags: number, payload?: Buffer): void {
    const o = conn.out;
    this.h.send({ srcIP: o.srcIP, srcPort: o.srcPort, dstIP: o.dstIP, dstPort: o.dstPort, proto: PROTO_TCP, flags: o.flags | flags }, payload);
  }

  /** Sends as much of data as credit allows, in frames of at most 64 KiB; returns the rest. */
  private sendWithinCredit(conn: MuxConnection<C>, data: Buffer): Buffer {
    while (data.length > 0 && conn.sendCredit > 0) {
      const n = Math.min(data.length, conn.sendCredit, MAX_DATA_PAYLOAD);
      const part = n === data.length ? data : data.subarray(0, n);
      conn.sendCredit -= n;
      this.emit(conn, 0, part);
      data = data.subarray(n);
    }
    return data;
  }

  private flush(conn: MuxConnection<C>): void {
    while (conn.pending.length > 0 && conn.sendCredit > 0) {
      const first = conn.pending[0] as Buffer;
      const rest = this.sendWithinCredit(conn, first);
      conn.pendingBytes -= first.length - rest.length;
      if (rest.length > 0) conn.pending[0] = rest;
      else conn.pending.shift();
    }
    if (conn.pendingBytes > 0) return;
    if (conn.endRequested && !conn.sentClose) this.sendClose(conn);
    else if (conn.blocked && conn.sendCredit > 0 && !conn.closed) {
      conn.blocked = false;
      this.h.onWritable(conn);
    }
  }

  private sendClose(conn: MuxConnection<C>): void {
    conn.sentClose = true;
    this.emit(conn, FLAG_CLOSE_WRITE);
    this.maybeFinish(conn);
  }

  private maybeFinish(conn: MuxConnection<C>): void {
    if (conn.closed || !conn.sentClose || !conn.recvClosed || conn.state === 'accepting') return;
    this.forget(conn);
    this.h.onClose?.(conn);
  }

  private forget(conn: MuxConnection<C>): void {
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
