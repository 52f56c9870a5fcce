/**
 * Relays queries for names that are not ours to the host's own nameservers (issue 5), as raw
 * bytes: flags, EDNS and every option survive (dns2's clients would rewrite the id and drop
 * EDNS). Over UDP, one socket serves every query; each gets a fresh id on the way out (so that
 * two clients using the same id cannot be confused) and its own id back on the way in. Each
 * nameserver gets TRY_TIMEOUT_MS, in order; when all have been tried the client gets SERVFAIL.
 * Over TCP, one connection per query. Never an unbounded queue: at most MAX_PENDING queries wait.
 */
import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram';
import { connect } from 'node:net';
import { HEADER_LEN, servfailFor } from './packet-guard.js';

export interface Upstream {
  address: string;
  port: number;
}

export interface RelayOptions {
  /** Per nameserver, before the next is tried (glibc's own default timeout is 5 s). */
  tryTimeoutMs?: number;
  maxPending?: number;
}

/** Two nameservers fit in glibc's 5 s first attempt; a nameserver on loopback answers in < 1 ms. */
export const TRY_TIMEOUT_MS = 2_000;
/** Queries waiting for an upstream at once; more get SERVFAIL at once rather than memory. */
export const MAX_PENDING = 4_096;
/** RFC 1035 §4.2.2: a TCP message is at most 65,535 bytes. */
const MAX_TCP_MESSAGE = 65_535;

interface Pending {
  clientId: number;
  query: Buffer;
  questionEnd: number;
  next: number;
  upstream: Upstream;
  timer: NodeJS.Timeout;
  reply: (answer: Buffer) => void;
}

export class UdpRelay {
  private socket: UdpSocket | undefined;
  private readonly pending = new Map<number, Pending>();
  private readonly tryTimeoutMs: number;
  private readonly maxPending: number;

  constructor(private upstreams: readonly Upstream[], private readonly log: (line: string) => void, options: RelayOptions = {}) {
    this.tryTimeoutMs = options.tryTimeoutMs ?? TRY_TIMEOUT_MS;
    this.maxPending = options.maxPending ?? MAX_PENDING;
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
    const first = this.upstreams[0] as Upstream;
    const p: Pending = { clientId: query.readUInt16BE(0), query: copy, questionEnd, next: 1, upstream: first, reply, timer: undefined as unknown as NodeJS.Timeout };
    this.pending.set(id, p);
    this.send(id, p);
  }

  close(): void {
    for (const p of this.pending.values()) clearTimeout(p.timer);
    this.pending.clear();
    this.socket?.close();
    this.socket = undefined;
  }

  private send(id: number, p: Pending): void {
    p.timer = setTimeout(() => this.timedOut(id, p), this.tryTimeoutMs);
    this.ensureSocket().send(p.query, p.upstream.port, p.upstream.address, (error) => {
      if (error) this.logOnce(`dns: cannot send to nameserver ${p.upstream.address}: ${error.message}`);
      if (error && this.pending.get(id) === p) {
        clearTimeout(p.timer);
        this.timedOut(id, p);
      }
    });
  }

  private logged = new Set<string>();
  /** One line per distinct problem: a dead nameserver must not flood the log. */
  private logOnce(line: string): void {
    if (this.logged.has(line) || this.logged.size > 100) return;
    this.logged.add(line);
    this.log(line);
  }

  private timedOut(id: number, p: Pending): void {
    if (this.pending.get(id) !== p) return;
    this.logOnce(`dns: nameserver ${p.upstream.address} did not answer within ${this.tryTimeoutMs} ms`);
    const next = this.upstreams[p.next];
    if (next) {
      p.next++;
      p.upstream = next;
      this.send(id, p);
      return;
    }
    this.pending.delete(id);
    const failed = servfailFor(p.query, p.questionEnd);
    failed.writeUInt16BE(p.clientId, 0);
    p.reply(failed);
  }

  private onAnswer(msg: Buffer, from: RemoteInfo): void {
    if (msg.length < HEADER_LEN) return;
    const id = msg.readUInt16BE(0);
    const p = this.pending.get(id);
    // Only the nameserver asked may answer: anything else is stale or spoofed.
    if (!p || from.address !== p.upstream.address || from.port !== p.upstream.port) return;
    clearTimeout(p.timer);
    this.pending.delete(id);
    msg.writeUInt16BE(p.clientId, 0);
    p.reply(msg);
  }

  private freeId(): number {
    for (;;) {
      const id = (Math.random() * 0x10000) >>> 0;
      if (!this.pending.has(id)) return id;
    }
  }

  private ensureSocket(): UdpSocket {
    if (this.socket) return this.socket;
    const socket = createSocket('udp4');
    socket.on('message', (msg, rinfo) => this.onAnswer(msg, rinfo));
    socket.on('error', (error) => this.log(`dns: relay socket error: ${error.message}`));
    socket.bind(0);
    socket.unref();
    this.socket = socket;
    return socket;
  }
}

/** A query received over TCP, relayed over TCP: resolves with the answer or SERVFAIL, never rejects. */
export async function relayTcp(query: Buffer, questionEnd: number, upstreams: readonly Upstream[], tryTimeoutMs = TRY_TIMEOUT_MS): Promise<Buffer> {
  for (const upstream of upstreams) {
    const answer = await tcpExchange(query, upstream, tryTimeoutMs).catch(() => undefined);
    if (answer) return answer;
  }
  return servfailFor(query, questionEnd);
}

function tcpExchange(query: Buffer, upstream: Upstream, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: upstream.address, port: upstream.port });
    let buffered: Buffer = Buffer.alloc(0);
    const timer = setTimeout(() => fail(new Error('timeout')), timeoutMs);
    const fail = (error: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    };
    socket.on('error', fail);
    socket.on('connect', () => {
      const len = Buffer.allocUnsafe(2);
      len.writeUInt16BE(query.length);
      socket.end(Buffer.concat([len, query]));
    });
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length > 2 + MAX_TCP_MESSAGE) return fail(new Error('too long'));
      if (buffered.length < 2) return;
      const len = buffered.readUInt16BE(0);
      if (buffered.length < 2 + len) return;
      clearTimeout(timer);
      socket.destroy();
      resolve(buffered.subarray(2, 2 + len));
    });
    socket.on('end', () => fail(new Error('closed before a whole answer')));
  });
}
