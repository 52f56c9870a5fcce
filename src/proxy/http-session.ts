/**
 * One client connection of the HTTP proxy, without node:http: node:http parsed and
 * re-serialised every request and response twice (its server towards the client, its client
 * upstream), ~100 µs of CPU per small request in the client's agent, which cost the proxy 20–30%
 * of the request rate of a VIP connection (docs/benchmarks.md, "Proxies").
 *
 * Here a request's head is parsed once (http-head.ts) and re-emitted in origin form without its
 * hop-by-hop fields (RFC 9112 §3.2.1, RFC 9110 §7.6.1); its body passes through unchanged, only
 * followed to find where it ends (http-body.ts). Responses pass through as received: a head is
 * re-emitted only when it carries hop-by-hop fields, and the body is followed for its end alone.
 *
 * One upstream mesh connection per client connection, kept while requests go to the same
 * destination; requests may be pipelined on it (responses come back in order). A request for
 * another destination waits until every response of the current one is through.
 *
 * The parts, kept apart as undici keeps its dispatcher's: this file is the driver (the client's
 * socket, the upstream, when the client connection may go on or end); http-exchanges.ts the
 * queue of requests awaiting responses; http-reader.ts reads messages in either direction; what a
 * request or a response head means is http-request.ts and http-response-head.ts. The driver
 * stays one class (over the usual size) because both directions move one state: the upstream,
 * the queue, and when the client connection may go on or end.
 */
import type { Socket } from 'node:net';
import type { AbortReason } from '../protocol/index.js';
import type { BridgeConnection, LocalEnd } from '../net/local-end.js';
import { resetSocket } from '../net/reset-socket.js';
import { connectTunnel } from './http-connect.js';
import { Exchanges, type Exchange, type Upstream, type Wait } from './http-exchanges.js';
import type { Head } from './http-head.js';
import { MessageReader } from './http-reader.js';
import { originHead, readRequest } from './http-request.js';
import { clientHead, readResponseHead } from './http-response-head.js';
import { errorResponse, statusFor } from './http-response.js';
import type { ProxyHost, Reachable } from './proxy-host.js';
import type { LogLimiter } from '../net/log-limiter.js';
import { COALESCE, writePieces } from './write-pieces.js';

export interface SessionOptions {
  /** A request head must be complete within this of its first byte (docs/reliability.md). */
  headDeadlineMs: number;
  /** Where lines about clients cut off at the deadline go. */
  slow: LogLimiter;
}

/** A client connection without a request in flight is closed after this (node:http's keepAliveTimeout). */
export const CLIENT_IDLE_MS = 5_000;

export class HttpSession implements LocalEnd {
  /** The client's requests: bytes not yet forwarded (a partial head, or what waits while the session is stalled), the body being read. */
  private readonly req = new MessageReader();
  /** The request body being read is dropped (after a refusal), not forwarded. */
  private dropBody = false;
  /** Why the client's socket is paused: no credit upstream, or a request waits for the responses before it. */
  private stalled: 'credit' | Wait | undefined;
  /** No more requests are read: the client half-closed, or the last request was read. */
  private closing = false;
  /** The socket is no longer this session's (closed, or handed to a CONNECT tunnel). */
  private dead = false;
  private up: Upstream | undefined;
  private readonly queue = new Exchanges();
  /** The responses: a partial head, the body in progress. */
  private readonly resp = new MessageReader();
  /** The body in progress ends when the connection does (no length, not chunked). */
  private respClose = false;
  /** The head of the response in progress went to the client. */
  private respStarted = false;
  /**
   * Runs from the first byte of a request head until the head is complete: an absolute
   * deadline, unlike the idle timer, which a client sending a byte every few seconds restarts
   * for ever.
   */
  private headTimer: NodeJS.Timeout | undefined;

  constructor(private readonly host: ProxyHost, private readonly socket: Socket, private readonly options: SessionOptions) {
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('close', this.onClose);
    socket.on('error', () => socket.destroy());
    // One timer for the connection's life: it fires after CLIENT_IDLE_MS without reads or writes.
    socket.setTimeout(CLIENT_IDLE_MS, this.onTimeout);
  }

  // ---- client → upstream ----------------------------------------------------------------------

  private readonly onData = (chunk: Buffer): void => {
    this.req.push(chunk);
    this.pump();
  };

  /** Works through the client's bytes until they run out or something must wait. */
  private pump(): void {
    while (this.req.size > 0 && !this.stalled && !this.dead) {
      if (this.req.inBody) {
        if (!this.forwardBody()) return;
      } else if (this.closing) {
        this.req.discard();
      } else {
        const r = this.req.head();
        if (r.kind === 'more') return this.startHeadDeadline();
        this.stopHeadDeadline();
        if (r.kind === 'bad') return this.reject(r.code === 'too-large' ? 431 : 400, r.why);
        this.request(r.head);
      }
    }
  }

  /** The next piece of the request body; false when the session must stop (no credit, or it failed). */
  private forwardBody(): boolean {
    const data = this.takeBody();
    if (!data) return false;
    return this.dropBody || data.length === 0 || this.send(data);
  }

  /** The next piece of the request body among the bytes read; undefined when it is malformed (the client's socket is then destroyed). */
  private takeBody(): Buffer | undefined {
    const piece = this.req.takeBody();
    if (piece.kind === 'data') return piece.data;
    this.log(this.queue.newest, piece.why || 'a malformed request body');
    this.socket.destroy();
    return undefined;
  }

  private request(head: Head): void {
    const r = readRequest(head);
    if (r.kind === 'bad') return this.reject(400, r.why);
    if (r.kind === 'connect') {
      if (this.queue.length > 0) return this.stall('drain');
      this.req.consume(head);
      const rest = this.req.drain();
      this.stopHeadDeadline();
      this.dead = true;
      this.retire();
      for (const [event, fn] of [['data', this.onData], ['end', this.onEnd], ['close', this.onClose], ['timeout', this.onTimeout]] as const) this.socket.off(event, fn);
      this.socket.setTimeout(0);
      return connectTunnel(this.host, this.socket, r.target, rest);
    }
    const to = this.host.decide(r.host, r.port);
    if (to.kind === 'refuse') {
      if (this.queue.length > 0) return this.stall('drain');
      this.host.log(`proxy: refused ${r.method} ${r.target}: ${to.why}`);
      this.req.consume(head);
      this.req.follow(r.framing);
      this.dropBody = true;
      this.answer(to.reason === 'bad' ? 400 : 403, to.why, r.method === 'HEAD', r.last);
      return;
    }
    const up = this.up;
    const reuse = up !== undefined && up.to.label === to.label && !up.closing;
    const wait = this.queue.admit(reuse);
    if (wait) return this.stall(wait);
    this.req.consume(head);
    const ex = { method: r.method, target: r.target, last: r.last, http10: r.http10 };
    if (!reuse) {
      this.retire();
      const why = this.connect(to);
      if (why !== undefined) {
        this.log(ex, why);
        this.answer(statusFor('policy'), `${to.label}: ${why}`, r.method === 'HEAD', true);
        return;
      }
    }
    const out = originHead(r, head);
    this.req.follow(r.framing);
    this.dropBody = false;
    this.queue.push(ex, out, this.req.inBody);
    if (r.last) this.closing = true;
    // The first piece of a small body goes in the same DATA frame as the head.
    if (this.req.inBody && this.req.size > 0 && this.req.size <= COALESCE) {
      const data = this.takeBody();
      if (!data) return;
      this.send(data.length === 0 ? out : Buffer.concat([out, data]));
      return;
    }
    this.send(out);
  }

  /** Data for the current upstream; false (and the socket paused) when it has no credit left. */
  private send(data: Buffer): boolean {
    const up = this.up;
    if (!up || up.conn.closed) return true;
    if (this.host.bridge.send(up.conn, data)) return true;
    this.stall('credit');
    return false;
  }

  private connect(to: Reachable): string | undefined {
    const opened = this.host.open(this, to);
    if (!opened.ok) return opened.why;
    this.up = { conn: opened.conn, to, served: 0, closing: false };
    return undefined;
  }

  /** Lets the current upstream go: a clean end when idle, a reset when a request is in flight. */
  private retire(): void {
    const up = this.up;
    this.up = undefined;
    this.resp.reset();
    this.respClose = false;
    this.respStarted = false;
    if (!up || up.conn.closed) return;
    if (this.queue.length > 0 || (this.req.inBody && !this.dropBody)) this.host.bridge.abort(up.conn, 'reset', 'the proxy client left');
    else this.host.bridge.end(up.conn);
  }

  private stall(why: 'credit' | Wait): void {
    this.stalled = why;
    this.socket.pause();
  }

  private unstall(): void {
    this.stalled = undefined;
    if (this.dead) return;
    this.socket.resume();
    this.pump();
  }

  // ---- the proxy's own answers ----------------------------------------------------------------

  /** A malformed request: answered once the responses before it are through, then the connection ends. */
  private reject(status: number, why: string): void {
    if (this.queue.length > 0) return this.stall('drain');
    this.host.log(`proxy: bad request from ${this.socket.remoteAddress ?? '?'}: ${why}`);
    this.answer(status, why, false, true);
  }

  private answer(status: number, why: string, head: boolean, close: boolean): void {
    const response = errorResponse(status, why, { head, close });
    if (!close) {
      this.socket.write(response);
      return;
    }
    this.closing = true;
    this.req.discard();
    // The retire() below resets an upstream with a request in flight; what the client still sends is dropped.
    this.retire();
    this.queue.clear();
    this.dropBody = true;
    this.socket.end(response);
  }

  // ---- upstream → client (LocalEnd) -----------------------------------------------------------

  opened(): void {}

  writable(conn: BridgeConnection): void {
    if (conn === this.up?.conn && this.stalled === 'credit') this.unstall();
  }

  data(conn: BridgeConnection, data: Buffer, done: () => void): void {
    const up = this.up;
    if (this.dead || !up || conn !== up.conn) return done();
    const resp = this.resp;
    resp.push(data);
    const out: Buffer[] = [];
    let finished = false;
    while (resp.size > 0) {
      const ex = this.queue.first;
      if (!ex) return this.broken(undefined, 'sent bytes nobody asked for', out, done);
      if (resp.inBody) {
        const piece = resp.takeBody();
        if (piece.kind === 'bad') return this.broken(ex, piece.why || 'a malformed response body', out, done);
        out.push(piece.data);
        if (piece.done) {
          this.complete(up);
          finished = true;
        }
        continue;
      }
      const r = resp.head();
      if (r.kind === 'more') break;
      if (r.kind === 'bad') return this.broken(ex, `a malformed response: ${r.why}`, out, done);
      const { head } = r;
      const verdict = readResponseHead(head, ex.method);
      if (verdict.kind === 'bad') return this.broken(ex, verdict.why, out, done);
      const raw = resp.consume(head);
      if (verdict.kind === 'interim') {
        // 100 Continue and the like: passed on; the final response follows.
        out.push(raw);
        continue;
      }
      if (verdict.closes) up.closing = true;
      // The client must see the end of a body delimited by the connection closing; and pipelined
      // requests behind it on a connection the server closes will not be answered.
      if (verdict.framing.kind === 'close' || (up.closing && this.queue.length > 1)) ex.last = true;
      out.push(clientHead(head, raw, ex.last && !ex.http10));
      this.respStarted = true;
      ex.replay = undefined;
      resp.follow(verdict.framing);
      this.respClose = verdict.framing.kind === 'close';
      if (!resp.inBody) {
        this.complete(up);
        finished = true;
      }
    }
    writePieces(this.socket, out, done);
    if (finished) this.afterResponse();
  }

  /** The response to the first exchange is through (afterResponse() follows once it is written). */
  private complete(up: Upstream): void {
    const ex = this.queue.shift();
    this.resp.endBody();
    this.respClose = false;
    this.respStarted = false;
    up.served++;
    if (ex?.last) this.closing = true;
  }

  /** After a complete response went to the client: end it, let the upstream go, or read on. */
  private afterResponse(): void {
    if (this.dead) return;
    if (this.queue.length > 0) {
      if (this.stalled === 'pipeline') this.unstall();
      return;
    }
    if (this.closing) {
      this.retire();
      this.socket.end();
      return;
    }
    if (this.up?.closing) this.retire();
    if (this.stalled === 'drain' || this.stalled === 'pipeline') this.unstall();
  }

  /** The upstream broke the protocol: a 502 if the client heard nothing of the response yet, else a reset. */
  private broken(ex: Exchange | undefined, why: string, out: Buffer[], done: () => void): void {
    this.log(ex, why);
    writePieces(this.socket, out, done);
    this.fail(ex, 502, why);
  }

  /**
   * The exchange in progress cannot go on: the upstream is reset, and the client hears `status`
   * when nothing of the response went out yet, else a reset (a truncated response must not look whole).
   */
  private fail(ex: Exchange | undefined, status: number, why: string): void {
    const up = this.up;
    this.up = undefined;
    if (up && !up.conn.closed) this.host.bridge.abort(up.conn, 'reset', 'the proxy gave up on the connection');
    this.queue.clear();
    if (this.respStarted || !ex) {
      this.dead = true;
      resetSocket(this.socket);
      return;
    }
    this.answer(status, `${up?.to.label ?? 'upstream'}: ${why}`, ex.method === 'HEAD', true);
  }

  end(conn: BridgeConnection): void {
    const up = this.up;
    if (this.dead || !up || conn !== up.conn) return;
    this.host.bridge.end(conn);
    const ex = this.queue.first;
    if (ex && this.resp.inBody && this.respClose) {
      this.complete(up);
      this.afterResponse();
      return;
    }
    if (!ex) {
      // An idle connection the server closed: the next request opens another.
      this.retire();
      if (this.closing) this.socket.end();
      return;
    }
    if (this.respStarted || this.resp.size > 0) return this.fail(ex, 502, 'the connection closed in the middle of the response');
    if (this.retry(up)) return;
    this.log(ex, 'the connection closed before the response');
    this.fail(ex, 502, 'the connection closed before the response');
  }

  abort(conn: BridgeConnection, reason: AbortReason, text: string): void {
    const up = this.up;
    if (this.dead || !up || conn !== up.conn) return;
    const ex = this.queue.first;
    if (!ex) {
      this.retire();
      return;
    }
    if (!this.respStarted && this.resp.size === 0 && reason === 'reset' && this.retry(up)) return;
    const why = text || reason;
    this.log(ex, why);
    this.fail(ex, statusFor(reason), why);
  }

  /**
   * A reused connection closed before answering (the server's keep-alive timeout crossed the
   * request): an idempotent request without a body is sent once more on a fresh connection.
   */
  private retry(up: Upstream): boolean {
    const replay = this.queue.replayable(up, this.req.inBody && !this.dropBody);
    if (!replay) return false;
    this.retire();
    if (this.connect(up.to) !== undefined) return false;
    this.send(replay);
    return true;
  }

  // ---- the client's socket --------------------------------------------------------------------

  private readonly onEnd = (): void => {
    if (this.dead) return;
    if (this.req.inBody && !this.dropBody) {
      this.log(this.queue.newest, 'the client closed in the middle of the request body');
      this.socket.destroy();
      return;
    }
    this.closing = true;
    this.req.discard();
    if (this.queue.length === 0) {
      this.retire();
      this.socket.end();
    }
  };

  private startHeadDeadline(): void {
    this.headTimer ??= setTimeout(() => {
      this.headTimer = undefined;
      if (this.dead || this.req.inBody) return;
      const seconds = this.options.headDeadlineMs / 1000;
      this.options.slow.line('head deadline', `proxy: ${this.socket.remoteAddress ?? '?'}:${this.socket.remotePort ?? '?'} did not send a whole request head within ${seconds} s: closing the connection`);
      this.dead = true;
      this.retire();
      this.queue.clear();
      // The answer is best effort: the connection goes whether or not the client reads it.
      this.socket.end(errorResponse(408, `the request head did not arrive within ${seconds} s`, { close: true }), () => this.socket.destroy());
    }, this.options.headDeadlineMs);
  }

  private stopHeadDeadline(): void {
    clearTimeout(this.headTimer);
    this.headTimer = undefined;
  }

  private readonly onClose = (): void => {
    this.stopHeadDeadline();
    if (this.dead) return;
    this.dead = true;
    this.retire();
    this.queue.clear();
  };

  private readonly onTimeout = (): void => {
    if (this.queue.length === 0 && !this.req.inBody) this.socket.destroy();
  };

  private log(ex: Pick<Exchange, 'method' | 'target'> | undefined, why: string): void {
    const what = ex ? `${ex.method} ${ex.target}` : 'a connection';
    this.host.log(`proxy: ${what} (${this.up?.to.label ?? 'no upstream'}): ${why}`);
  }
}
