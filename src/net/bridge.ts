/**
 * The IO edge of the multiplexer: local TCP sockets ↔ mux connections (docs/protocol.md §5, §6).
 * - A socket is read only while its connection has send credit and the link is not blocked.
 * - Credit is granted back as the socket's write callbacks fire (§6.3).
 * - Half-close maps to socket.end() / 'end' (sockets are allowHalfOpen); ABORT to a reset.
 */
import { connect, Socket } from 'node:net';
import { Mux, type MuxConnection, type MuxHandlers } from '../mux/index.js';
import { ipToString, type AbortReason, type FrameHeader, type RouteTarget } from '../protocol/index.js';
import type { Forward } from '../plan/types.js';
import type { RouteResolution } from './route-resolution.js';
import { dialErrorReason, errorCode } from './socket-errors.js';
import { LogLimiter } from './log-limiter.js';
import { resetSocket } from './reset-socket.js';

/** A forward's target that neither answers nor refuses within this is reported as `timeout`. */
export const DIAL_TIMEOUT_MS = 10_000;

export interface BridgeOptions {
  localIP: number;
  initialWindow?: number;
  send(header: FrameHeader, payload?: Buffer): void;
  /** True while the link's output is full. */
  linkBlocked(): boolean;
  /** The forward for a listen port on this host, if it is still configured. */
  forwardFor(port: number): Forward | undefined;
  /** §13.1: the addresses this host may dial for a routed OPEN's target, or why none. */
  resolveRoute?(target: RouteTarget): Promise<RouteResolution>;
  log(line: string): void;
}

/**
 * A local end that is not a socket: a proxy waiting for OPEN_OK before it answers its
 * client, or the HTTP proxy's byte-level session (src/proxy/http-session.ts). The bridge calls it
 * where it would touch a socket.
 */
export interface LocalEnd {
  /** OPEN_OK arrived. */
  opened(conn: MuxConnection<Endpoint>): void;
  /** Data from the peer; call done() once the consumer accepted it (§6.3). */
  data(conn: MuxConnection<Endpoint>, data: Buffer, done: () => void): void;
  /** The peer half-closed. */
  end(conn: MuxConnection<Endpoint>): void;
  /** ABORT, PEER_DOWN or shutdown: the connection is gone. */
  abort(conn: MuxConnection<Endpoint>, reason: AbortReason, text: string): void;
  /** Writing may go on (credit, and the link drained) after writeFrom() returned false. */
  writable(conn: MuxConnection<Endpoint>): void;
}

export type Endpoint = Socket | LocalEnd;

export class Bridge {
  readonly mux: Mux<Endpoint>;
  private readonly o: BridgeOptions;
  /** Sockets paused only because the link was blocked; resumed on drain. */
  private readonly linkPaused = new Set<MuxConnection<Endpoint>>();
  /**
   * Sockets that ended while writes to them were in flight: CLOSE_WRITE waits for those writes
   * (the bytes still to complete), not for later ones, which a peer still sending would never
   * let run out.
   */
  private readonly endAfterWrites = new Map<MuxConnection<Endpoint>, number>();
  /** Lines about single connections: a few per kind, then counted (log-limiter.ts). */
  private readonly news: LogLimiter;

  constructor(options: BridgeOptions) {
    this.o = options;
    this.news = new LogLimiter(options.log);
    const handlers: MuxHandlers<Endpoint> = {
      send: options.send,
      onOpen: (conn) => this.dial(conn),
      onOpened: (conn) => {
        const end = conn.context;
        if (end && !(end instanceof Socket)) end.opened(conn);
      },
      onData: (conn, data) => {
        const end = conn.context;
        if (!end) return;
        if (!(end instanceof Socket)) return end.data(conn, data, () => this.mux.consumed(conn, data.length));
        if (end.destroyed) return;
        end.write(data, (err) => this.written(conn, data.length, err));
      },
      onEnd: (conn) => {
        const end = conn.context;
        if (end instanceof Socket) end.end();
        else end?.end(conn);
      },
      onAbort: (conn, reason, text, violation) => {
        this.forgetConn(conn);
        const end = conn.context;
        if (end instanceof Socket || end === undefined) resetSocket(end);
        else end.abort(conn, reason, text);
        // A proxy reports its own refusals; a routed dial refused by policy is the proxy's news
        // too. A peer's violation is reported by whoever called receive(), once per peer and kind
        // (§8.1). A reset by the other end (ECONNRESET, EPIPE) is how many clients end: the
        // router counts it (`norouter status`, and each one with `run --debug`), nobody must act.
        if (end instanceof Socket && !violation && reason !== 'host-down' && reason !== 'shutting-down' && reason !== 'reset') this.news.line(`reset by peer: ${reason}`, `connection ${conn} reset by peer: ${reason}${text ? ` (${text})` : ''}`);
      },
      onWritable: (conn) => this.resume(conn),
      onClose: (conn) => this.forgetConn(conn),
    };
    this.mux = new Mux<Endpoint>({ localIP: options.localIP, handlers, ...(options.initialWindow ? { initialWindow: options.initialWindow } : {}) });
  }

  /** A local client connected to a VIP:port we listen on: open it through the link. */
  accepted(socket: Socket, dstIP: number, dstPort: number): void {
    const conn = this.mux.open(dstIP, dstPort, socket);
    if (!conn) {
      this.o.log(`no free source port for ${socket.remoteAddress}:${socket.remotePort} -> ${ipToString(dstIP)}:${dstPort}: resetting it`);
      resetSocket(socket);
      return;
    }
    this.attachSocket(conn, socket);
  }

  /**
   * Opens a connection for a proxy, to a mesh VIP:port or (with `target`, §13) routed
   * through the host `dstIP`. `end` hears OPEN_OK or the refusal; then attach() hands the
   * connection to the client's socket, or `end` keeps it. Undefined when no source port is free.
   */
  openFor(end: LocalEnd, dstIP: number, dstPort: number, target?: RouteTarget): MuxConnection<Endpoint> | undefined {
    return this.mux.open(dstIP, dstPort, end, target);
  }

  /** An open connection's local end becomes `socket`; `head` is what it sent already. */
  attach(conn: MuxConnection<Endpoint>, socket: Socket, head?: Buffer): void {
    if (conn.closed) {
      resetSocket(socket);
      return;
    }
    conn.context = socket;
    this.attachSocket(conn, socket);
    // Paused while the proxy handshake ran; it flows now unless `head` already used the credit.
    if (head?.length && !this.writeFrom(conn, head)) socket.pause();
    else socket.resume();
  }

  /**
   * Data from a local end to the peer; false when the caller must stop until its writable()
   * (no credit, or the link is full).
   */
  writeFrom(conn: MuxConnection<Endpoint>, data: Buffer): boolean {
    if (conn.closed) return false;
    if (!this.mux.write(conn, data)) return false;
    if (!this.o.linkBlocked()) return true;
    this.linkPaused.add(conn);
    return false;
  }

  /** The link drained: resume the sockets it paused. */
  drained(): void {
    for (const conn of this.linkPaused) this.resume(conn);
  }

  /** Resets every local connection (the link is gone or we shut down). */
  resetAll(reason: AbortReason, text = ''): void {
    this.mux.abortAll(reason, text);
    this.linkPaused.clear();
    this.endAfterWrites.clear();
    this.news.flush();
  }

  private forgetConn(conn: MuxConnection<Endpoint>): void {
    this.linkPaused.delete(conn);
    this.endAfterWrites.delete(conn);
  }

  /**
   * A write to a local socket completed: grant the credit (§6.3), and relay a half-close that
   * waited for it. A failed write grants nothing: the socket's 'error' aborts the connection.
   */
  private written(conn: MuxConnection<Endpoint>, n: number, err: Error | null | undefined): void {
    if (err) return;
    this.mux.consumed(conn, n);
    if (this.endAfterWrites.size === 0) return;
    const left = this.endAfterWrites.get(conn);
    if (left === undefined) return;
    // Writes complete in order: those in flight at 'end' are done once n adds up to them.
    if (left > n) {
      this.endAfterWrites.set(conn, left - n);
      return;
    }
    this.endAfterWrites.delete(conn);
    this.mux.end(conn);
  }

  private resume(conn: MuxConnection<Endpoint>): void {
    if (conn.closed || conn.blocked) return;
    if (this.o.linkBlocked()) {
      this.linkPaused.add(conn);
      return;
    }
    this.linkPaused.delete(conn);
    const end = conn.context;
    if (end instanceof Socket) end.resume();
    else end?.writable(conn);
  }

  /** §5.4: dial the forward's target (or the route's, §13) asynchronously; OPEN_OK on connect, ABORT on failure. */
  private dial(conn: MuxConnection<Endpoint>): void {
    if (conn.target) return this.dialRoute(conn, conn.target);
    const fwd = this.o.forwardFor(conn.dstPort);
    if (!fwd) {
      this.mux.abort(conn, 'policy', `port ${conn.dstPort} is not forwarded by ${ipToString(conn.dstIP)}`);
      return;
    }
    this.connectTo(conn, [fwd.connectHost], fwd.connectPort, `${fwd.connectHost}:${fwd.connectPort}`);
  }

  /**
   * §13.1: the target is decided once (resolveRoute) and the addresses it allowed are dialled as
   * IP literals: nothing resolves the routed host again between the check and the dial.
   */
  private dialRoute(conn: MuxConnection<Endpoint>, target: RouteTarget): void {
    const label = `${target.host}:${target.port}`;
    const resolve = this.o.resolveRoute;
    const decided: Promise<RouteResolution> = resolve ? resolve(target) : Promise.resolve({ ok: false, reason: 'policy', why: 'this agent dials no routes' });
    void decided.then((r) => {
      if (conn.closed) return;
      if (r.ok) return this.connectTo(conn, r.addresses, target.port, label);
      if (r.reason === 'policy') this.news.line('route refused', `refused ${conn}: ${r.why}`);
      else this.news.line(`route ${label} failed: ${r.reason}`, `route ${label} for ${conn} failed: ${r.why}`);
      this.mux.abort(conn, r.reason, r.why);
    });
  }

  /** Dials `hosts` in turn (the next after a failure that is not a timeout) until one connects. */
  private connectTo(conn: MuxConnection<Endpoint>, hosts: readonly string[], port: number, label: string, index = 0): void {
    const host = hosts[index] ?? '';
    const target = host === label.slice(0, label.lastIndexOf(':')) ? label : `${label} (${host})`;
    const socket = connect({ host, port, allowHalfOpen: true, noDelay: true });
    conn.context = socket;
    socket.setTimeout(DIAL_TIMEOUT_MS, () => {
      if (!socket.connecting) return;
      socket.destroy();
      this.news.line(`dial ${target} timed out`, `dial ${target} for ${conn} timed out after ${DIAL_TIMEOUT_MS} ms`);
      this.mux.abort(conn, 'timeout', `${target} did not answer`);
    });
    socket.once('connect', () => {
      socket.setTimeout(0);
      if (conn.closed) {
        resetSocket(socket);
        return;
      }
      this.attachSocket(conn, socket);
      this.mux.accept(conn);
    });
    socket.once('error', (e) => {
      if (!socket.connecting && conn.state !== 'accepting') return; // attachSocket() handles it
      if (conn.closed) return;
      const code = errorCode(e);
      if (index + 1 < hosts.length) return this.connectTo(conn, hosts, port, label, index + 1);
      this.news.line(`dial ${target} failed: ${code ?? 'error'}`, `dial ${target} for ${conn} failed: ${code ?? e.message}`);
      this.mux.abort(conn, dialErrorReason(code), `${target}: ${code ?? e.message}`);
    });
  }

  /** Wires an established socket to its connection. */
  private attachSocket(conn: MuxConnection<Endpoint>, socket: Socket): void {
    socket.on('data', (chunk: Buffer) => {
      if (conn.closed) return;
      const ok = this.mux.write(conn, chunk);
      if (!ok) socket.pause();
      else if (this.o.linkBlocked()) {
        socket.pause();
        this.linkPaused.add(conn);
      }
    });
    socket.on('end', () => {
      // docs/reliability.md observation 10: a write that meets the far end's RST consumes the
      // error and the next read returns 0, so 'end' comes before the write fails. Relayed at
      // once, the peer's client would see FIN then RST and could take a truncated stream for a
      // whole one. `unconsumed` is what was handed to socket.write() and not yet written: wait
      // for it; the writes complete (CLOSE_WRITE) or one fails ('error': ABORT).
      if (conn.unconsumed > 0 && !conn.closed) this.endAfterWrites.set(conn, conn.unconsumed);
      else this.mux.end(conn);
    });
    socket.on('error', (e) => {
      if (conn.closed) return;
      const code = errorCode(e);
      this.mux.abort(conn, 'reset', `${code ?? e.message}`);
      this.forgetConn(conn);
    });
    socket.on('close', () => {
      this.forgetConn(conn);
      // Both directions ended cleanly: the socket closes by itself while the mux may still hold
      // the last data within credit; the connection then finishes on its own (§5.4).
      if (conn.closed || (socket.readableEnded && socket.writableFinished)) return;
      this.mux.abort(conn, 'reset', 'local socket closed');
    });
  }
}
