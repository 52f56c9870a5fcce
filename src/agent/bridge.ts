/**
 * The IO edge of the multiplexer: local TCP sockets ↔ mux connections (docs/protocol.md §5, §6).
 * - A socket is read only while its connection has send credit and the link is not blocked.
 * - Credit is granted back as the socket's write callbacks fire (§6.3).
 * - Half-close maps to socket.end() / 'end' (sockets are allowHalfOpen); ABORT to a reset.
 */
import { connect, type Socket } from 'node:net';
import { Mux, type MuxConnection, type MuxHandlers } from '../mux/index.js';
import { ipToString, type AbortReason, type FrameHeader } from '../protocol/index.js';
import type { Forward } from '../plan/types.js';
import { dialErrorReason, errorCode } from './socket-errors.js';

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
  log(line: string): void;
}

export class Bridge {
  readonly mux: Mux<Socket>;
  private readonly o: BridgeOptions;
  /** Sockets paused only because the link was blocked; resumed on drain. */
  private readonly linkPaused = new Set<MuxConnection<Socket>>();

  constructor(options: BridgeOptions) {
    this.o = options;
    const handlers: MuxHandlers<Socket> = {
      send: options.send,
      onOpen: (conn) => this.dial(conn),
      onData: (conn, data) => {
        const socket = conn.context;
        if (!socket || socket.destroyed) return;
        socket.write(data, () => this.mux.consumed(conn, data.length));
      },
      onEnd: (conn) => conn.context?.end(),
      onAbort: (conn, reason, text) => {
        this.linkPaused.delete(conn);
        reset(conn.context);
        if (reason !== 'host-down' && reason !== 'shutting-down') this.o.log(`connection ${conn} reset by peer: ${reason}${text ? ` (${text})` : ''}`);
      },
      onWritable: (conn) => this.resume(conn),
      onClose: (conn) => this.linkPaused.delete(conn),
    };
    this.mux = new Mux<Socket>({ localIP: options.localIP, handlers, ...(options.initialWindow ? { initialWindow: options.initialWindow } : {}) });
  }

  /** A local client connected to a VIP:port we listen on: open it through the link. */
  accepted(socket: Socket, dstIP: number, dstPort: number): void {
    const conn = this.mux.open(dstIP, dstPort, socket);
    if (!conn) {
      this.o.log(`no free source port for ${socket.remoteAddress}:${socket.remotePort} -> ${ipToString(dstIP)}:${dstPort}: resetting it`);
      reset(socket);
      return;
    }
    this.attach(conn, socket);
  }

  /** The link drained: resume the sockets it paused. */
  drained(): void {
    for (const conn of this.linkPaused) this.resume(conn);
  }

  /** Resets every local connection (the link is gone or we shut down). */
  resetAll(reason: AbortReason, text = ''): void {
    this.mux.abortAll(reason, text);
    this.linkPaused.clear();
  }

  private resume(conn: MuxConnection<Socket>): void {
    if (conn.closed || conn.blocked) return;
    if (this.o.linkBlocked()) {
      this.linkPaused.add(conn);
      return;
    }
    this.linkPaused.delete(conn);
    conn.context?.resume();
  }

  /** §5.4: dial the forward's target asynchronously; OPEN_OK on connect, ABORT on failure. */
  private dial(conn: MuxConnection<Socket>): void {
    const fwd = this.o.forwardFor(conn.dstPort);
    if (!fwd) {
      this.mux.abort(conn, 'policy', `port ${conn.dstPort} is not forwarded by ${ipToString(conn.dstIP)}`);
      return;
    }
    const target = `${fwd.connectHost}:${fwd.connectPort}`;
    const socket = connect({ host: fwd.connectHost, port: fwd.connectPort, allowHalfOpen: true, noDelay: true });
    conn.context = socket;
    socket.setTimeout(DIAL_TIMEOUT_MS, () => {
      if (!socket.connecting) return;
      socket.destroy();
      this.o.log(`dial ${target} for ${conn} timed out after ${DIAL_TIMEOUT_MS} ms`);
      this.mux.abort(conn, 'timeout', `${target} did not answer`);
    });
    socket.once('connect', () => {
      socket.setTimeout(0);
      if (conn.closed) {
        reset(socket);
        return;
      }
      this.attach(conn, socket);
      this.mux.accept(conn);
    });
    socket.once('error', (e) => {
      if (!socket.connecting && conn.state !== 'accepting') return; // attach() handles it
      const code = errorCode(e);
      this.o.log(`dial ${target} for ${conn} failed: ${code ?? e.message}`);
      this.mux.abort(conn, dialErrorReason(code), `${target}: ${code ?? e.message}`);
    });
  }

  /** Wires an established socket to its connection. */
  private attach(conn: MuxConnection<Socket>, socket: Socket): void {
    socket.on('data', (chunk: Buffer) => {
      if (conn.closed) return;
      const ok = this.mux.write(conn, chunk);
      if (!ok) socket.pause();
      else if (this.o.linkBlocked()) {
        socket.pause();
        this.linkPaused.add(conn);
      }
    });
    socket.on('end', () => this.mux.end(conn));
    socket.on('error', (e) => {
      if (conn.closed) return;
      const code = errorCode(e);
      this.mux.abort(conn, 'reset', `${code ?? e.message}`);
      this.linkPaused.delete(conn);
    });
    socket.on('close', () => {
      this.linkPaused.delete(conn);
      // Both directions ended cleanly: the socket closes by itself while the mux may still hold
      // the last data within credit; the connection then finishes on its own (§5.4).
      if (conn.closed || (socket.readableEnded && socket.writableFinished)) return;
      this.mux.abort(conn, 'reset', 'local socket closed');
    });
  }
}

/** ABORT received → the local client sees a reset (ECONNRESET), not a clean end (§5.6). */
function reset(socket: Socket | undefined): void {
  if (!socket || socket.destroyed) return;
  if (socket.connecting) socket.destroy();
  else socket.resetAndDestroy();
}
