/**
 * The router's connection tracking (docs/reliability.md, bug 1: a hostile or buggy agent must not be able to hurt
 * another host through the frames it sends). Sans-IO: the router asks `check(frame)` for every
 * TCP frame it is about to forward and acts on the verdict.
 *
 * The router sees every frame of every connection, in the order each link sent it, so it can
 * keep the same books as the two multiplexers (docs/protocol.md §5.4, §6) exactly: a WINDOW
 * always passes the router before the data that uses it. A frame that no correct agent sends (a
 * second OPEN on a live source port, data past the credit, WINDOW before OPEN_OK…) is a
 * violation: it is never forwarded, and the router closes the sending link (§5.7). Frames for
 * connections the router does not know are dropped: the receiver would drop them too (§5.9),
 * and dropping them here means nothing about a tuple reaches a host before an OPEN was let through.
 *
 * Connections are kept per initiator VIP, by source port: an initiator's source ports are unique
 * among its live connections (§5.8), so one Map lookup finds the connection of any frame.
 */
import {
  FLAG_FROM_ACCEPTOR, MAX_WINDOW, PRE_OPEN_WINDOW, ProtocolError, ipToString, payloadLength, readU32Payload, tcpKind,
  type Frame,
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
  /** Until OPEN_OK: the acceptor may send nothing but ABORT (§5.4). */
  opening: boolean;
  /** What the initiator may still send (§6.1): PRE_OPEN_WINDOW until OPEN_OK (§6.2). */
  toAcceptor: number;
  /** What the acceptor may still send: OPEN's window, plus the initiator's grants. */
  toInitiator: number;
  initiatorClosed: boolean;
  acceptorClosed: boolean;
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
      case 'open-ok': {
        if (!conn.opening) return violation('bad-state', 'OPEN_OK on a connection already open', frame);
        const window = readU32Payload(frame.payload);
        if (window < PRE_OPEN_WINDOW || window > MAX_WINDOW) {
          return violation('bad-payload', `OPEN_OK window ${window} outside ${PRE_OPEN_WINDOW}..${MAX_WINDOW}`, frame);
        }
        if (conn.toAcceptor + window - PRE_OPEN_WINDOW > MAX_WINDOW) return violation('window-overflow', `OPEN_OK window ${window} takes the credit above ${MAX_WINDOW}`, frame);
        conn.opening = false;
        conn.toAcceptor += window - PRE_OPEN_WINDOW;
        return FORWARD;
      }
      case 'window': {
        if (fromAcceptor && conn.opening) return violation('bad-state', 'WINDOW from the acceptor before OPEN_OK', frame);
        const inc = readU32Payload(frame.payload);
        const credit = (fromAcceptor ? conn.toAcceptor : conn.toInitiator) + inc;
        if (credit > MAX_WINDOW) return violation('window-overflow', `WINDOW +${inc} takes the credit above ${MAX_WINDOW}`, frame);
        if (fromAcceptor) conn.toAcceptor = credit;
        else conn.toInitiator = credit;
        return FORWARD;
      }
      case 'data':
      case 'close-write': {
        if (fromAcceptor && conn.opening) return violation('bad-state', 'data from the acceptor before OPEN_OK', frame);
        if (fromAcceptor ? conn.acceptorClosed : conn.initiatorClosed) return violation('bad-state', 'data after CLOSE_WRITE', frame);
        const n = payloadLength(frame);
        const credit = fromAcceptor ? conn.toInitiator : conn.toAcceptor;
        if (n > credit) return violation('window-overrun', `${n} bytes sent with ${credit} bytes of window left`, frame);
        if (fromAcceptor) conn.toInitiator -= n;
        else conn.toAcceptor -= n;
        if (kind === 'close-write') {
          if (fromAcceptor) conn.acceptorClosed = true;
          else conn.initiatorClosed = true;
          if (conn.initiatorClosed && conn.acceptorClosed) this.forget(initiator, initiatorPort, conn);
        }
        return FORWARD;
      }
      default:
        return violation('illegal-flags', `undecoded flags ${frame.flags}`, frame);
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
    if (!initiator || !conn?.opening || conn.acceptorIP !== frame.dstIP || conn.acceptorPort !== frame.dstPort) return false;
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
    if (initiator?.byPort.has(frame.srcPort)) return violation('bad-state', `OPEN from source port ${frame.srcPort}, which a live connection uses`, frame);
    // A routed OPEN (§13) starts with the same u32 window.
    const window = readU32Payload(frame.payload);
    if (window < PRE_OPEN_WINDOW || window > MAX_WINDOW) return violation('bad-payload', `OPEN window ${window} outside ${PRE_OPEN_WINDOW}..${MAX_WINDOW}`, frame);
    const peers = initiator?.perPeer.get(frame.dstIP) ?? 0;
    if (peers >= this.limits.perPeer) {
      return { kind: 'refuse', text: `more than ${this.limits.perPeer} live connections to ${ipToString(frame.dstIP)}` };
    }
    if (!initiator) {
      initiator = { byPort: new Map(), perPeer: new Map() };
      this.initiators.set(frame.srcIP, initiator);
    }
    initiator.byPort.set(frame.srcPort, {
      acceptorIP: frame.dstIP,
      acceptorPort: frame.dstPort,
      opening: true,
      toAcceptor: PRE_OPEN_WINDOW,
      toInitiator: window,
      initiatorClosed: false,
      acceptorClosed: false,
    });
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

function violation(code: ConstructorParameters<typeof ProtocolError>[0], what: string, frame: Frame): Verdict {
  const fromAcceptor = (frame.flags & FLAG_FROM_ACCEPTOR) !== 0;
  const tuple = fromAcceptor
    ? `${ipToString(frame.dstIP)}:${frame.dstPort} -> ${ipToString(frame.srcIP)}:${frame.srcPort}`
    : `${ipToString(frame.srcIP)}:${frame.srcPort} -> ${ipToString(frame.dstIP)}:${frame.dstPort}`;
  return { kind: 'violation', error: new ProtocolError(code, `${what} on ${tuple}`) };
}
