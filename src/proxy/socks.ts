/**
 * The SOCKS handshakes, sans-IO: bytes in, a step out. SOCKS4 and 4a (the 4a form
 * carries a host name after the user id), SOCKS5 (RFC 1928) with "no authentication" only and
 * CONNECT only. IPv4 addresses and host names; an IPv6 address gets "address type not supported".
 */

/** Bytes a handshake may take before the client is cut off: 8 + a user id + a 255-byte name. */
export const MAX_HANDSHAKE = 1024;

/** RFC 1928 §6 reply codes. */
export const SOCKS5_REPLY = {
  succeeded: 0, failure: 1, notAllowed: 2, networkUnreachable: 3, hostUnreachable: 4, refused: 5,
  ttlExpired: 6, commandNotSupported: 7, addressTypeNotSupported: 8,
} as const;

/** SOCKS4: 90 granted, 91 rejected or failed. */
export const SOCKS4_GRANTED = 0x5a;
export const SOCKS4_REJECTED = 0x5b;

export type SocksStep =
  | { kind: 'more' }
  /** SOCKS5 method selection: answer with socks5Choice, then parse the request (stage 'request'). */
  | { kind: 'greeting'; used: number; noAuth: boolean }
  | { kind: 'connect'; version: 4 | 5; host: string; port: number; used: number }
  /** Answer with the reply (when there is one for that version) and close. */
  | { kind: 'error'; version: 4 | 5 | undefined; reply: number; why: string };

/** stage 'start': the first bytes of a connection; 'request': SOCKS5 after the greeting. */
export function parseSocks(buf: Buffer, stage: 'start' | 'request'): SocksStep {
  if (buf.length === 0) return { kind: 'more' };
  if (stage === 'request') return parse5Request(buf);
  const version = buf[0];
  if (version === 5) {
    if (buf.length < 2) return { kind: 'more' };
    const n = buf[1] ?? 0;
    if (buf.length < 2 + n) return { kind: 'more' };
    return { kind: 'greeting', used: 2 + n, noAuth: buf.subarray(2, 2 + n).includes(0) };
  }
  if (version === 4) return parse4(buf);
  return { kind: 'error', version: undefined, reply: 0, why: `not a SOCKS client (first byte ${version ?? 0})` };
}

function parse4(buf: Buffer): SocksStep {
  if (buf.length < 9) return more(buf);
  if (buf[1] !== 1) return { kind: 'error', version: 4, reply: SOCKS4_REJECTED, why: `SOCKS4 command ${buf[1] ?? 0} is not supported (only CONNECT)` };
  const port = buf.readUInt16BE(2);
  const userEnd = buf.indexOf(0, 8);
  if (userEnd < 0) return more(buf);
  const ip = `${buf[4]}.${buf[5]}.${buf[6]}.${buf[7]}`;
  // 4a: 0.0.0.x with x != 0 means "the host name follows the user id".
  if (buf[4] === 0 && buf[5] === 0 && buf[6] === 0 && buf[7] !== 0) {
    const nameEnd = buf.indexOf(0, userEnd + 1);
    if (nameEnd < 0) return more(buf);
    const host = buf.subarray(userEnd + 1, nameEnd).toString('latin1');
    if (!isPrintable(host)) return { kind: 'error', version: 4, reply: SOCKS4_REJECTED, why: 'SOCKS4a host name is empty or not printable' };
    return { kind: 'connect', version: 4, host, port, used: nameEnd + 1 };
  }
  return { kind: 'connect', version: 4, host: ip, port, used: userEnd + 1 };
}

function parse5Request(buf: Buffer): SocksStep {
  if (buf.length < 5) return { kind: 'more' };
  if (buf[0] !== 5) return { kind: 'error', version: 5, reply: SOCKS5_REPLY.failure, why: `SOCKS5 request with version ${buf[0] ?? 0}` };
  if (buf[1] !== 1) return { kind: 'error', version: 5, reply: SOCKS5_REPLY.commandNotSupported, why: `SOCKS5 command ${buf[1] ?? 0} is not supported (only CONNECT)` };
  const atyp = buf[3];
  let host: string;
  let at: number;
  if (atyp === 1) {
    if (buf.length < 10) return { kind: 'more' };
    host = `${buf[4]}.${buf[5]}.${buf[6]}.${buf[7]}`;
    at = 8;
  } else if (atyp === 3) {
    const n = buf[4] ?? 0;
    if (buf.length < 5 + n + 2) return { kind: 'more' };
    host = buf.subarray(5, 5 + n).toString('latin1');
    if (!isPrintable(host)) return { kind: 'error', version: 5, reply: SOCKS5_REPLY.hostUnreachable, why: 'SOCKS5 host name is empty or not printable' };
    at = 5 + n;
  } else if (atyp === 4) {
    return { kind: 'error', version: 5, reply: SOCKS5_REPLY.addressTypeNotSupported, why: 'IPv6 destinations are not supported: the mesh and its routes are IPv4' };
  } else {
    return { kind: 'error', version: 5, reply: SOCKS5_REPLY.addressTypeNotSupported, why: `SOCKS5 address type ${atyp ?? 0} is unknown` };
  }
  return { kind: 'connect', version: 5, host, port: buf.readUInt16BE(at), used: at + 2 };
}

function more(buf: Buffer): SocksStep {
  return buf.length > MAX_HANDSHAKE ? { kind: 'error', version: 4, reply: SOCKS4_REJECTED, why: `SOCKS4 request longer than ${MAX_HANDSHAKE} bytes` } : { kind: 'more' };
}

function isPrintable(text: string): boolean {
  return /^[\x21-\x7e]{1,255}$/.test(text);
}

/** The SOCKS5 method selection answer: "no authentication", or "no acceptable method" (0xff). */
export function socks5Choice(noAuth: boolean): Buffer {
  return Buffer.from([5, noAuth ? 0 : 0xff]);
}

/** The reply to a CONNECT; the bound address is reported as 0.0.0.0:0 (it is not meaningful here). */
export function socksReply(version: 4 | 5, code: number): Buffer {
  return version === 5 ? Buffer.from([5, code, 0, 1, 0, 0, 0, 0, 0, 0]) : Buffer.from([0, code, 0, 0, 0, 0, 0, 0]);
}
