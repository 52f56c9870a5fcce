/**
 * TCP frame payloads (docs/protocol.md §5) and the reply header used by whoever answers a
 * frame on behalf of its destination (the router's ABORT unreachable, §5.7).
 */
import { FLAG_ABORT, FLAG_FROM_ACCEPTOR, MAX_ABORT_TEXT, MAX_ROUTE_HOST, PROTO_TCP } from './constants.js';
import { truncateUtf8 } from './control.js';
import type { Frame, FrameHeader } from './frame.js';
import { reasonCode, reasonName, type AbortReason } from './reasons.js';

/** OPEN, OPEN_OK and WINDOW payload: one u32 (a window or a credit increment). */
export function u32Payload(value: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32LE(value >>> 0, 0);
  return b;
}

export function readU32Payload(payload: Buffer): number {
  return payload.readUInt32LE(0);
}

/** A routed connection's destination (§13): a dotted IPv4 address or a host name, and a port. */
export interface RouteTarget {
  host: string;
  port: number;
}

/** §13: a routed OPEN's payload: u32 window, u16 port, the host as ASCII (1..255 bytes). */
export function routedOpenPayload(window: number, target: RouteTarget): Buffer {
  const host = Buffer.from(target.host, 'latin1');
  if (host.length < 1 || host.length > MAX_ROUTE_HOST || !/^[\x21-\x7e]+$/.test(target.host)) {
    throw new Error(`Assertion failed: route host ${JSON.stringify(target.host)} is not 1..${MAX_ROUTE_HOST} printable ASCII characters`);
  }
  const b = Buffer.allocUnsafe(6 + host.length);
  b.writeUInt32LE(window >>> 0, 0);
  b.writeUInt16LE(target.port, 4);
  host.copy(b, 6);
  return b;
}

/** Undefined when the host is not printable ASCII or the port is 0 (a `bad-payload`). */
export function readRoutedOpen(payload: Buffer): RouteTarget | undefined {
  const port = payload.readUInt16LE(4);
  const host = payload.subarray(6).toString('latin1');
  if (port === 0 || !/^[\x21-\x7e]+$/.test(host)) return undefined;
  return { host, port };
}

export function abortPayload(reason: AbortReason, text = ''): Buffer {
  const t = truncateUtf8(text, MAX_ABORT_TEXT);
  const b = Buffer.allocUnsafe(2 + t.length);
  b.writeUInt16LE(reasonCode(reason), 0);
  t.copy(b, 2);
  return b;
}

export function readAbortPayload(payload: Buffer): { reason: AbortReason; text: string } {
  return { reason: reasonName(payload.readUInt16LE(0)), text: payload.subarray(2).toString('utf8') };
}

/**
 * The header of a frame going back to the sender of `frame`, as if sent by the other end of
 * its connection: addresses swapped, FROM_ACCEPTOR inverted (§5.1).
 */
export function replyHeader(frame: FrameHeader, flags: number): FrameHeader {
  const fromAcceptor = (frame.flags & FLAG_FROM_ACCEPTOR) === 0 ? FLAG_FROM_ACCEPTOR : 0;
  return {
    srcIP: frame.dstIP, srcPort: frame.dstPort, dstIP: frame.srcIP, dstPort: frame.srcPort,
    proto: PROTO_TCP, flags: flags | fromAcceptor,
  };
}

/** §5.7: the ABORT the router sends back for a frame it cannot deliver. */
export function abortReply(frame: Frame, reason: AbortReason, text = ''): { header: FrameHeader; payload: Buffer } {
  return { header: replyHeader(frame, FLAG_ABORT), payload: abortPayload(reason, text) };
}
