/**
 * Relays queries for names that are not ours to the host's own nameservers, as raw
 * bytes: flags, EDNS and every option survive (dns2's clients would rewrite the id and drop
 * EDNS). Over UDP each query gets a fresh id on the way out (so that two clients using the same
 * id cannot be confused) and its own id back on the way in, and is sent from a socket of its own
 * on a port the kernel picks (up to MAX_SOCKETS open at once; beyond that, queries share the
 * newest). An answer is taken only on the socket its query left from, from a nameserver the query
 * was sent to, with the id it was sent with (drawn from a cryptographic source: Math.random's
 * state can be recovered from a few outputs) and the question it asked (RFC 5452 §9.1: id,
 * source and question must all match; §9.2: a forger must also guess the port, about 28,000
 * choices on Linux's default ephemeral range, besides the 65,536 ids). Over TCP,
 * one connection per query and nameserver. Never an unbounded queue: at most MAX_PENDING queries
 * wait.
 *
 * Time (docs/reliability.md, "DNS: shared files and the upstream time budget"): a query has
 * BUDGET_MS in all, less than the stub resolvers that ask us wait (glibc 5 s per try, musl 5 s
 * in all), so a client always gets our SERVFAIL rather than its own timeout. The nameservers are
 * asked in a staggered race (relay-schedule.ts): the first at once, the next STAGGER_MS later if
 * no answer came, and so on, all still listening; the first good answer wins. A dead first
 * nameserver therefore costs STAGGER_MS, not the budget. SERVFAIL or REFUSED from one nameserver
 * asks the next at once and is passed on only when no other answers.
 */
import { randomInt } from 'node:crypto';
import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import { HEADER_LEN, servfailFor } from './packet-guard.js';
import { isFailure, sendSchedule, type RelayTiming, BUDGET_MS, STAGGER_MS, RETRY_MS } from './relay-schedule.js';

export { BUDGET_MS, STAGGER_MS, RETRY_MS, type RelayTiming } from './relay-schedule.js';

export interface Upstream {
  address: string;
  port: number;
}

export interface RelayOptions extends RelayTiming {
  maxPending?: number;
  maxSockets?: number;
}

/** Queries waiting for an upstream at once; more get SERVFAIL at once rather than memory. */
export const MAX_PENDING = 4_096;
/**
 * Relay sockets open at once. A socket per query makes a forger guess the port as well as the
 * id; the cap bounds the descriptors a burst of queries can take (a query beyond it shares the
 * newest socket: still a random id, and a port that changes with the next socket).
 */
export const MAX_SOCKETS = 64;
/** RFC 1035 §4.2.2: a TCP message is at most 65,535 bytes. */
const MAX_TCP_MESSAGE = 65_535;

/** One relay socket and the queries still waiting on it. */
interface Outgoing {
  socket: UdpSocket;
  users: number;
  bound: boolean;
}

interface Pending {
  clientId: number;
  /** The socket this query is sent from; its answers count only when they arrive there. */
  out: Outgoing;
  query: Buffer;
  questionEnd: number;
  /** The upstreams this query goes to (a reload may change the relay's list meanwhile). */
  upstreams: readonly Upstream[];
  /** [ms since start, upstream index] of every send, in order; `step` is the next. */
  schedule: Array<[number, number]>;
  step: number;
  startedAt: number;
  asked: Set<number>;
  failed: Set<number>;
  /** A SERVFAIL or REFUSED answer, passed on if nothing better comes. */
  fallback: Buffer | undefined;
  timer: NodeJS.Timeout | undefined;
  deadline: NodeJS.Timeout;
  reply: (answer: Buffer) => void;
}

export class UdpRelay {
  private readonly sockets = new Set<Outgoing>();
  private newest: Outgoing | undefined;
  private readonly pending = new Map<number, Pending>();
  private readonly timing: Required<RelayTiming>;
  private readonly maxPending: number;
  private readonly maxSockets: number;
  private readonly logged = new Set<string>();

  constructor(private upstreams: readonly Upstream[], private readonly log: (line: string) => void, options: RelayOptions = {}) {
    this.timing = { budgetMs: options.budgetMs ?? BUDGET_MS, staggerMs: options.staggerMs ?? STAGGER_MS, retryMs: options.retryMs ?? RETRY_MS };
    this.maxPending = options.maxPending ?? MAX_PENDING;
    this.maxSockets = options.maxSockets ?? MAX_SOCKETS;
  }

  setUpstreams(upstreams: readonly Upstream[]): void {
    this.upstreams = upstreams;
  }

  /** Sends `query` on; `reply` gets the upstream's answer with the client's id, or SERVFAIL. */
  relay(query: Buffer, questionEnd: number, reply: (answer: Buffer) => void): void {
    if (this.upstreams.length === 0 || this.pending.size >= this.maxPending || query.length < HEADER_LEN) {
      reply(servfailFor(query, questionEnd));
      return;
    }
    const id = this.freeId();
    const copy = Buffer.from(query);
    copy.writeUInt16BE(id, 0);
    const upstreams = this.upstreams;
    const out = this.outgoing();
    out.users++;
    const p: Pending = {
      clientId: query.readUInt16BE(0), out, query: copy, questionEnd, upstreams,
      schedule: sendSchedule(upstreams.length, this.timing), step: 0, startedAt: Date.now(),
      asked: new Set(), failed: new Set(), fallback: undefined, timer: undefined,
      deadline: setTimeout(() => this.giveUp(id, p), this.timing.budgetMs), reply,
    };
    this.pending.set(id, p);
    this.sendNext(id, p);
  }

  close(): void {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      clearTimeout(p.deadline);
    }
    this.pending.clear();
    for (const out of this.sockets) closeQuietly(out.socket);
    this.sockets.clear();
    this.newest = undefined;
  }

  /** Sends the schedule's next step now and arms the timer for the one after. */
  private sendNext(id: number, p: Pending): void {
    clearTimeout(p.timer);
    p.timer = undefined;
    if (this.pending.get(id) !== p) return;
    // Nameservers that already said no are not asked again.
    while (p.schedule[p.step] && p.failed.has((p.schedule[p.step] as [number, number])[1])) p.step++;
    const step = p.schedule[p.step];
    if (!step) return;
    p.step++;
    const following = p.schedule[p.step];
    if (following) p.timer = setTimeout(() => this.sendNext(id, p), Math.max(0, p.startedAt + following[0] - Date.now()));
    this.sendTo(id, p, step[1]);
  }

  private sendTo(id: number, p: Pending, index: number): void {
    const upstream = p.upstreams[index] as Upstream;
    p.asked.add(index);
    p.out.socket.send(p.query, upstream.port, upstream.address, (error) => {
      if (!error) return;
      this.logOnce(`dns: cannot send to nameserver ${upstream.address}: ${error.message}`);
      this.failedOne(id, p, index);
    });
  }

  /** One nameserver cannot help (a send error, SERVFAIL, REFUSED): the next unasked one is asked at once. */
  private failedOne(id: number, p: Pending, index: number): void {
    if (this.pending.get(id) !== p) return;
    p.failed.add(index);
    if (p.failed.size === p.upstreams.length) return this.finish(id, p, p.fallback);
    const unasked = p.upstreams.findIndex((_, i) => !p.asked.has(i));
    if (unasked < 0) return;
    // Its first scheduled send happens now instead.
    const first = p.schedule.findIndex(([, i], at) => at >= p.step && i === unasked);
    if (first >= 0) p.schedule.splice(first, 1);
    this.sendTo(id, p, unasked);
  }

  private giveUp(id: number, p: Pending): void {
    if (this.pending.get(id) !== p) return;
    const silent = p.upstreams.filter((_, i) => p.asked.has(i) && !p.failed.has(i)).map((u) => u.address);
    if (silent.length) this.logOnce(`dns: no answer from nameserver${silent.length > 1 ? 's' : ''} ${silent.join(', ')} within ${this.timing.budgetMs} ms`);
    this.finish(id, p, p.fallback);
  }

  private finish(id: number, p: Pending, answer: Buffer | undefined): void {
    clearTimeout(p.timer);
    clearTimeout(p.deadline);
    this.pending.delete(id);
    this.release(p.out);
    const out = answer ?? servfailFor(p.query, p.questionEnd);
    out.writeUInt16BE(p.clientId, 0);
    p.reply(out);
  }

  /** One line per distinct problem: a dead nameserver must not flood the log. */
  private logOnce(line: string): void {
    if (this.logged.has(line) || this.logged.size > 100) return;
    this.logged.add(line);
    this.log(line);
  }

  private onAnswer(msg: Buffer, from: RemoteInfo, on: Outgoing): void {
    if (msg.length < HEADER_LEN) return;
    const id = msg.readUInt16BE(0);
    const p = this.pending.get(id);
    // An answer on another query's socket is stale or forged, whatever else it gets right.
    if (!p || p.out !== on) return;
    // Only a nameserver this query was sent to may answer: anything else is stale or spoofed.
    const index = p.upstreams.findIndex((u, i) => p.asked.has(i) && u.address === from.address && u.port === from.port);
    if (index < 0) return;
    if (!sameQuestion(msg, p.query, p.questionEnd)) return;
    if (isFailure(msg)) {
      p.fallback = msg;
      this.failedOne(id, p, index);
      return;
    }
    this.finish(id, p, msg);
  }

  private freeId(): number {
    for (;;) {
      const id = randomInt(0x10000);
      if (!this.pending.has(id)) return id;
    }
  }

  /** A new socket for the next query, or the newest one when MAX_SOCKETS are open. */
  private outgoing(): Outgoing {
    if (this.newest && this.sockets.size >= this.maxSockets) return this.newest;
    const socket = createSocket('udp4');
    const out: Outgoing = { socket, users: 0, bound: false };
    socket.on('message', (msg, rinfo) => this.onAnswer(msg, rinfo, out));
    socket.once('listening', () => { out.bound = true; });
    socket.on('error', (error) => {
      this.logOnce(`dns: relay socket error: ${error.message}`);
      if (!out.bound) this.unbound(out);
    });
    socket.bind(0);
    socket.unref();
    this.sockets.add(out);
    this.newest = out;
    return out;
  }

  /**
   * `out` could not bind (EMFILE…): Node drops the sends queued on it without calling their
   * callbacks, so its queries would wait out their budget. They get SERVFAIL now (the client asks
   * again), and no query joins the socket any more.
   */
  private unbound(out: Outgoing): void {
    this.sockets.delete(out);
    if (this.newest === out) this.newest = undefined;
    for (const [id, p] of this.pending) if (p.out === out) this.finish(id, p, p.fallback);
  }

  /** A query on `out` is finished: the socket closes with its last query. */
  private release(out: Outgoing): void {
    if (--out.users > 0) return;
    this.sockets.delete(out);
    if (this.newest === out) this.newest = undefined;
    closeQuietly(out.socket);
  }
}

/** Closes a relay socket; one whose bind failed (EMFILE, said by its error event) may already be shut. */
function closeQuietly(socket: UdpSocket): void {
  try {
    socket.close();
  } catch {
    // ERR_SOCKET_DGRAM_NOT_RUNNING: nothing left to close.
  }
}

/**
 * Whether `answer` carries the question section of `query` (bytes HEADER_LEN to questionEnd,
 * and the same QDCOUNT), names compared without regard to ASCII case as DNS names are.
 */
export function sameQuestion(answer: Buffer, query: Buffer, questionEnd: number): boolean {
  if (answer.length < questionEnd || answer.readUInt16BE(4) !== query.readUInt16BE(4)) return false;
  // The query's question section was checked by the packet guard; walk its labels so that only
  // name bytes are compared without regard to case (length, type and class bytes exactly).
  let i = HEADER_LEN;
  while (i < questionEnd) {
    const length = query[i] as number;
    if (answer[i] !== length) return false;
    if (length === 0) {
      if (!answer.subarray(i + 1, i + 5).equals(query.subarray(i + 1, i + 5))) return false;
      i += 5;
      continue;
    }
    if (length >= 0xc0) return answer.subarray(i, questionEnd).equals(query.subarray(i, questionEnd));
    for (let j = i + 1; j <= i + length; j++) {
      if (lowerAscii(answer[j] as number) !== lowerAscii(query[j] as number)) return false;
    }
    i += length + 1;
  }
  return true;
}

function lowerAscii(byte: number): number {
  return byte >= 0x41 && byte <= 0x5a ? byte | 0x20 : byte;
}

/**
 * A query received over TCP, relayed over TCP with the same staggered race and budget (one
 * connection per nameserver, no re-sends: TCP retransmits itself). Resolves with the answer or
 * SERVFAIL, never rejects.
 */
export function relayTcp(query: Buffer, questionEnd: number, upstreams: readonly Upstream[], timing: RelayTiming = {}): Promise<Buffer> {
  const budgetMs = timing.budgetMs ?? BUDGET_MS;
  const staggerMs = timing.staggerMs ?? STAGGER_MS;
  return new Promise((resolve) => {
    const sockets = new Set<Socket>();
    const timers: NodeJS.Timeout[] = [];
    let next = 0;
    let failed = 0;
    let fallback: Buffer | undefined;
    let done = false;
    const finish = (answer: Buffer | undefined): void => {
      if (done) return;
      done = true;
      for (const t of timers) clearTimeout(t);
      for (const s of sockets) s.destroy();
      resolve(answer ?? servfailFor(query, questionEnd));
    };
    const start = (): void => {
      const upstream = upstreams[next++];
      if (!upstream || done) return;
      if (upstreams[next]) timers.push(setTimeout(start, staggerMs));
      const socket = tcpExchange(query, upstream, (answer) => {
        sockets.delete(socket);
        if (answer && !isFailure(answer)) return finish(answer);
        fallback = answer ?? fallback;
        if (++failed === upstreams.length) return finish(fallback);
        start();
      });
      sockets.add(socket);
    };
    timers.push(setTimeout(() => finish(fallback), budgetMs));
    if (upstreams.length === 0) finish(undefined);
    else start();
  });
}

/** One length-prefixed exchange; `done` gets the answer, or undefined on any failure. */
function tcpExchange(query: Buffer, upstream: Upstream, done: (answer: Buffer | undefined) => void): Socket {
  const socket = connect({ host: upstream.address, port: upstream.port });
  let buffered: Buffer = Buffer.alloc(0);
  let settled = false;
  const settle = (answer: Buffer | undefined): void => {
    if (settled) return;
    settled = true;
    socket.destroy();
    done(answer);
  };
  socket.on('error', () => settle(undefined));
  socket.on('close', () => settle(undefined));
  socket.on('connect', () => {
    const len = Buffer.allocUnsafe(2);
    len.writeUInt16BE(query.length);
    socket.end(Buffer.concat([len, query]));
  });
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    if (buffered.length > 2 + MAX_TCP_MESSAGE) return settle(undefined);
    if (buffered.length < 2) return;
    const len = buffered.readUInt16BE(0);
    if (buffered.length < 2 + len) return;
    settle(buffered.subarray(2, 2 + len));
  });
  return socket;
}
