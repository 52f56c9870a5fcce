/**
 * What the HTTP proxy makes of a request head (RFC 9112 §3.2): a CONNECT, a request in
 * absolute form to forward in origin form, or why it is refused (400). Checked in this order,
 * the order the answers depend on: the request line, CONNECT, the target URI, the framing. Pure.
 */
import { connectionTokens, emitHead, parseRequestLine, requestFraming, type Framing, type Head, type HeadProblem } from './http-head.js';

/** `http://HOST[:PORT][PATH]`: 1 the authority, 2 a bracketed IPv6 host or 3 a name/address, 4 the port, 5 the path and query (a fragment never reaches a proxy). */
const ABSOLUTE_URI = /^http:\/\/((?:\[([0-9a-fA-F:.]+)\]|([^/?#:@[\]]+))(?::(\d{1,5}))?)([/?][^#]*)?$/i;

export interface ForwardRequest {
  kind: 'forward';
  method: string;
  target: string;
  version: string;
  /** The destination, from the target URI. */
  host: string;
  port: number;
  /** `HOST[:PORT]` as the URI wrote it: the Host field sent upstream. */
  authority: string;
  /** The path and query sent upstream (origin form). */
  path: string;
  framing: Framing;
  http10: boolean;
  /** HTTP/1.0 or `Connection: close`: the client connection ends after the response. */
  last: boolean;
}

export type RequestProblem = HeadProblem | { kind: 'bad'; code: 'not-absolute-uri' | 'needs-connect'; why: string };

export type ProxyRequest = { kind: 'connect'; target: string } | ForwardRequest | RequestProblem;

export function readRequest(head: Head): ProxyRequest {
  const line = parseRequestLine(head.start);
  if (line.kind === 'bad') return line;
  if (line.method === 'CONNECT') return { kind: 'connect', target: line.target };
  // RFC 9112 §3.2.2 absolute-form; a regex rather than new URL(): this runs for every request.
  const m = ABSOLUTE_URI.exec(line.target);
  if (!m) {
    const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(line.target)?.[1];
    return scheme && scheme.toLowerCase() !== 'http'
      ? { kind: 'bad', code: 'needs-connect', why: `${scheme}:// URIs go through CONNECT, not as a plain request` }
      : { kind: 'bad', code: 'not-absolute-uri', why: `"${line.target}" is not an absolute http:// URI: this is a proxy (set http_proxy, or curl -x)` };
  }
  const framing = requestFraming(head.fields, line.version);
  if (framing.kind === 'bad') return framing;
  const http10 = line.version === 'HTTP/1.0';
  return {
    kind: 'forward', method: line.method, target: line.target, version: line.version,
    host: m[2] ?? m[3] ?? '', port: m[4] ? Number(m[4]) : 80, authority: m[1] ?? '',
    path: m[5] || (line.method === 'OPTIONS' ? '*' : '/'),
    framing, http10, last: http10 || connectionTokens(head.fields).includes('close'),
  };
}

/**
 * The head sent upstream: origin form, the Host field replaced by the target URI's authority
 * (RFC 9112 §3.2.2), hop-by-hop fields dropped, and `Connection: close` when the client's
 * connection ends after this request.
 */
export function originHead(req: ForwardRequest, head: Head): Buffer {
  return emitHead(`${req.method} ${req.path} ${req.version}`, head.fields, {
    first: `Host: ${req.authority}`, drop: 'host', ...(req.last && !req.http10 ? { last: 'Connection: close' } : {}),
  });
}
