/**
 * The router's connection tracking (docs/reliability.md, bug 1: a hostile or buggy agent must not be able to hurt
 * another host through the frames it sends). Sans-IO: the router asks `check(frame)` for every
 * TCP frame it is about to forward and acts on the verdict.
 *
 * The router sees every frame of every connection, in the order each link sent it, so it can
 * keep the same books as the two multiplexers (docs/protocol.md §5.4, §6) exactly: a WINDOW
 * always passes the router before the data that uses it. It keeps its own books on purpose (it
 * trusts neither end), but judges them by the multiplexers' rules (src/protocol/stream-rules.ts). A frame that no correct agent sends (a
 * second OPEN on a live source port, data past the credit, WINDOW before OPEN_OK…) is a
 * violation: it is never forwarded, and the router closes the sending link (§5.7). Frames for
 * connections the router does not know are dropped: the receiver would drop them too (§5.9),
 * and dropping them here means nothing about a tuple reaches a host before an OPEN was let through.
 *
 * Connections are kept per initiator VIP, by source port: an initiator's source ports are unique
 * among its live connections (§5.8), so one Map lookup finds the connection of any frame.
 */
import {
  FLAG_FROM_ACCEPTOR, ProtocolError, applyData, applyOpenOk, applyWindow, bothClosed, frameTuple, ipToString, openBooks,
  openWindowBreak, payloadLength, readU32Payload, tcpKind, type Frame, type StreamBooks, type StreamBreak,
} from '../protocol/index.js';

/**
 * Live connections one host may have open towards one other host at once. Every accepted
 * connection costs the acceptor a dial and two descriptors on its machine; a dev mesh has tens,
 * a load test a few thousand. Beyond it an OPEN gets ABORT `resource-limit`.
 */
export const MAX_CONNECTIONS_PER_PEER = 16_384;

export interface ConnLimits {
  perPeer: number;
}

export type Verdict =
  /** Forward the frame. */
  | { kind: 'forward' }
  /** Drop it silently: a frame of a connection that has ended (a normal race, §5.9). */
  | { kind: 'drop' }
  /** Refuse the OPEN with ABORT `resource-limit`; the sender did nothing wrong. */
  | { kind: 'refuse'; text: string }
  /** No correct agent sends this: drop it and close the sender's link. */
  | { kind: 'violation'; error: ProtocolError };

const FORWARD: Verdict = { kind: 'forward' };
const DROP: Verdict = { kind: 'drop' };

interface Tracked {
  acceptorIP: number;
  acceptorPort: number;
  books: StreamBooks;
}

/** One initiator's live connections, and how many of them go to each acceptor VIP. */
interface Initiator {
  byPort: Map<number, Tracked>;
  perPeer: Map<number, number>;
}

export class ConnTrack {
  private readonly initiators = new Map<number, Initiator>();
  private live = 0;

  constructor(private readonly limits: ConnLimits = { perPeer: MAX_CONNECTIONS_PER_PEER }) {}

  /** Live connections the router knows of. */
  get size(): number {
    return this.live;
  }

  /** Live connections from one host to another. */
  between(initiatorIP: number, acceptorIP: number): number {
    return this.initiators.get(initiatorIP)?.perPeer.get(acceptorIP) ?? 0;
  }

  /**
   * What to do with a TCP frame that passed the decoder's stateless checks and the router's
   * SrcIP check. Updates the books as if the frame was forwarded when the verdict is `forward`.
   */
  check(frame: Frame): Verdict {
    const kind = tcpKind(frame.flags);
    const fromAcceptor = (frame.flags & FLAG_FROM_ACCEPTOR) !== 0;
    if (kind === 'open') return this.open(frame);
    const initiatorIP = fromAcceptor ? frame.dstIP : frame.srcIP;
    const initiatorPort = fromAcceptor ? frame.dstPort : frame.srcPort;
    const initiator = this.initiators.get(initiatorIP);
    const conn = initiator?.byPort.get(initiatorPort);
    const acceptorIP = fromAcceptor ? frame.srcIP : frame.dstIP;
    const acceptorPort = fromAcceptor ? frame.srcPort : frame.dstPort;
    if (!initiator || !conn || conn.acceptorIP !== acceptorIP || conn.acceptorPort !== acceptorPort) return DROP;
    switch (kind) {
      case 'abort':
        this.forget(initiator, initiatorPort, conn);
        return FORWARD;
      case 'open-ok':
        return verdict(applyOpenOk(conn.books, readU32Payload(frame.payload)), frame);
      case 'window':
        return verdict(applyWindow(conn.books, fromAcceptor, readU32Payload(frame.payload)), frame);
      case 'data':
      case 'close-write': {
        const broken = applyData(conn.books, fromAcceptor, payloadLength(frame), kind === 'close-write');
        if (broken) return verdict(broken, frame);
        if (bothClosed(conn.books)) this.forget(initiator, initiatorPort, conn);
        return FORWARD;
      }
      default:
        return verdict({ code: 'illegal-flags', what: `undecoded flags ${frame.flags}` }, frame);
    }
  }

  /**
   * Forgets the connection of `frame` when it is data from the initiator of a connection its
   * acceptor has not answered yet (pre-open data, §6.2): the router then aborts it both ways
   * rather than queue it for an acceptor that is not reading. False for any other frame.
   */
  abortOpening(frame: Frame): boolean {
    const kind = tcpKind(frame.flags);
    if ((kind !== 'data' && kind !== 'close-write') || (frame.flags & FLAG_FROM_ACCEPTOR) !== 0) return false;
    const initiator = this.initiators.get(frame.srcIP);
    const conn = initiator?.byPort.get(frame.srcPort);
    if (!initiator || !conn?.books.opening || conn.acceptorIP !== frame.dstIP || conn.acceptorPort !== frame.dstPort) return false;
    this.forget(initiator, frame.srcPort, conn);
    if (initiator.byPort.size === 0) this.initiators.delete(frame.srcIP);
    return true;
  }

  /** A host's link ended: every connection it initiated or accepted is gone (PEER_DOWN, §4.4). */
  linkDown(vip: number): void {
    const own = this.initiators.get(vip);
    if (own) {
      this.live -= own.byPort.size;
      this.initiators.delete(vip);
    }
    for (const initiator of this.initiators.values()) {
      if (!initiator.perPeer.has(vip)) continue;
      for (const [port, conn] of initiator.byPort) {
        if (conn.acceptorIP === vip) this.forget(initiator, port, conn);
      }
    }
    for (const [ip, initiator] of this.initiators) if (initiator.byPort.size === 0) this.initiators.delete(ip);
  }

  private open(frame: Frame): Verdict {
    let initiator = this.initiators.get(frame.srcIP);
    if (initiator?.byPort.has(frame.srcPort)) return verdict({ code: 'bad-state', what: `OPEN from source port ${frame.srcPort}, which a live connection uses` }, frame);
    // A routed OPEN (§13) starts with the same u32 window.
    const window = readU32Payload(frame.payload);
    const broken = openWindowBreak(window);
    if (broken) return verdict(broken, frame);
    const peers = initiator?.perPeer.get(frame.dstIP) ?? 0;
    if (peers >= this.limits.perPeer) {
      return { kind: 'refuse', text: `more than ${this.limits.perPeer} live connections to ${ipToString(frame.dstIP)}` };
    }
    if (!initiator) {
      initiator = { byPort: new Map(), perPeer: new Map() };
      this.initiators.set(frame.srcIP, initiator);
    }
    initiator.byPort.set(frame.srcPort, { acceptorIP: frame.dstIP, acceptorPort: frame.dstPort, books: openBooks(window) });
    initiator.perPeer.set(frame.dstIP, peers + 1);
    this.live++;
    return FORWARD;
  }

  private forget(initiator: Initiator, port: number, conn: Tracked): void {
    if (!initiator.byPort.delete(port)) return;
    this.live--;
    const n = (initiator.perPeer.get(conn.acceptorIP) ?? 1) - 1;
    if (n > 0) initiator.perPeer.set(conn.acceptorIP, n);
    else initiator.perPeer.delete(conn.acceptorIP);
  }
}

/** Forward when the rules hold, else a violation naming the connection. */
function verdict(broken: StreamBreak | undefined, frame: Frame): Verdict {
  return broken ? { kind: 'violation', error: new ProtocolError(broken.code, `${broken.what} on ${frameTuple(frame)}`) } : FORWARD;
}
