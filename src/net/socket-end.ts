/**
 * A local TCP socket as the end of a mesh connection (docs/protocol.md §5, §6):
 * - it is read only while Bridge.send() accepts more (credit, and the link not full);
 * - credit is granted back as its write callbacks fire (§6.3);
 * - half-close maps to socket.end() / 'end' (sockets are allowHalfOpen); ABORT to a reset.
 */
import type { Socket } from 'node:net';
import type { PeerViolation } from '../mux/index.js';
import type { AbortReason } from '../protocol/index.js';
import type { BridgeConnection, LocalEnd } from './local-end.js';
import type { LogLimiter } from './log-limiter.js';
import { resetSocket } from './reset-socket.js';
import { errorCode } from './socket-errors.js';

/** What a socket end needs from its bridge. */
export interface SocketEndHost {
  send(conn: BridgeConnection, data: Buffer): boolean;
  end(conn: BridgeConnection): void;
  abort(conn: BridgeConnection, reason: AbortReason, text?: string): void;
}

function uncork(socket: Socket): void {
  socket.uncork();
}

export class SocketEnd implements LocalEnd {
  /**
   * After the socket's 'end' while writes to it were in flight: the bytes still to complete.
   * CLOSE_WRITE waits for those writes, not for later ones, which a peer still sending would
   * never let run out.
   */
  private endAfter: number | undefined;

  constructor(private readonly host: SocketEndHost, readonly socket: Socket, private readonly news: LogLimiter) {}

  opened(): void {}

  data(conn: BridgeConnection, data: Buffer, done: () => void): void {
    const socket = this.socket;
    if (socket.destroyed) return;
    // The parts of a data frame the link's read split, and every frame for this socket decoded
    // from one read, leave as one writev at the end of the turn instead of one write() each
    // (docs/benchmarks.md, "Mesh: the hot path on the new layout").
    if (socket.writableCorked === 0) {
      socket.cork();
      process.nextTick(uncork, socket);
    }
    // A failed write grants nothing: the socket's 'error' aborts the connection.
    socket.write(data, (err) => {
      if (err) return;
      done();
      this.written(conn, data.length);
    });
  }

  end(): void {
    this.socket.end();
  }

  abort(conn: BridgeConnection, reason: AbortReason, text: string, violation?: PeerViolation): void {
    resetSocket(this.socket);
    // A peer's violation is reported by whoever called receive(), once per peer and kind (§8.1).
    // A reset by the other end (ECONNRESET, EPIPE) is how many clients end: the router counts it
    // (`norouter status`, and each one with `run --debug`), nobody must act.
    if (!violation && reason !== 'host-down' && reason !== 'shutting-down' && reason !== 'reset') this.news.line(`reset by peer: ${reason}`, `connection ${conn} reset by peer: ${reason}${text ? ` (${text})` : ''}`);
  }

  writable(): void {
    this.socket.resume();
  }

  /** Wires the established socket to its connection. */
  wire(conn: BridgeConnection): void {
    const socket = this.socket;
    socket.on('data', (chunk: Buffer) => {
      if (!conn.closed && !this.host.send(conn, chunk)) socket.pause();
    });
    socket.on('end', () => {
      // docs/reliability.md observation 10: a write that meets the far end's RST consumes the
      // error and the next read returns 0, so 'end' comes before the write fails. Relayed at
      // once, the peer's client would see FIN then RST and could take a truncated stream for a
      // whole one. `unconsumed` is what was handed to socket.write() and not yet written: wait
      // for it; the writes complete (CLOSE_WRITE) or one fails ('error': ABORT).
      if (conn.unconsumed > 0 && !conn.closed) this.endAfter = conn.unconsumed;
      else this.host.end(conn);
    });
    socket.on('error', (e) => {
      if (conn.closed) return;
      this.host.abort(conn, 'reset', `${errorCode(e) ?? e.message}`);
    });
    socket.on('close', () => {
      // Both directions ended cleanly: the socket closes by itself while the mux may still hold
      // the last data within credit; the connection then finishes on its own (§5.4).
      if (conn.closed || (socket.readableEnded && socket.writableFinished)) return;
      this.host.abort(conn, 'reset', 'local socket closed');
    });
  }

  /** Paused while a proxy handshake ran: it flows now, unless `head` (sent already) used up what may go. */
  start(conn: BridgeConnection, head?: Buffer): void {
    if (head?.length && !this.host.send(conn, head)) this.socket.pause();
    else this.socket.resume();
  }

  /** Writes complete in order: those in flight at 'end' are done once n adds up to them. */
  private written(conn: BridgeConnection, n: number): void {
    if (this.endAfter === undefined) return;
    if (this.endAfter > n) {
      this.endAfter -= n;
      return;
    }
    this.endAfter = undefined;
    this.host.end(conn);
  }
}
