/**
 * A mux connection as an in-process stream (issue 6), for the HTTP proxy's upstream requests:
 * node:http's client writes the request into it and parses the response out of it, as if it
 * were a socket. Flow control as in the bridge (docs/protocol.md §6.3): credit is granted back
 * only once the reader took the bytes (push() accepted them, or _read() asked for more).
 */
import { Duplex } from 'node:stream';
import { MAX_DATA_PAYLOAD, type AbortReason } from '../protocol/index.js';
import type { MuxConnection } from '../mux/index.js';
import type { Bridge, Endpoint, LocalEnd } from '../agent/bridge.js';

/** An ABORT as an error: the HTTP proxy turns `reason` into a status (403, 502, 504). */
export class MeshConnectionError extends Error {
  readonly code = 'ECONNRESET';
  constructor(readonly reason: AbortReason, readonly text: string) {
    super(`${reason}${text ? `: ${text}` : ''}`);
    this.name = 'MeshConnectionError';
  }
}

export class MuxDuplex extends Duplex {
  conn: MuxConnection<Endpoint> | undefined;
  /** The bridge's side of this stream (its method names would clash with Duplex's own). */
  readonly localEnd: LocalEnd = {
    opened: () => this.emit('connect'),
    data: (_conn, data, done) => {
      this.lastActive = Date.now();
      if (this.push(data)) done();
      else this.held.push(done);
    },
    end: () => this.push(null),
    abort: (_conn, reason, text) => {
      this.conn = undefined;
      this.destroy(new MeshConnectionError(reason, text));
    },
    writable: () => {
      const next = this.waiting;
      this.waiting = undefined;
      next?.();
    },
  };
  /** What node:http's agent reads and sets on a socket; no timer runs here. */
  timeout = 0;
  /** A write waiting for credit or for the link to drain. */
  private waiting: (() => void) | undefined;
  /** Grants held back while the reader is full (push() returned false). */
  private held: (() => void)[] = [];
  private idleTimer: NodeJS.Timeout | undefined;
  private lastActive = 0;

  constructor(private readonly bridge: Bridge) {
    // Not half-open: an upstream that ends its response ends the connection, so node:http's
    // agent drops it from its pool instead of reusing a connection the server closed.
    super({ allowHalfOpen: false });
  }

  // ---- Duplex ---------------------------------------------------------------------------------

  override _read(): void {
    const held = this.held;
    this.held = [];
    for (const done of held) done();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.writeChunk(chunk, callback);
  }

  /** In pieces of at most one frame, so the mux never queues more than one (MAX_PENDING_SEND). */
  private writeChunk(chunk: Buffer, callback: (error?: Error | null) => void): void {
    this.lastActive = Date.now();
    while (chunk.length > 0) {
      const conn = this.conn;
      if (!conn || conn.closed) return callback(new MeshConnectionError('reset', 'the connection is gone'));
      const piece = chunk.subarray(0, MAX_DATA_PAYLOAD);
      chunk = chunk.subarray(piece.length);
      if (!this.bridge.writeFrom(conn, piece)) {
        const rest = chunk;
        this.waiting = () => this.writeChunk(rest, callback);
        return;
      }
    }
    callback();
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (this.conn && !this.conn.closed) this.bridge.mux.end(this.conn);
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const conn = this.conn;
    this.conn = undefined;
    if (conn && !conn.closed) this.bridge.mux.abort(conn, 'reset', 'the proxy closed the connection');
    this.held = [];
    this.waiting = undefined;
    clearInterval(this.idleTimer);
    callback(error);
  }

  // ---- what node:http calls on a socket -------------------------------------------------------

  setKeepAlive(): this {
    return this;
  }

  setNoDelay(): this {
    return this;
  }

  ref(): this {
    return this;
  }

  unref(): this {
    return this;
  }

  /**
   * As net.Socket's: 'timeout' after `ms` without reads or writes (node:http's agent closes idle
   * pooled connections with it). Called on every request: one coarse interval, made once.
   */
  setTimeout(ms: number, callback?: () => void): this {
    this.lastActive = Date.now();
    if (ms !== this.timeout) {
      this.timeout = ms;
      clearInterval(this.idleTimer);
      this.idleTimer = undefined;
      if (ms > 0) {
        this.idleTimer = setInterval(() => {
          if (Date.now() - this.lastActive < this.timeout) return;
          this.lastActive = Date.now();
          this.emit('timeout');
        }, Math.max(100, ms / 4));
        this.idleTimer.unref();
      }
    }
    if (callback) {
      if (ms === 0) this.off('timeout', callback);
      else this.once('timeout', callback);
    }
    return this;
  }
}
