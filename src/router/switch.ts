/**
 * The router's switch (docs/protocol.md §5.7): TCP frames from one link go to the link of the
 * host whose VIP is their DstIP, unchanged and in order, once the sender's VIP, the plan's open
 * policy, the rate and backlog limits and the connection books (conntrack.ts) allow them. When a
 * link ends, the other agents hear PEER_DOWN (§4.4). No IO: links are `SwitchLink`s, so the
 * switch runs in memory over any framed stream (test/router/switch.test.ts).
 */
import {
  FEATURE_PEER_DOWN, FEATURE_ROUTE, FLAG_ABORT, PROTO_UDP, FLAG_FROM_ACCEPTOR, ROUTED_PORT, ProtocolError, abortPayload, abortReply, formatTuple, ipFromString, ipToString,
  payloadLength, tcpKind, type ControlMessage, type Frame, type FrameHeader, type ProtocolErrorCode,
} from '../protocol/index.js';
import type { Plan } from '../plan/types.js';
import { ConnTrack, MAX_CONNECTIONS_PER_PEER, type ConnLimits } from './conntrack.js';
import { OPEN_RATE, OpenBucket, OpenPolicy, type Refusal } from './open-policy.js';
import { DatagramSwitch } from './datagram-switch.js';
import type { UdpDropKind } from '../net/udp-drops.js';

/** What the switch needs of a link (HostLink is one). */
export interface SwitchLink {
  readonly vip: number;
  /** The host's name, for logs. */
  readonly name: string;
  readonly isUp: boolean;
  /** The features both ends announced (§4.7). */
  readonly features: ReadonlySet<string>;
  /** Bytes queued towards the agent and not yet taken. */
  readonly backlog: number;
  /** Bytes queued towards the agent since the link began (src/net/udp-share.ts). */
  readonly queuedBytes: number;
  send(header: FrameHeader, payload?: Buffer, rest?: readonly Buffer[]): boolean;
  sendControl(msg: ControlMessage): boolean;
  /** Ends the link for the agent's fault: GOODBYE `protocol-error`, then close (§8.1). */
  fail(error: ProtocolError): void;
}

/**
 * Frames that cost the sender its link, by kind: a frame from another VIP than the link's
 * (`spoofed-source`), or one that breaks the connection books (its protocol error code).
 */
export type ViolationKind = 'spoofed-source' | ProtocolErrorCode;

export interface SwitchOptions {
  /** Router messages: the first refusal of each kind per host. */
  log(line: string): void;
  /** Frame-level tracing (`--debug`). */
  debug?: ((line: string) => void) | undefined;
  /** Limits on what one host may hold open (tests lower them). */
  limits?: Partial<ConnLimits> | undefined;
  /**
   * Queued bytes past which a link takes no new connection (`not-reading`); host-link.ts's
   * MAX_OPEN_BACKLOG unless testing.
   */
  maxOpenBacklog: number;
  /** The books `norouter status` reads (src/status/accounting.ts); without them nothing is counted. */
  accounting?: SwitchAccounting | undefined;
}

/** What the switch tells the status books, as frames pass its checks. */
export interface SwitchAccounting {
  /** A frame the switch forwards (after every check). */
  forwarded(frame: Frame): void;
  /** A UDP frame the switch forwards (docs/protocol.md §14.4). */
  datagram(frame: Frame): void;
  /** A connection ended by the router itself (shed): forget its books. */
  forget(frame: Frame): void;
  /** An OPEN refused, or a link closed for a violation, by kind. */
  refused(name: string, kind: string, text?: string): void;
  /** A host's link went down: its connections are gone. */
  linkDown(vip: number): void;
}

/** What one host was refused or closed for, across its agent's restarts. */
interface HostBooks {
  refused: Map<Refusal['kind'], number>;
  violations: Map<ViolationKind, number>;
  opens: OpenBucket;
}

export class Switch {
  private readonly byVip = new Map<number, SwitchLink>();
  /** Every VIP of the plan, up or not: tells `host-down` from `unreachable`. */
  private vips = new Set<number>();
  private policy: OpenPolicy;
  private readonly conns: ConnTrack;
  private readonly books = new Map<string, HostBooks>();
  /** UDP frames (docs/protocol.md §14.4). */
  private readonly datagrams: DatagramSwitch;

  constructor(plan: Plan, private readonly options: SwitchOptions) {
    this.policy = new OpenPolicy(plan);
    this.datagrams = new DatagramSwitch(plan, options.log, options.accounting);
    this.vips = vipSet(plan);
    this.conns = new ConnTrack({ perPeer: MAX_CONNECTIONS_PER_PEER, ...options.limits });
  }

  /** A new plan (reload): its published ports and VIPs decide from the next frame on. */
  setPlan(plan: Plan): void {
    this.policy = new OpenPolicy(plan);
    this.datagrams.setPlan(plan);
    this.vips = vipSet(plan);
  }

  /** The link said HELLO: frames for its VIP go to it. */
  up(link: SwitchLink): void {
    this.byVip.set(link.vip, link);
  }

  /**
   * A link ended: its connections are forgotten, and every other agent resets its own
   * connections to that host (PEER_DOWN, §4.4).
   */
  down(link: SwitchLink): void {
    if (this.byVip.get(link.vip) === link) {
      this.byVip.delete(link.vip);
      this.conns.linkDown(link.vip);
      this.options.accounting?.linkDown(link.vip);
    }
    for (const other of this.byVip.values()) {
      if (other !== link && other.isUp && other.features.has(FEATURE_PEER_DOWN)) other.sendControl({ type: 'peer-down', vip: link.vip });
    }
  }

  /** A TCP or UDP frame from a link that is up. */
  receive(from: SwitchLink, frame: Frame): void {
    // §5.7: a host speaks only for its own VIP.
    if (frame.srcIP !== from.vip) {
      return this.violation(from, 'spoofed-source', new ProtocolError('bad-address', `it sent a frame from ${ipToString(frame.srcIP)}, not its own VIP`));
    }
    if (frame.proto === PROTO_UDP) {
      const to = this.byVip.get(frame.dstIP);
      this.options.debug?.(`${from.name} udp ${formatTuple(frame)} ${frame.flags ? `flags 0x${frame.flags.toString(16)} ` : ''}${payloadLength(frame)}B -> ${to?.name ?? '(nobody)'}`);
      return this.datagrams.receive(from, to, frame);
    }
    const kind = tcpKind(frame.flags);
    const to = this.byVip.get(frame.dstIP);
    this.options.debug?.(`${from.name} ${describeFrame(frame)} -> ${to?.name ?? '(nobody)'}`);
    if (!to?.isUp) {
      // Other frames for a host that is not up are dropped: the sender got PEER_DOWN for it (§5.7).
      if (kind !== 'open') return;
      const known = this.vips.has(frame.dstIP);
      const dst = ipToString(frame.dstIP);
      const reason = known ? 'host-down' : 'unreachable';
      const text = known ? `${dst} is down` : `no host has VIP ${dst}`;
      this.options.accounting?.refused(from.name, reason, text);
      const reply = abortReply(frame, reason, text);
      from.send(reply.header, reply.payload);
      return;
    }
    if (kind === 'open') {
      const refusal = this.policy.check(frame, to.name) ?? this.admit(from, to, frame);
      if (refusal) return this.refuse(from, refusal, frame);
    }
    const verdict = this.conns.check(frame);
    switch (verdict.kind) {
      case 'forward':
        // The OPEN check sees only what is queued already: in a burst thousands of OPENs pass
        // before the first of their data arrives, each bringing up to PRE_OPEN_WINDOW. Data of a
        // connection its acceptor has not answered, towards a link past the open backlog, ends
        // that connection both ways instead, so what the router queues does not depend on timing.
        if (to.backlog > this.options.maxOpenBacklog && this.conns.abortOpening(frame)) return this.shed(from, to, frame);
        this.options.accounting?.forwarded(frame);
        to.send(frame, frame.payload, frame.rest);
        return;
      case 'drop':
        return;
      case 'refuse':
        return this.refuse(from, { kind: 'connection-limit', reason: 'resource-limit', text: verdict.text }, frame);
      case 'violation':
        // No correct agent sends this (docs/reliability.md, bug 1): it goes nowhere.
        return this.violation(from, verdict.error.code, verdict.error);
    }
  }

  /** Live connections the router is switching (what a soak watches). */
  get connections(): number {
    return this.conns.size;
  }

  /** OPENs refused so far, per host and kind (what `stop` reports). */
  refusals(): Map<string, Map<Refusal['kind'], number>> {
    return new Map([...this.books].filter(([, b]) => b.refused.size).map(([name, b]) => [name, new Map(b.refused)]));
  }

  /** Frames that cost their sender its link, per host and kind. */
  violations(): Map<string, Map<ViolationKind, number>> {
    return new Map([...this.books].filter(([, b]) => b.violations.size).map(([name, b]) => [name, new Map(b.violations)]));
  }

  /** Datagrams dropped so far, per sending host and kind (docs/protocol.md §14.5). */
  datagramDrops(): Map<string, Map<UdpDropKind, number>> {
    return this.datagrams.datagramDrops();
  }

  /** Forgets a host's books (it left the plan). */
  forget(name: string): void {
    this.books.delete(name);
    this.datagrams.forget(name);
  }

  /** Why an OPEN the plan allows is refused all the same, or undefined when it may go. */
  private admit(from: SwitchLink, to: SwitchLink, open: Frame): Refusal | undefined {
    if (!this.booksOf(from).opens.take()) return { kind: 'open-flood', reason: 'resource-limit', text: `more than ${OPEN_RATE} OPENs per second` };
    // A host that does not read its link gets no new connections: each would queue up to
    // PRE_OPEN_WINDOW more in the router (its live connections are bounded by their windows).
    const queued = to.backlog;
    if (queued > this.options.maxOpenBacklog) {
      return { kind: 'not-reading', reason: 'resource-limit', text: `${to.name} is not reading its link (${(queued / 2 ** 20).toFixed(1)} MiB queued)` };
    }
    // §13: a routed OPEN goes only to an agent that dials routes; an older one would take it
    // (and every frame of a routed connection) for a malformed frame and drop its link. The
    // refused OPEN's followers are dropped: the router knows no such connection.
    if (!to.features.has(FEATURE_ROUTE) && isRouted(open)) {
      return { kind: 'agent-too-old', reason: 'policy', text: `the agent of ${to.name} is too old to dial routes: install this norouter version there` };
    }
    return undefined;
  }

  /** Aborts a connection not yet answered, both ways: its acceptor is not reading its link. */
  private shed(from: SwitchLink, to: SwitchLink, frame: Frame): void {
    this.options.accounting?.forget(frame);
    const text = `${to.name} is not reading its link (${(to.backlog / 2 ** 20).toFixed(1)} MiB queued)`;
    this.refuse(from, { kind: 'not-reading', reason: 'resource-limit', text }, frame);
    const { srcIP, srcPort, dstIP, dstPort, proto } = frame;
    to.send({ srcIP, srcPort, dstIP, dstPort, proto, flags: FLAG_ABORT }, abortPayload('resource-limit', text));
  }

  /** Refuses an OPEN with an ABORT; the first refusal of each kind per host is logged, the rest counted. */
  private refuse(from: SwitchLink, refusal: Refusal, frame: Frame): void {
    const refused = this.booksOf(from).refused;
    const n = (refused.get(refusal.kind) ?? 0) + 1;
    refused.set(refusal.kind, n);
    this.options.accounting?.refused(from.name, refusal.kind);
    if (n === 1) {
      this.options.log(`${from.name}: refused an OPEN to ${ipToString(frame.dstIP)}:${frame.dstPort}: ${refusal.text} (${refusal.kind}); more of this kind are counted, not logged`);
    }
    const reply = abortReply(frame, refusal.reason, refusal.text);
    from.send(reply.header, reply.payload);
  }

  /**
   * A frame no correct agent sends: counted, and the sender's link fails (GOODBYE
   * `protocol-error`, then closed). A spoofed source and a broken connection book are the
   * same kind of fault (§5.7) and end the same way; the link's end is reported after this
   * returns, so the switch is never re-entered from here.
   */
  private violation(from: SwitchLink, kind: ViolationKind, error: ProtocolError): void {
    const violations = this.booksOf(from).violations;
    violations.set(kind, (violations.get(kind) ?? 0) + 1);
    this.options.accounting?.refused(from.name, kind);
    from.fail(error);
  }

  private booksOf(link: SwitchLink): HostBooks {
    let books = this.books.get(link.name);
    if (!books) {
      books = { refused: new Map(), violations: new Map(), opens: new OpenBucket() };
      this.books.set(link.name, books);
    }
    return books;
  }
}

function vipSet(plan: Plan): Set<number> {
  return new Set(plan.hosts.map((h) => ipFromString(h.vip) ?? -1));
}

/** §13: a frame of a routed connection: the acceptor's port is ROUTED_PORT. */
function isRouted(f: Frame): boolean {
  return (f.flags & FLAG_FROM_ACCEPTOR ? f.srcPort : f.dstPort) === ROUTED_PORT;
}

function describeFrame(f: Frame): string {
  return `${formatTuple(f)} ${tcpKind(f.flags) ?? '?'} ${payloadLength(f)}B`;
}
