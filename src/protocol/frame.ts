/**
 * The frame as code sees it (docs/protocol.md §2), IPv4 helpers, and the legality check
 * of §5.3 shared by the decoder (what it accepts) and the encoder's assertions.
 */
import {
  FLAG_ABORT, FLAG_CLOSE_WRITE, FLAG_FROM_ACCEPTOR, FLAG_OPEN, FLAG_OPEN_OK, FLAG_WINDOW,
  MAX_ABORT_TEXT, MAX_CONTROL_PAYLOAD, MAX_DATA_PAYLOAD, MAX_DATAGRAM, MAX_ROUTE_HOST, PROTO_CONTROL, PROTO_TCP, PROTO_UDP, ROUTED_PORT,
} from './constants.js';
import { ProtocolError } from './errors.js';
import { formatIPv4, parseIPv4 } from './ipv4.js';

/** IPs are u32 in network order (127.0.42.101 = 0x7f002a65), so a Map<number, …> routes them. */
export interface FrameHeader {
  srcIP: number;
  srcPort: number;
  dstIP: number;
  dstPort: number;
  proto: number;
  flags: number;
}

export interface Frame extends FrameHeader {
  /** May alias the decoder's input chunk (§8.2): keep it, but never write into it. */
  payload: Buffer;
  /**
   * The rest of the payload, when a data frame arrived split across input chunks and the decoder
   * was made with `zeroCopyData`: the payload is `payload` followed by these, in order. Set only
   * on data and CLOSE_WRITE frames (§8.2); see payloadLength().
   */
  rest?: Buffer[];
}

/** The whole payload length of a frame, `rest` included. */
export function payloadLength(frame: Frame): number {
  let n = frame.payload.length;
  if (frame.rest) for (const part of frame.rest) n += part.length;
  return n;
}

/** What a TCP frame is, once §5.3 has accepted its flags and payload length. */
export type TcpKind = 'open' | 'open-ok' | 'data' | 'close-write' | 'window' | 'abort';

/** The dotted quad of a u32 (ipv4.ts holds the one formatter). */
export function ipToString(ip: number): string {
  return formatIPv4(ip);
}

/**
 * Parses a strict dotted quad (ipv4.ts: no leading zeros, four parts 0-255); undefined when it is
 * not one. `127.0.042.1` is refused: a resolver may read `042` as octal.
 */
export function ipFromString(text: string): number | undefined {
  return parseIPv4(text);
}

/** Classifies a TCP frame by §5.3's table, ignoring FROM_ACCEPTOR; undefined when illegal. */
export function tcpKind(flags: number): TcpKind | undefined {
  switch (flags & ~FLAG_FROM_ACCEPTOR) {
    case 0: return 'data';
    case FLAG_CLOSE_WRITE: return 'close-write';
    case FLAG_OPEN: return 'open';
    case FLAG_OPEN_OK: return 'open-ok';
    case FLAG_WINDOW: return 'window';
    case FLAG_ABORT: return 'abort';
    default: return undefined;
  }
}

const hex = (n: number): string => `0x${n.toString(16).padStart(4, '0')}`;

/**
 * §5.3: is this header plus a payload of this length a legal frame? Returns the error, or
 * undefined when legal. Called with the payload length before the payload has arrived, so an
 * illegal frame is rejected before the decoder buffers it.
 */
export function checkFrame(h: FrameHeader, payloadLength: number): ProtocolError | undefined {
  if (h.proto === PROTO_CONTROL) {
    if (h.flags !== 0) return new ProtocolError('illegal-flags', `control frame with flags ${hex(h.flags)} (must be 0)`);
    if (h.srcIP !== 0 || h.srcPort !== 0 || h.dstIP !== 0 || h.dstPort !== 0) {
      return new ProtocolError('bad-address', 'control frame with non-zero addresses (§4: control frames are link-local)');
    }
    if (payloadLength < 1 || payloadLength > MAX_CONTROL_PAYLOAD) {
      return new ProtocolError('bad-payload', `control frame with a ${payloadLength}-byte payload (1..${MAX_CONTROL_PAYLOAD})`);
    }
    return undefined;
  }
  if (h.proto === PROTO_UDP) return checkUdpFrame(h, payloadLength);
  if (h.proto !== PROTO_TCP) return new ProtocolError('unknown-proto', `unknown proto ${h.proto}`);
  const kind = tcpKind(h.flags);
  if (kind === undefined) return new ProtocolError('illegal-flags', `TCP frame with illegal flags ${hex(h.flags)}`);
  const fromAcceptor = (h.flags & FLAG_FROM_ACCEPTOR) !== 0;
  // §13: the acceptor's port of a routed connection is ROUTED_PORT (0); the initiator's never is.
  const initiatorPort = fromAcceptor ? h.dstPort : h.srcPort;
  if (initiatorPort === 0) return new ProtocolError('bad-address', 'TCP frame with initiator port 0');
  const routed = (fromAcceptor ? h.srcPort : h.dstPort) === ROUTED_PORT;
  switch (kind) {
    case 'open':
      if (fromAcceptor) return new ProtocolError('illegal-flags', 'OPEN with FROM_ACCEPTOR');
      if (routed) {
        if (payloadLength < 7 || payloadLength > 6 + MAX_ROUTE_HOST) {
          return new ProtocolError('bad-payload', `routed OPEN with a ${payloadLength}-byte payload (7..${6 + MAX_ROUTE_HOST}, §13)`);
        }
        return undefined;
      }
      if (payloadLength !== 4) return new ProtocolError('bad-payload', `OPEN with a ${payloadLength}-byte payload (4)`);
      return undefined;
    case 'open-ok':
      if (!fromAcceptor) return new ProtocolError('illegal-flags', 'OPEN_OK without FROM_ACCEPTOR');
      if (payloadLength !== 4) return new ProtocolError('bad-payload', `OPEN_OK with a ${payloadLength}-byte payload (4)`);
      return undefined;
    case 'window':
      if (payloadLength !== 4) return new ProtocolError('bad-payload', `WINDOW with a ${payloadLength}-byte payload (4)`);
      return undefined;
    case 'abort':
      if (payloadLength < 2 || payloadLength > 2 + MAX_ABORT_TEXT) {
        return new ProtocolError('bad-payload', `ABORT with a ${payloadLength}-byte payload (2..${2 + MAX_ABORT_TEXT})`);
      }
      return undefined;
    case 'data':
      if (payloadLength < 1 || payloadLength > MAX_DATA_PAYLOAD) {
        return new ProtocolError('bad-payload', `data frame with a ${payloadLength}-byte payload (1..${MAX_DATA_PAYLOAD})`);
      }
      return undefined;
    case 'close-write':
      if (payloadLength > MAX_DATA_PAYLOAD) {
        return new ProtocolError('bad-payload', `CLOSE_WRITE with a ${payloadLength}-byte payload (0..${MAX_DATA_PAYLOAD})`);
      }
      return undefined;
  }
}

/** §14.2: a datagram (flags 0, or FROM_ACCEPTOR for a reply) or a flow's end (ABORT [| FROM_ACCEPTOR]). */
function checkUdpFrame(h: FrameHeader, payloadLength: number): ProtocolError | undefined {
  if (h.srcPort === 0 || h.dstPort === 0) return new ProtocolError('bad-address', 'UDP frame with port 0');
  switch (h.flags & ~FLAG_FROM_ACCEPTOR) {
    case 0:
      if (payloadLength > MAX_DATAGRAM) return new ProtocolError('bad-payload', `UDP datagram of ${payloadLength} bytes (0..${MAX_DATAGRAM})`);
      return undefined;
    case FLAG_ABORT:
      if (payloadLength < 2 || payloadLength > 2 + MAX_ABORT_TEXT) {
        return new ProtocolError('bad-payload', `UDP ABORT with a ${payloadLength}-byte payload (2..${2 + MAX_ABORT_TEXT})`);
      }
      return undefined;
    default:
      return new ProtocolError('illegal-flags', `UDP frame with illegal flags ${hex(h.flags)}`);
  }
}
