/**
 * The IO edge of the multiplexer: local ends (sockets, proxy sessions: src/net/local-end.ts) ↔
 * mux connections (docs/protocol.md §5, §6). The agent hands it the link's frames (receive,
 * peerDown) and its local clients (accepted); proxies open connections and drive them (open,
 * attach, send, end, abort). Backpressure: send() returns false when the local end must stop,
 * for want of credit or because the link is full; writable() on that end says when to go on.
 */
import { connect, type Socket } from 'node:net';
import { Mux, type MuxFault, type MuxHandlers } from '../mux/index.js';
import { ROUTED_PORT, ipToString, type AbortReason, type Frame, type FrameHeader, type RouteTarget } from '../protocol/index.js';
import type { Forward } from '../plan/types.js';
import type { BridgeConnection, LocalEnd } from './local-end.js';
import type { RouteResolution } from './route-resolution.js';
import { dialErrorReason, errorCode } from './socket-errors.js';
import { LogLimiter } from './log-limiter.js';
import { resetSocket } from './reset-socket.js';
import { SocketEnd } from './socket-end.js';

export type { BridgeConnection, LocalEnd } from './local-end.js';

/** A forward's target that neither answers nor refuses within this is reported as `timeout`. */
export const DIAL_TIMEOUT_MS = 10_000;

export interface BridgeOptions {
  localIP: number;
  initialWindow?: number;
  /** A frame for the link; false when the link's output is full (drained() follows once it is not). */
  send(header: FrameHeader, payload?: Buffer): boolean;
  /** The forward for a listen port on this host, if it is still configured. */
  forwardFor(port: number): Forward | undefined;
  /** §13.1: the addresses this host may dial for a routed OPEN's target, or why none. */
  resolveRoute?(target: RouteTarget): Promise<RouteResolution>;
  log(line: string): void;
}

/** Where a proxy opens a connection: a mesh VIP:port, or (§13) a destination routed through the host `via`. */
export type OpenTarget =
  | { kind: 'mesh'; vip: number; port: number }
  | { kind: 'route'; via: number; target: RouteTarget };

export type Opened =
  | { ok: true; conn: BridgeConnection }
  | { ok: false; code: 'no-source-port'; why: string };

export class Bridge {
  private readonly mux: Mux<LocalEnd>;
  private readonly options: BridgeOptions;
  /**
   * The local ends told to stop (send() returned false) and owed writable(): the one record of
   * which are paused. They go on once the mux can take more and the link is not full.
   */
  private readonly stopped = new Set<BridgeConnection>();
  /** A send to the link returned false; drained() clears it. */
  private linkFull = false;
  /** Lines about single connections: a few per kind, then counted (log-limiter.ts). */
  private readonly news: LogLimiter;

  constructor(options: BridgeOptions) {
    this.options = options;
    this.news = new LogLimiter(options.log);
    const handlers: MuxHandlers<LocalEnd> = {
      send: (header, payload) => {
        if (!options.send(header, payload)) this.linkFull = true;
      },
      onOpen: (conn) => this.dial(conn),
      onOpened: (conn) => conn.context?.opened(conn),
      onData: (conn, data) => conn.context?.data(conn, data, () => this.mux.consumed(conn, data.length)),
      onEnd: (conn) => conn.context?.end(conn),
      onAbort: (conn, reason, text, violation) => {
        this.stopped.delete(conn);
        const end = conn.context;
        if (end) end.abort(conn, reason, text, violation);
      },
      onWritable: (conn) => {
        if (!this.linkFull) this.resume(conn);
      },
      onClose: (conn) => this.stopped.delete(conn),
    };
    this.mux = new Mux<LocalEnd>({ localIP: options.localIP, handlers, ...(options.initialWindow ? { initialWindow: options.initialWindow } : {}) });
  }

  /** Live connections, both directions. */
  get size(): number {
    return this.mux.size;
  }

  // ---- the link side --------------------------------------------------------------------------

  /**
   * A TCP frame from the link. A `peer-violation` is handled already (the connection aborted,
   * §8.1): report it; a `link-fatal` fault ends the link.
   */
  receive(frame: Frame): MuxFault | undefined {
    return this.mux.receive(frame);
  }

  /** PEER_DOWN (§4.4): every connection to or from that VIP is gone. */
  peerDown(vip: number): void {
    this.mux.peerDown(vip);
  }

  /** The link drained: the local ends it stopped go on, unless they wait for credit. */
  drained(): void {
    this.linkFull = false;
    for (const conn of this.stopped) {
      if (this.linkFull) return;
      if (conn.pendingBytes === 0 && conn.sendCredit > 0) this.resume(conn);
    }
  }

  /** Resets every local connection (the link is gone or we shut down). */
  resetAll(reason: AbortReason, text = ''): void {
    this.mux.abortAll(reason, text);
    this.stopped.clear();
    this.news.flush();
  }

  // ---- the local side -------------------------------------------------------------------------

  /** A local client connected to a VIP:port we listen on: open it through the link. */
  accepted(socket: Socket, dstIP: number, dstPort: number): void {
    const end = new SocketEnd(this, socket, this.news);
    const conn = this.mux.open(dstIP, dstPort, end);
    if (!conn) {
      this.options.log(`no free source port for ${socket.remoteAddress}:${socket.remotePort} -> ${ipToString(dstIP)}:${dstPort}: resetting it`);
      resetSocket(socket);
      return;
    }
    end.wire(conn);
  }

  /**
   * Opens a connection for a proxy. `end` hears OPEN_OK or the refusal; then attach() hands the
   * connection to the client's socket, or `end` keeps it.
   */
  open(end: LocalEnd, to: OpenTarget): Opened {
    const conn = to.kind === 'mesh' ? this.mux.open(to.vip, to.port, end) : this.mux.open(to.via, ROUTED_PORT, end, to.target);
    return conn ? { ok: true, conn } : { ok: false, code: 'no-source-port', why: 'no free source port (too many connections)' };
  }

  /** An open connection's local end becomes `socket`, paused until now; `head` is what it sent already. */
  attach(conn: BridgeConnection, socket: Socket, head?: Buffer): void {
    if (conn.closed) {
      resetSocket(socket);
      return;
    }
    const end = new SocketEnd(this, socket, this.news);
    conn.context = end;
    end.wire(conn);
    end.start(conn, head);
  }

  /**
   * Data from a local end to the peer; false when that end must stop until its writable() (no
   * credit, or the link is full). Ignored on a closed connection.
   */
  send(conn: BridgeConnection, data: Buffer): boolean {
    if (conn.closed) return false;
    if (this.mux.write(conn, data) && !this.linkFull) return true;
    this.stopped.add(conn);
    return false;
  }

  /** Half-closes the local end's direction (CLOSE_WRITE once its data is out, §5.5). */
  end(conn: BridgeConnection): void {
    this.mux.end(conn);
  }

  /** Resets the connection (ABORT to the peer); its local end hears nothing: the caller knows. */
  abort(conn: BridgeConnection, reason: AbortReason, text = ''): void {
    this.stopped.delete(conn);
    this.mux.abort(conn, reason, text);
  }

  private resume(conn: BridgeConnection): void {
    if (!this.stopped.delete(conn)) return;
    conn.context?.writable(conn);
  }

  /** §5.4: dial the forward's target (or the route's, §13) asynchronously; OPEN_OK on connect, ABORT on failure. */
  private dial(conn: BridgeConnection): void {
    if (conn.target) return this.dialRoute(conn, conn.target);
    const fwd = this.options.forwardFor(conn.dstPort);
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
  private dialRoute(conn: BridgeConnection, target: RouteTarget): void {
    const label = `${target.host}:${target.port}`;
    const resolve = this.options.resolveRoute;
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
  private connectTo(conn: BridgeConnection, hosts: readonly string[], port: number, label: string, index = 0): void {
    const host = hosts[index] ?? '';
    const target = host === label.slice(0, label.lastIndexOf(':')) ? label : `${label} (${host})`;
    const socket = connect({ host, port, allowHalfOpen: true, noDelay: true });
    const end = new SocketEnd(this, socket, this.news);
    conn.context = end;
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
      end.wire(conn);
      this.mux.accept(conn);
    });
    socket.once('error', (e) => {
      if (!socket.connecting && conn.state !== 'accepting') return; // the SocketEnd handles it
      if (conn.closed) return;
      const code = errorCode(e);
      if (index + 1 < hosts.length) return this.connectTo(conn, hosts, port, label, index + 1);
      this.news.line(`dial ${target} failed: ${code ?? 'error'}`, `dial ${target} for ${conn} failed: ${code ?? e.message}`);
      this.mux.abort(conn, dialErrorReason(code), `${target}: ${code ?? e.message}`);
    });
  }
}
