/**
 * What the HTTP proxy makes of a response head from upstream: an interim response (1xx) passed
 * on as it is, a final one with its body's framing, or why it is malformed (502). A response is
 * held to the same rules as a request (http-head.ts): what the client's parser reads must be what
 * the proxy read. Pure.
 */
import { connectionTokens, emitHead, hasHopByHop, parseStatusLine, responseFraming, type Framing, type Head, type HeadProblem } from './http-head.js';

export type ResponseHead =
  | { kind: 'interim' }
  | {
    kind: 'final';
    framing: Framing;
    /** The server closes the connection after this response. */
    closes: boolean;
  }
  | HeadProblem
  | { kind: 'bad'; code: 'bad-status-line'; why: string };

/** `method`: the request's, which decides whether a body follows (HEAD). */
export function readResponseHead(head: Head, method: string): ResponseHead {
  const status = parseStatusLine(head.start);
  // 101 Switching Protocols: the proxy does not tunnel upgrades.
  if (status === undefined || status === 101) return { kind: 'bad', code: 'bad-status-line', why: `a bad status line "${head.start.slice(0, 40)}"` };
  if (status < 200) return { kind: 'interim' };
  const framing = responseFraming(head.fields, status, method, head.start.slice(0, 8));
  if (framing.kind === 'bad') return framing;
  const tokens = connectionTokens(head.fields);
  const closes = head.start.startsWith('HTTP/1.0') ? !tokens.includes('keep-alive') : tokens.includes('close');
  return { kind: 'final', framing, closes };
}

/**
 * The head as the client gets it: as received (`raw`) unless it carries hop-by-hop fields, or
 * the proxy must announce that the client's connection ends after it (`announce`).
 */
export function clientHead(head: Head, raw: Buffer, announce: boolean): Buffer {
  return announce || hasHopByHop(head.fields) ? emitHead(head.start, head.fields, announce ? { last: 'Connection: close' } : {}) : raw;
}
