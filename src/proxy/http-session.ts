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
 * One file (over the usual size) because both directions share one state machine: the queue of
 * requests awaiting responses, the upstream, and when the client connection may go on or end.
 */
import type { Socket } from 'node:net';
import type { AbortReason } from '../protocol/index.js';
import type { BridgeConnection, LocalEnd } from '../net/local-end.js';
import { resetSocket } from '../net/reset-socket.js';
import { bodyFor, type Body } from './http-body.js';
import { connectTunnel } from './http-connect.js';
import { connectionTokens, emitHead, hasHopByHop, parseHead, parseRequestLine, parseStatusLine, requestFraming, responseFraming, type Head } from './http-head.js';
import { errorResponse, statusFor } from './http-response.js';
import type { ProxyHost, Reachable } from './proxy-host.js';
import type { LogLimiter } from '../net/log-limiter.js';

export interface SessionOptions {
  /** A request head must be complete within this of its first byte (docs/reliability.md). */
  headDeadlineMs: number;
  /** Where lines about clients cut off at the deadline go. */
  slow: LogLimiter;
}

/** A client connection without a request in flight is closed after this (node:http's keepAliveTimeout). */
export const CLIENT_IDLE_MS = 5_000;
/** Requests sent upstream and not yet answered, per client connection, before the proxy stops reading more. */
export const MAX_PIPELINED = 32;
/** Pieces up to this are copied into one write rather than written one by one. */
const COALESCE = 16 * 1024;
/** RFC 9110 §9.2.2: only these may be sent again when a reused connection turns out closed. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

/** `http://HOST[:PORT][PATH]`: 1 the authority, 2 a bracketed IPv6 host or 3 a name/address, 4 the port, 5 the path and query (a fragment never reaches a proxy). */
const ABSOLUTE_URI = /^http:\/\/((?:\[([0-9a-fA-F:.]+)\]|([^/?#:@[\]]+))(?::(\d{1,5}))?)([/?][^#]*)?$/i;

/** A request sent upstream, waiting for its response. */
interface Exchange {
  method: string;
  target: string;
  /** HTTP/1.0, or `Connection: close`: the client connection ends after this response. */
  last: boolean;
  http10: boolean;
  /** The request as sent, while it may be sent again (idempotent, no body). */
  replay: Buffer | undefined;
}

interface Upstream {
  conn: BridgeConnection;
  to: Reachable;
  /** Responses completed on it: a connection reused after being idle may have been closed meanwhile. */
  served: number;
  /** The server closes it after the response in progress. */
  closing: boolean;
}

export class HttpSession implements LocalEnd {
  /** Client bytes not yet forwarded: a partial head, or what waits while the session is stalled. */
  private pending: Buffer | undefined;
  /** The body of the request being read, forwarded (or dropped, after a refusal). */
  private reqBody: Body | undefined;
  private dropBody = false;
  /** Why the client's socket is paused: no credit upstream, or a request waits for the responses before it. */
  private stalled: 'credit' | 'drain' | 'pipeline' | undefined;
  /** No more requests are read: the client half-closed, or the last request was read. */
  private closing = false;
  /** The socket is no longer this session's (closed, or handed to a CONNECT tunnel). */
  private dead = false;
  private up: Upstream | undefined;
  private readonly queue: Exchange[] = [];
  /** The response in progress: a partial head, its body, whether its head went to the client. */
  private respPending: Buffer | undefined;
  private respBody: Body | undefined;
  /** Its body ends when the connection does (no length, not chunked). */
  private respClose = false;
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
    this.pending = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pump();
  };

  /** Works through the client's bytes until they run out or something must wait. */
  private pump(): void {
    while (this.pending && !this.stalled && !this.dead) {
      if (this.reqBody) {
        if (!this.forwardBody()) return;
      } else if (this.closing) {
        this.pending = undefined;
      } else {
        const r = parseHead(this.pending);
        if (r.kind === 'more') return this.startHeadDeadline();
        this.stopHeadDeadline();
        if (r.kind === 'bad') return this.reject(r.tooLarge ? 431 : 400, r.why);
        this.request(r.head);
      }
    }
  }

  /** The next piece of the request body; false when the session must stop (no credit, or it failed). */
  private forwardBody(): boolean {
    const body = this.reqBody;
    const buf = this.pending;
    if (!body || !buf) return true;
    const n = body.take(buf, 0);
    if (n < 0) {
      this.log(this.queue[this.queue.length - 1], body.error ?? 'a malformed request body');
      this.socket.destroy();
      return false;
    }
    if (body.done) this.reqBody = undefined;
    this.pending = n === buf.length ? undefined : buf.subarray(n);
    return this.dropBody || n === 0 || this.send(n === buf.length ? buf : buf.subarray(0, n));
  }

  private request(head: Head): void {
    const line = parseRequestLine(head.start);
    if (typeof line === 'string') return this.reject(400, line);
    if (line.method === 'CONNECT') {
      if (this.queue.length > 0) return this.stall('drain');
      const rest = this.consume(head);
      this.stopHeadDeadline();
      this.dead = true;
      this.retire();
      for (const [event, fn] of [['data', this.onData], ['end', this.onEnd], ['close', this.onClose], ['timeout', this.onTimeout]] as const) this.socket.off(event, fn);
      this.socket.setTimeout(0);
      return connectTunnel(this.host, this.socket, line.target, rest ?? Buffer.alloc(0));
    }
    // RFC 9112 §3.2.2 absolute-form; a regex rather than new URL(): this runs for every request.
    const m = ABSOLUTE_URI.exec(line.target);
    if (!m) {
      const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(line.target)?.[1];
      return this.reject(400, scheme && scheme.toLowerCase() !== 'http'
        ? `${scheme}:// URIs go through CONNECT, not as a plain request`
        : `"${line.target}" is not an absolute http:// URI: this is a proxy (set http_proxy, or curl -x)`);
    }
    const framing = requestFraming(head.fields, line.version);
    if (typeof framing === 'string') return this.reject(400, framing);
    const http10 = line.version === 'HTTP/1.0';
    const last = http10 || connectionTokens(head.fields).includes('close');
    const to = this.host.decide(m[2] ?? m[3] ?? '', m[4] ? Number(m[4]) : 80);
    if (to.kind === 'refuse') {
      if (this.queue.length > 0) return this.stall('drain');
      this.host.log(`proxy: refused ${line.method} ${line.target}: ${to.why}`);
      this.pending = this.consume(head);
      this.reqBody = bodyFor(framing);
      this.dropBody = true;
      this.answer(to.reason === 'bad' ? 400 : 403, to.why, line.method === 'HEAD', last);
      return;
    }
    const up = this.up;
    const reuse = up !== undefined && up.to.label === to.label && !up.closing;
    if (!reuse && this.queue.length > 0) return this.stall('drain');
    if (this.queue.length >= MAX_PIPELINED) return this.stall('pipeline');
    this.pending = this.consume(head);
    const ex: Exchange = { method: line.method, target: line.target, last, http10, replay: undefined };
    if (!reuse) {
      this.retire();
      const why = this.connect(to);
      if (why !== undefined) {
        this.log(ex, why);
        this.answer(statusFor('policy'), `${to.label}: ${why}`, line.method === 'HEAD', true);
        return;
      }
    }
    const path = m[5] || (line.method === 'OPTIONS' ? '*' : '/');
    // RFC 9112 §3.2.2: the Host field is replaced by the target URI's authority.
    const out = emitHead(`${line.method} ${path} ${line.version}`, head.fields, {
      first: `Host: ${m[1] ?? ''}`, drop: 'host', ...(last && !http10 ? { last: 'Connection: close' } : {}),
    });
    this.reqBody = bodyFor(framing);
    this.dropBody = false;
    if (!this.reqBody && IDEMPOTENT.has(line.method)) ex.replay = out;
    this.queue.push(ex);
    if (last) this.closing = true;
    // The first piece of a small body goes in the same DATA frame as the head.
    const body = this.reqBody;
    const buf = this.pending;
    if (body && buf && buf.length <= COALESCE) {
      const n = body.take(buf, 0);
      if (n < 0) {
        this.log(ex, body.error ?? 'a malformed request body');
        this.socket.destroy();
        return;
      }
      if (body.done) this.reqBody = undefined;
      this.pending = n === buf.length ? undefined : buf.subarray(n);
      this.send(n === 0 ? out : Buffer.concat([out, buf.subarray(0, n)]));
      return;
    }
    this.send(out);
  }

  /** What follows `head` in the pending bytes. */
  private consume(head: Head): Buffer | undefined {
    const buf = this.pending;
    return buf && head.size < buf.length ? buf.subarray(head.size) : undefined;
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
    this.respPending = undefined;
    this.respBody = undefined;
    this.respClose = false;
    this.respStarted = false;
    if (!up || up.conn.closed) return;
    if (this.queue.length > 0 || (this.reqBody && !this.dropBody)) this.host.bridge.abort(up.conn, 'reset', 'the proxy client left');
    else this.host.bridge.end(up.conn);
  }

  private stall(why: 'credit' | 'drain' | 'pipeline'): void {
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
    this.pending = undefined;
    // The retire() below resets an upstream with a request in flight; what the client still sends is dropped.
    this.retire();
    this.queue.length = 0;
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
    let buf = data;
    if (this.respPending) {
      buf = Buffer.concat([this.respPending, data]);
      this.respPending = undefined;
    }
    const out: Buffer[] = [];
    let finished = false;
    let at = 0;
    while (at < buf.length) {
      const ex = this.queue[0];
      if (!ex) return this.broken(undefined, 'sent bytes nobody asked for', out, done);
      if (this.respBody) {
        const n = this.respBody.take(buf, at);
        if (n < 0) return this.broken(ex, this.respBody.error ?? 'a malformed response body', out, done);
        out.push(at === 0 && n === buf.length ? buf : buf.subarray(at, at + n));
        at += n;
        if (this.respBody.done) {
          this.complete(up);
          finished = true;
        }
        continue;
      }
      const rest = at === 0 ? buf : buf.subarray(at);
      const r = parseHead(rest);
      if (r.kind === 'more') {
        this.respPending = rest;
        break;
      }
      if (r.kind === 'bad') return this.broken(ex, `a malformed response: ${r.why}`, out, done);
      const { head } = r;
      const status = parseStatusLine(head.start);
      if (status === undefined || status === 101) return this.broken(ex, `a bad status line "${head.start.slice(0, 40)}"`, out, done);
      at += head.size;
      if (status < 200) {
        // 100 Continue and the like: passed on; the final response follows.
        out.push(rest.subarray(0, head.size));
        continue;
      }
      const framing = responseFraming(head.fields, status, ex.method, head.start.slice(0, 8));
      if (typeof framing === 'string') return this.broken(ex, framing, out, done);
      if (head.start.startsWith('HTTP/1.0') ? !connectionTokens(head.fields).includes('keep-alive') : connectionTokens(head.fields).includes('close')) up.closing = true;
      // The client must see the end of a body delimited by the connection closing; and pipelined
      // requests behind it on a connection the server closes will not be answered.
      if (framing.kind === 'close' || (up.closing && this.queue.length > 1)) ex.last = true;
      const announce = ex.last && !ex.http10;
      out.push(announce || hasHopByHop(head.fields) ? emitHead(head.start, head.fields, announce ? { last: 'Connection: close' } : {}) : rest.subarray(0, head.size));
      this.respStarted = true;
      ex.replay = undefined;
      this.respBody = bodyFor(framing);
      this.respClose = framing.kind === 'close';
      if (!this.respBody) {
        this.complete(up);
        finished = true;
      }
    }
    this.toClient(out, done);
    if (finished) this.afterResponse();
  }

  /** The response to queue[0] is through (afterResponse() follows once it is written). */
  private complete(up: Upstream): void {
    const ex = this.queue.shift();
    this.respBody = undefined;
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

  private toClient(out: Buffer[], done: () => void): void {
    const [first] = out;
    if (!first || this.socket.destroyed) return done();
    if (out.length === 1) {
      this.socket.write(first, () => done());
      return;
    }
    let total = 0;
    for (const b of out) total += b.length;
    if (total <= COALESCE) {
      this.socket.write(Buffer.concat(out, total), () => done());
      return;
    }
    this.socket.cork();
    for (let i = 0; i < out.length - 1; i++) this.socket.write(out[i] ?? Buffer.alloc(0));
    this.socket.write(out[out.length - 1] ?? Buffer.alloc(0), () => done());
    this.socket.uncork();
  }

  /** The upstream broke the protocol: a 502 if the client heard nothing of the response yet, else a reset. */
  private broken(ex: Exchange | undefined, why: string, out: Buffer[], done: () => void): void {
    this.log(ex, why);
    this.toClient(out, done);
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
    this.queue.length = 0;
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
    const ex = this.queue[0];
    if (ex && this.respBody && this.respClose) {
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
    if (this.respStarted || this.respPending) return this.fail(ex, 502, 'the connection closed in the middle of the response');
    if (this.retry(up, ex)) return;
    this.log(ex, 'the connection closed before the response');
    this.fail(ex, 502, 'the connection closed before the response');
  }

  abort(conn: BridgeConnection, reason: AbortReason, text: string): void {
    const up = this.up;
    if (this.dead || !up || conn !== up.conn) return;
    const ex = this.queue[0];
    if (!ex) {
      this.retire();
      return;
    }
    if (!this.respStarted && !this.respPending && reason === 'reset' && this.retry(up, ex)) return;
    const why = text || reason;
    this.log(ex, why);
    this.fail(ex, statusFor(reason), why);
  }

  /**
   * A reused connection closed before answering (the server's keep-alive timeout crossed the
   * request): an idempotent request without a body is sent once more on a fresh connection.
   */
  private retry(up: Upstream, ex: Exchange): boolean {
    if (up.served === 0 || this.queue.length !== 1 || !ex.replay || (this.reqBody && !this.dropBody)) return false;
    const replay = ex.replay;
    this.retire();
    if (this.connect(up.to) !== undefined) return false;
    this.send(replay);
    return true;
  }

  // ---- the client's socket --------------------------------------------------------------------

  private readonly onEnd = (): void => {
    if (this.dead) return;
    if (this.reqBody && !this.dropBody) {
      this.log(this.queue[this.queue.length - 1], 'the client closed in the middle of the request body');
      this.socket.destroy();
      return;
    }
    this.closing = true;
    this.pending = undefined;
    if (this.queue.length === 0) {
      this.retire();
      this.socket.end();
    }
  };

  private startHeadDeadline(): void {
    this.headTimer ??= setTimeout(() => {
      this.headTimer = undefined;
      if (this.dead || this.reqBody) return;
      const seconds = this.options.headDeadlineMs / 1000;
      this.options.slow.line('head deadline', `proxy: ${this.socket.remoteAddress ?? '?'}:${this.socket.remotePort ?? '?'} did not send a whole request head within ${seconds} s: closing the connection`);
      this.dead = true;
      this.retire();
      this.queue.length = 0;
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
    this.queue.length = 0;
  };

  private readonly onTimeout = (): void => {
    if (this.queue.length === 0 && !this.reqBody) this.socket.destroy();
  };

  private log(ex: Exchange | undefined, why: string): void {
    const what = ex ? `${ex.method} ${ex.target}` : 'a connection';
    this.host.log(`proxy: ${what} (${this.up?.to.label ?? 'no upstream'}): ${why}`);
  }
}
