/**
 * The router's books for `norouter status`, `top` and the metrics (docs/status.md). The router
 * calls one small method where something happens (a host starts, comes up, goes down; a frame is
 * switched; an OPEN is refused) and `snapshot()` reads the books. Sans-IO but for one timer that
 * samples the rates once a second.
 *
 * Bytes are counted where they already pass: every TCP frame the router forwards, after its
 * connection tracking (src/router/conntrack.ts) let it through, so a frame the router drops is
 * never counted and the connections here are the ones it switches. The per-frame cost is two Map
 * lookups and a few additions (bench/accounting-instructions.ts counts it).
 */
import { FLAG_ABORT, FLAG_CLOSE_WRITE, FLAG_FROM_ACCEPTOR, FLAG_OPEN, ipFromString, ipToString, payloadLength, readAbortPayload, type AgentCounters, type AgentUdpCounters, type Frame } from '../protocol/index.js';
import {
  HISTORY_SECONDS, MAX_EVENTS, SNAPSHOT_VERSION, TOP_CONNECTIONS, TOP_CONNECTIONS_DETAIL,
  type ByDirection, type ConnectionSnapshot, type EventKind, type EventSnapshot, type HostSnapshot, type HostStateName,
  type ReloadSnapshot, type Snapshot, type UdpSnapshot,
} from './snapshot.js';
import { escapeControls } from '../terminal/safe-text.js';

interface HostBook {
  name: string;
  vip: string;
  state: HostStateName;
  why?: string;
  since: number;
  starts: number;
  notListening: { listen: string; error: string }[];
  live: ByDirection;
  opened: ByDirection;
  bytes: ByDirection;
  /** Bytes at the last sample, and the last sample's rates. */
  sampled: ByDirection;
  rate: ByDirection;
  history: number[];
  refused: Map<string, number>;
  /** The live connections this host opened, by its source port (unique among them: docs/protocol.md §5.8). */
  conns: Map<number, ConnBook>;
  /** §4.8: what earlier runs of the agent counted, and what the current one reported last. */
  dnsBefore: DnsCounts;
  dnsNow: DnsCounts;
  /** UDP datagrams and their payload bytes the router forwarded (docs/protocol.md §14.4). */
  datagrams: ByDirection;
  udpBytes: ByDirection;
  /** §4.8: datagrams earlier runs of the agent dropped, by kind; what the current one reported last. */
  udpBefore: Map<string, number>;
  udpNow: AgentUdpCounters;
}

interface DnsCounts { answered: number; relayed: number; dropped: number }

interface ConnBook {
  from: HostBook;
  to: HostBook | undefined;
  initiator: number;
  initiatorPort: number;
  acceptor: number;
  acceptorPort: number;
  sent: number;
  received: number;
  sampled: number;
  rate: number;
  openedAt: number;
  initiatorClosed: boolean;
  acceptorClosed: boolean;
}

export interface AccountingOptions {
  manifest: string;
  version: string;
  now?(): number;
}

const dir = (): ByDirection => ({ in: 0, out: 0 });

export class Accounting {
  private readonly hosts = new Map<string, HostBook>();
  private readonly byVip = new Map<number, HostBook>();
  private live = 0;
  /**
   * The connection of the last data frame: a stream's frames come in runs of one connection,
   * and a VIP is a Map key V8 hashes slowly (above 2^30, not a small integer), so a run costs no
   * lookup at all. Cleared when that connection ends.
   */
  private lastConn: ConnBook | undefined;
  private readonly aborts = new Map<string, number>();
  private readonly events: EventSnapshot[] = [];
  private reloads = 0;
  private lastReload: ReloadSnapshot | undefined;
  private readonly startedAt: number;
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;
  /** Called after a change a summary should show (a host up or down, a reload), once its event is recorded. */
  onChange: (() => void) | undefined;
  /** `run --debug`: each ABORT that passes, with its reason (what agents no longer log: src/net/bridge.ts). */
  debug: ((line: string) => void) | undefined;
  /** Bytes waiting in the router for a host's agent to read (its link's backlog), 0 without a link. */
  backlog: ((host: string) => number) | undefined;
  /** The ports a host discovered and the mesh publishes (src/router/discovery.ts), by port. */
  discovered: ((host: string) => readonly { port: number; proto?: 'udp'; host: string; since: number }[]) | undefined;
  /** Datagrams the router dropped, per sending host and kind (src/router/datagram-switch.ts): read at snapshot time. */
  datagramDrops: (() => ReadonlyMap<string, ReadonlyMap<string, number>>) | undefined;

  constructor(private readonly options: AccountingOptions) {
    this.now = options.now ?? Date.now;
    this.startedAt = this.now();
  }

  /** Samples the rates once a second until stop(). */
  start(): void {
    this.timer ??= setInterval(() => this.sample(), 1000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The hosts of the plan, in its order: new ones are added, gone ones forgotten. */
  plan(hosts: readonly { name: string; vip: string }[]): void {
    const keep = new Map<string, HostBook>();
    for (const { name, vip } of hosts) {
      const old = this.hosts.get(name);
      keep.set(name, old && old.vip === vip ? old : this.newHost(name, vip));
    }
    // A host that left (or changed its VIP) takes its connections along, as its link will.
    for (const [vip, book] of this.byVip) if (keep.get(book.name) !== book) this.linkDown(vip);
    this.hosts.clear();
    this.byVip.clear();
    for (const [name, book] of keep) {
      this.hosts.set(name, book);
      const ip = ipFromString(book.vip);
      if (ip !== undefined) this.byVip.set(ip, book);
    }
  }

  /** A host's agent is being spawned (again). */
  starting(name: string): void {
    const book = this.hosts.get(name);
    if (!book) return;
    if (book.starts++ > 0) this.event('restart', name, `restart ${book.starts - 1}`);
    // A new agent counts from zero: what the last one reported is kept.
    book.dnsBefore = addDns(book.dnsBefore, book.dnsNow);
    book.dnsNow = noDns();
    for (const [kind, n] of Object.entries(book.udpNow.dropped)) book.udpBefore.set(kind, (book.udpBefore.get(kind) ?? 0) + n);
    book.udpNow = noUdp();
    this.setState(book, 'starting');
    this.onChange?.();
  }

  up(name: string): void {
    const book = this.hosts.get(name);
    if (!book) return;
    book.notListening = [];
    this.setState(book, 'up');
    this.event('up', name, 'up');
    this.onChange?.();
  }

  /**
   * The agent's link broke or the agent ended; a restart follows unless givenUp() says otherwise.
   * The router says both for one failure, the link first (the process may live on for a while)
   * and then the exit, whose why is the fuller one: it replaces the link's, in one event.
   */
  down(name: string, why: string): void {
    const book = this.hosts.get(name);
    if (!book || book.state === 'given-up') return;
    // Its flows went with its agent; its drops stay counted (starting() keeps them).
    book.udpNow = { dropped: book.udpNow.dropped, flows: { clients: 0, targets: 0 } };
    if (book.state === 'down') {
      const last = this.events.findLast((e) => e.host === name);
      if (last?.kind === 'down') {
        last.text = why;
        book.why = why;
        this.onChange?.();
        return;
      }
    }
    this.setState(book, 'down', why);
    this.event('down', name, why);
    this.onChange?.();
  }

  givenUp(name: string, why: string): void {
    const book = this.hosts.get(name);
    if (!book) return;
    this.setState(book, 'given-up', why);
    this.event('given-up', name, why);
    this.onChange?.();
  }

  /** STATUS (docs/protocol.md §4.6): what the agent could not listen on; empty when all listen. */
  listening(name: string, failed: readonly { listen: string; error: string }[]): void {
    const book = this.hosts.get(name);
    if (!book) return;
    book.notListening = failed.map(({ listen, error }) => ({ listen, error }));
    if (failed.length) this.event('not-listening', name, `not listening on ${failed.map((f) => `${f.listen} (${f.error})`).join(', ')}`);
    this.onChange?.();
  }

  /** COUNTERS (docs/protocol.md §4.8): what the host's current agent counted since it started. */
  agentCounters(name: string, counters: AgentCounters): void {
    const book = this.hosts.get(name);
    if (!book) return;
    book.dnsNow = { answered: counters.dns.answered, relayed: counters.dns.relayed, dropped: counters.dns.dropped };
    // An older agent reports no `udp`: zero.
    if (counters.udp) book.udpNow = counters.udp;
  }

  /** An OPEN refused or a frame that cost its sender the link, by kind. */
  refused(name: string, kind: string, text?: string): void {
    const book = this.hosts.get(name);
    if (book) book.refused.set(kind, (book.refused.get(kind) ?? 0) + 1);
    this.event('refused', name, text ? `${kind}: ${text}` : kind);
  }

  reloaded(trigger: string, result: ReloadSnapshot['result'], summary?: string): void {
    if (result === 'unchanged-text') return;
    this.reloads++;
    this.lastReload = { at: iso(this.now()), trigger, result, ...(summary !== undefined ? { summary } : {}) };
    this.event('reload', undefined, `${trigger}: ${result}${summary ? `: ${summary}` : ''}`);
    this.onChange?.();
  }

  /**
   * A TCP frame the router forwarded (conntrack said `forward`): counts its payload and follows
   * its connection's life as conntrack does. Called for every frame the router switches, so the
   * common case is kept short (docs/benchmarks.md, "Status: instructions instead of rates"): the
   * flags are compared as numbers, and a data frame costs two Map lookups (initiator VIP, then its
   * source port; none while frames come from the connection of the last one), its connection's
   * books naming both hosts.
   */
  forwarded(frame: Frame): void {
    const flags = frame.flags;
    const what = flags & ~FLAG_FROM_ACCEPTOR;
    if (what === 0 || what === FLAG_CLOSE_WRITE) this.data(frame, (flags & FLAG_FROM_ACCEPTOR) !== 0, what !== 0);
    else if (what === FLAG_OPEN) this.open(frame);
    else if (what === FLAG_ABORT) this.abort(frame);
    // WINDOW and OPEN_OK change nothing here.
  }

  /** A data or CLOSE_WRITE frame. */
  private data(frame: Frame, fromAcceptor: boolean, closing: boolean): void {
    const n = payloadLength(frame);
    // A connection is filed under its initiator, by the initiator's source port.
    const initiatorIP = fromAcceptor ? frame.dstIP : frame.srcIP;
    const acceptorIP = fromAcceptor ? frame.srcIP : frame.dstIP;
    const initiatorPort = fromAcceptor ? frame.dstPort : frame.srcPort;
    let conn = this.lastConn;
    let initiator: HostBook | undefined;
    if (conn !== undefined && conn.initiatorPort === initiatorPort && conn.initiator === initiatorIP) {
      initiator = conn.from;
    } else {
      initiator = this.byVip.get(initiatorIP);
      conn = initiator?.conns.get(initiatorPort);
      if (conn !== undefined) this.lastConn = conn;
    }
    if (n > 0) {
      // The acceptor's books are the connection's when it has them (the same as by its VIP:
      // plan() ends a connection whose acceptor's books go); otherwise looked up by VIP.
      const acceptor = conn !== undefined && conn.acceptor === acceptorIP && conn.to !== undefined ? conn.to : this.byVip.get(acceptorIP);
      const src = fromAcceptor ? acceptor : initiator;
      const dst = fromAcceptor ? initiator : acceptor;
      if (src !== undefined) src.bytes.out += n;
      if (dst !== undefined) dst.bytes.in += n;
      if (conn !== undefined) {
        if (fromAcceptor) conn.received += n;
        else conn.sent += n;
      }
    }
    if (closing && conn !== undefined) {
      if (fromAcceptor) conn.acceptorClosed = true;
      else conn.initiatorClosed = true;
      if (conn.initiatorClosed && conn.acceptorClosed) this.end(conn);
    }
  }

  private open(frame: Frame): void {
    const src = this.byVip.get(frame.srcIP);
    const port = frame.srcPort;
    if (!src || src.conns.has(port)) return;
    const dst = this.byVip.get(frame.dstIP);
    src.conns.set(port, {
      from: src, to: dst, initiator: frame.srcIP, initiatorPort: port, acceptor: frame.dstIP, acceptorPort: frame.dstPort,
      sent: 0, received: 0, sampled: 0, rate: 0, openedAt: this.now(), initiatorClosed: false, acceptorClosed: false,
    });
    this.live++;
    src.live.out++;
    src.opened.out++;
    if (dst) { dst.live.in++; dst.opened.in++; }
  }

  private abort(frame: Frame): void {
    const { reason, text } = readAbortPayload(frame.payload);
    this.aborts.set(reason, (this.aborts.get(reason) ?? 0) + 1);
    if (this.debug) {
      const by = this.byVip.get(frame.srcIP)?.name ?? ipToString(frame.srcIP);
      this.debug(`connection ${ipToString(frame.srcIP)}:${frame.srcPort} <-> ${ipToString(frame.dstIP)}:${frame.dstPort} aborted by ${by}: ${reason}${text ? ` (${escapeControls(text)})` : ''}`);
    }
    this.forget(frame);
  }

  /**
   * A UDP frame the router forwarded (src/router/datagram-switch.ts): a datagram is counted with
   * its payload bytes; a flow's end carries none. Two lookups and four additions, as for TCP.
   */
  datagram(frame: Frame): void {
    if ((frame.flags & FLAG_ABORT) !== 0) return;
    const n = payloadLength(frame);
    const src = this.byVip.get(frame.srcIP);
    const dst = this.byVip.get(frame.dstIP);
    if (src) {
      src.datagrams.out++;
      src.udpBytes.out += n;
    }
    if (dst) {
      dst.datagrams.in++;
      dst.udpBytes.in += n;
    }
  }

  /** The router ended the connection of `frame` itself (it aborted it both ways). */
  forget(frame: Frame): void {
    const fromAcceptor = (frame.flags & FLAG_FROM_ACCEPTOR) !== 0;
    const initiator = this.byVip.get(fromAcceptor ? frame.dstIP : frame.srcIP);
    const conn = initiator?.conns.get(fromAcceptor ? frame.dstPort : frame.srcPort);
    if (conn) this.end(conn);
  }

  /** A host's link ended: every connection it was an end of is gone (docs/protocol.md §4.4). */
  linkDown(vip: number): void {
    const text = ipToString(vip);
    for (const book of this.byVip.values()) {
      const own = book.vip === text;
      for (const conn of book.conns.values()) if (own || conn.acceptor === vip) this.end(conn);
    }
  }

  /** Live connections the books hold (conntrack's size, when both are right). */
  get connections(): number {
    return this.live;
  }
  snapshot(detail = false): Snapshot {
    const now = this.now();
    const hosts: HostSnapshot[] = [];
    let up = 0;
    let bytes = 0;
    let rate = 0;
    let datagrams = 0;
    let dropped = 0;
    const routerDrops = this.datagramDrops?.();
    for (const b of this.hosts.values()) {
      if (b.state === 'up') up++;
      bytes += b.bytes.out;
      rate += b.rate.out;
      datagrams += b.datagrams.out;
      const udp = this.udpOf(b, routerDrops?.get(b.name));
      for (const n of Object.values(udp.dropped.router)) dropped += n;
      for (const n of Object.values(udp.dropped.agent)) dropped += n;
      hosts.push({
        name: b.name, vip: b.vip, state: b.state, ...(b.why !== undefined ? { why: b.why } : {}),
        since: iso(b.since), restarts: Math.max(0, b.starts - 1), notListening: b.notListening,
        connections: { ...b.live }, opened: { ...b.opened }, bytes: { ...b.bytes }, rate: { ...b.rate },
        backlog: this.backlog?.(b.name) ?? 0, dns: addDns(b.dnsBefore, b.dnsNow), refused: Object.fromEntries(b.refused),
        discovered: (this.discovered?.(b.name) ?? []).map((d) => ({ port: d.port, proto: d.proto ?? 'tcp', dialled: d.host, since: iso(d.since) })),
        udp,
        ...(detail ? { history: [...b.history] } : {}),
      });
    }
    const snapshot: Snapshot = {
      version: SNAPSHOT_VERSION,
      mesh: { manifest: this.options.manifest, pid: process.pid, norouter: this.options.version, startedAt: iso(this.startedAt), now: iso(now) },
      hosts,
      totals: { hosts: hosts.length, up, connections: this.live, bytes, rate, datagrams, datagramsDropped: dropped },
      aborts: Object.fromEntries(this.aborts),
      reloads: { count: this.reloads, ...(this.lastReload ? { last: this.lastReload } : {}) },
      connections: this.busiest(detail ? TOP_CONNECTIONS_DETAIL : TOP_CONNECTIONS, now),
      events: this.events.map((e) => ({ ...e })),
    };
    return snapshot;
  }

  /** One second passed: each rate is what moved since the last sample. */
  sample(): void {
    for (const b of this.hosts.values()) {
      b.rate = { in: b.bytes.in - b.sampled.in, out: b.bytes.out - b.sampled.out };
      b.sampled = { ...b.bytes };
      b.history.push(b.rate.in + b.rate.out);
      if (b.history.length > HISTORY_SECONDS) b.history.shift();
    }
    for (const b of this.hosts.values()) {
      for (const c of b.conns.values()) {
        const total = c.sent + c.received;
        c.rate = total - c.sampled;
        c.sampled = total;
      }
    }
  }

  private udpOf(b: HostBook, routerDrops: ReadonlyMap<string, number> | undefined): UdpSnapshot {
    const agent = new Map(b.udpBefore);
    for (const [kind, n] of Object.entries(b.udpNow.dropped)) agent.set(kind, (agent.get(kind) ?? 0) + n);
    return {
      datagrams: { ...b.datagrams }, bytes: { ...b.udpBytes }, flows: { ...b.udpNow.flows },
      dropped: { router: Object.fromEntries(routerDrops ?? []), agent: Object.fromEntries(agent) },
    };
  }

  private busiest(n: number, now: number): ConnectionSnapshot[] {
    // A bounded insertion into the n best: 10,000 connections cost one pass, not a sort.
    const best: ConnBook[] = [];
    const better = (a: ConnBook, b: ConnBook) => a.rate - b.rate || (a.sent + a.received) - (b.sent + b.received);
    for (const b of this.hosts.values()) {
      for (const c of b.conns.values()) {
        if (best.length === n && better(c, best[n - 1]!) <= 0) continue;
        let i = best.length;
        while (i > 0 && better(c, best[i - 1]!) > 0) i--;
        best.splice(i, 0, c);
        if (best.length > n) best.pop();
      }
    }
    return best.map((c) => ({
      from: { host: c.from.name, address: `${c.from.vip}:${c.initiatorPort}` },
      to: { host: c.to?.name ?? '?', address: `${ipToString(c.acceptor)}:${c.acceptorPort}` },
      sent: c.sent, received: c.received, rate: c.rate, ageMs: now - c.openedAt,
    }));
  }

  private end(conn: ConnBook): void {
    if (this.lastConn === conn) this.lastConn = undefined;
    if (!conn.from.conns.delete(conn.initiatorPort)) return;
    this.live--;
    conn.from.live.out--;
    if (conn.to) conn.to.live.in--;
  }

  private newHost(name: string, vip: string): HostBook {
    return {
      name, vip, state: 'starting', since: this.now(), starts: 0, notListening: [],
      live: dir(), opened: dir(), bytes: dir(), sampled: dir(), rate: dir(), history: [], refused: new Map(), conns: new Map(), dnsBefore: noDns(), dnsNow: noDns(),
      datagrams: dir(), udpBytes: dir(), udpBefore: new Map(), udpNow: noUdp(),
    };
  }

  private setState(book: HostBook, state: HostStateName, why?: string): void {
    book.state = state;
    book.since = this.now();
    if (why === undefined) delete book.why;
    else book.why = why;
  }

  private event(kind: EventKind, host: string | undefined, text: string): void {
    const last = this.events.at(-1);
    if (last && last.kind === kind && last.host === host && (kind === 'refused' || last.text === text)) {
      last.count++;
      last.at = iso(this.now());
      return;
    }
    this.events.push({ at: iso(this.now()), kind, ...(host !== undefined ? { host } : {}), text, count: 1 });
    if (this.events.length > MAX_EVENTS) this.events.shift();
  }
}

function noDns(): DnsCounts {
  return { answered: 0, relayed: 0, dropped: 0 };
}

function noUdp(): AgentUdpCounters {
  return { dropped: {}, flows: { clients: 0, targets: 0 } };
}

function addDns(a: DnsCounts, b: DnsCounts): DnsCounts {
  return { answered: a.answered + b.answered, relayed: a.relayed + b.relayed, dropped: a.dropped + b.dropped };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

