/**
 * HTTP/1.x message heads for the HTTP proxy, RFC 9112: the start line and header
 * fields, parsed only as far as the proxy needs them (the destination, the body's framing, the
 * hop-by-hop fields), and re-emitted from the received lines, byte for byte, minus what a proxy
 * must drop. Strict where leniency lets two parsers disagree about where a message ends
 * (request smuggling): no obs-fold, no whitespace before a colon, no bare CR or LF, no
 * Transfer-Encoding with Content-Length, one Content-Length value, no Connection field naming a
 * field that frames the message (docs/protocol.md §13.2). Pure.
 */

/** A head larger than this is refused (431) or, from upstream, a 502: node:http allows 16 KiB. */
export const MAX_HEAD = 64 * 1024;

/** RFC 9110 §7.6.1 hop-by-hop fields, and the proxy's own: never forwarded. Transfer-Encoding is forwarded: the body passes through as it was framed. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'upgrade']);

/** RFC 9110 §5.1 field-name `token`, then the value without its surrounding whitespace. */
const FIELD = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+):[ \t]*(.*?)[ \t]*$/;
/** Control characters other than HTAB: never in a field value (RFC 9110 §5.5). */
const CTL = /[\0-\x08\n-\x1f\x7f]/;
const METHOD = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** RFC 9112 §3.2: a request-target is visible ASCII; anything else is refused rather than passed on. */
const TARGET = /^[\x21-\x7e]+$/;
/**
 * Fields that say where a message ends or where it goes. The proxy frames the message by them, so
 * removing one on the way (because Connection names it) would frame it differently at the far
 * end: such a message is refused. Host is replaced by the proxy itself (RFC 9112 §3.2.2).
 */
const FRAMING = new Set(['content-length', 'transfer-encoding', 'host']);
const STATUS_LINE = /^HTTP\/1\.[01] ([1-9]\d\d)(?: [^\0-\x08\n-\x1f\x7f]*)?$/;

export interface Field {
  /** The name in lower case. */
  name: string;
  value: string;
  /** The line as received (latin1), for re-emitting it unchanged. */
  line: string;
}

export interface Head {
  /** The start line as received. */
  start: string;
  fields: Field[];
  /** Bytes the head took in the buffer: leading empty lines, the lines, the final CRLF CRLF. */
  size: number;
}

/** Why a head is refused (a request: 400, or 431 for `too-large`; a response: 502), with its text. */
export type HeadProblemCode =
  | 'too-large' | 'bare-cr-lf' | 'obs-fold' | 'malformed-field' | 'control-character'
  | 'malformed-request-line' | 'bad-target' | 'unsupported-version'
  | 'connection-names-framing' | 'empty-transfer-encoding' | 'underscored-framing-field'
  | 'invalid-content-length' | 'content-lengths-disagree' | 'length-and-chunked'
  | 'transfer-encoding-in-http10' | 'chunked-not-last';

export interface HeadProblem {
  kind: 'bad';
  code: HeadProblemCode;
  why: string;
}

export type HeadResult = { kind: 'more' } | HeadProblem | { kind: 'head'; head: Head };

const bad = (code: HeadProblemCode, why: string): HeadProblem => ({ kind: 'bad', code, why });

const MORE: HeadResult = { kind: 'more' };

/** The head at the start of `buf`, if it is all there. */
export function parseHead(buf: Buffer): HeadResult {
  // RFC 9112 §2.2: empty lines before a request line are ignored (some clients send a CRLF after a body).
  let from = 0;
  while (buf[from] === 13 && buf[from + 1] === 10) from += 2;
  const end = buf.indexOf('\r\n\r\n', from);
  if (end < 0 || end - from > MAX_HEAD) {
    return buf.length - from > MAX_HEAD ? bad('too-large', `a header section larger than ${MAX_HEAD / 1024} KiB`) : MORE;
  }
  const lines = buf.toString('latin1', from, end).split('\r\n');
  const start = lines[0] ?? '';
  if (start.includes('\n') || start.includes('\r')) return bad('bare-cr-lf', 'a bare CR or LF in the start line');
  const fields: Field[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const m = FIELD.exec(line);
    if (!m) {
      if (line[0] === ' ' || line[0] === '\t') return bad('obs-fold', 'a folded header line (obs-fold)');
      // A bare CR or LF inside a field line shows up here too: the line splits only at CRLF.
      return bad(/[\r\n]/.test(line) ? 'bare-cr-lf' : 'malformed-field', `a malformed header line "${printable(line)}"`);
    }
    const value = m[2] ?? '';
    if (CTL.test(value)) return bad('control-character', `a control character in header ${m[1] ?? ''}`);
    fields.push({ name: (m[1] ?? '').toLowerCase(), value, line });
  }
  return { kind: 'head', head: { start, fields, size: end + 4 } };
}

export interface RequestLine {
  kind: 'request';
  method: string;
  target: string;
  /** `HTTP/1.0` or `HTTP/1.1`. */
  version: string;
}

export function parseRequestLine(start: string): RequestLine | HeadProblem {
  const parts = start.split(' ');
  const [method = '', target = '', version = ''] = parts;
  if (parts.length !== 3 || !METHOD.test(method) || target === '') return bad('malformed-request-line', `a malformed request line "${printable(start)}"`);
  if (!TARGET.test(target)) return bad('bad-target', `a request target with a control or non-ASCII character "${printable(target)}"`);
  if (version !== 'HTTP/1.1' && version !== 'HTTP/1.0') return bad('unsupported-version', `unsupported version "${printable(version)}" (HTTP/1.0 and HTTP/1.1 only)`);
  return { kind: 'request', method, target, version };
}

/** The status code of a response's status line, or undefined when it is not one. */
export function parseStatusLine(start: string): number | undefined {
  const m = STATUS_LINE.exec(start);
  return m ? Number(m[1]) : undefined;
}

/** How a message body ends (RFC 9112 §6.3). */
export type Framing = { kind: 'none' } | { kind: 'length'; length: number } | { kind: 'chunked' } | { kind: 'close' };

const NONE: Framing = { kind: 'none' };
const CHUNKED: Framing = { kind: 'chunked' };
const CLOSE: Framing = { kind: 'close' };

/** A request's body framing, or why it cannot be forwarded (400). */
export function requestFraming(fields: readonly Field[], version: string): Framing | HeadProblem {
  const problem = framingFieldProblem(fields);
  if (problem !== undefined) return problem;
  const te = codings(fields);
  const length = contentLength(fields);
  if (typeof length === 'object') return length;
  if (te === undefined) return length === undefined || length === 0 ? NONE : { kind: 'length', length };
  if (version === 'HTTP/1.0') return bad('transfer-encoding-in-http10', 'Transfer-Encoding in an HTTP/1.0 request');
  if (length !== undefined) return bad('length-and-chunked', 'both Transfer-Encoding and Content-Length');
  if (te[te.length - 1] !== 'chunked' || te.indexOf('chunked') !== te.length - 1) return bad('chunked-not-last', `Transfer-Encoding "${te.join(', ')}" does not end with chunked once`);
  return CHUNKED;
}

/**
 * A response's body framing, given the request's method, or why it is malformed (502).
 * A response is held to the same rules as a request: what the client's parser reads must be
 * what the proxy read.
 */
export function responseFraming(fields: readonly Field[], status: number, method: string, version = 'HTTP/1.1'): Framing | HeadProblem {
  const problem = framingFieldProblem(fields);
  if (problem !== undefined) return problem;
  const te = codings(fields);
  const length = contentLength(fields);
  if (typeof length === 'object') return length;
  // RFC 9112 §6.3: both at once "ought to be handled as an error"; forwarded, the client could frame by either.
  if (te !== undefined && length !== undefined) return bad('length-and-chunked', 'both Transfer-Encoding and Content-Length');
  if (te !== undefined && version === 'HTTP/1.0') return bad('transfer-encoding-in-http10', 'Transfer-Encoding in an HTTP/1.0 response');
  if (method === 'HEAD' || status < 200 || status === 204 || status === 304) return NONE;
  if (te !== undefined) return te[te.length - 1] === 'chunked' ? CHUNKED : CLOSE;
  return length === undefined ? CLOSE : length === 0 ? NONE : { kind: 'length', length };
}

/**
 * Why the fields that frame a message cannot be trusted to reach the far end as the proxy read
 * them: a Connection field naming one (a proxy removes what Connection names, RFC 9110 §7.6.1),
 * a Transfer-Encoding without a coding, or a framing field's name spelt with `_` (some servers
 * read `Content_Length` as Content-Length).
 */
function framingFieldProblem(fields: readonly Field[]): HeadProblem | undefined {
  const named = connectionTokens(fields).find((t) => FRAMING.has(t));
  if (named !== undefined) return bad('connection-names-framing', `a Connection field naming ${named}, which frames the message`);
  for (const f of fields) {
    if (f.name === 'transfer-encoding' && !f.value.split(',').some((c) => c.trim() !== '')) return bad('empty-transfer-encoding', 'an empty Transfer-Encoding');
    if (f.name.includes('_') && FRAMING.has(f.name.replace(/_/g, '-'))) return bad('underscored-framing-field', `a field named ${f.name}, which some servers read as ${f.name.replace(/_/g, '-')}`);
  }
  return undefined;
}

/** The lower-case tokens of every Connection field. */
export function connectionTokens(fields: readonly Field[]): string[] {
  const tokens: string[] = [];
  for (const f of fields) {
    if (f.name !== 'connection') continue;
    for (const t of f.value.split(',')) {
      const token = t.trim().toLowerCase();
      if (token) tokens.push(token);
    }
  }
  return tokens;
}

/**
 * The head re-emitted with `start` as its start line, without hop-by-hop fields and the fields
 * Connection names (RFC 9110 §7.6.1), without the field `drop`; `first` and `last` are whole
 * lines put before and after the fields kept.
 */
export function emitHead(start: string, fields: readonly Field[], extra: { first?: string; last?: string; drop?: string } = {}): Buffer {
  const tokens = connectionTokens(fields);
  let text = extra.first === undefined ? `${start}\r\n` : `${start}\r\n${extra.first}\r\n`;
  for (const f of fields) {
    if (HOP_BY_HOP.has(f.name) || f.name === extra.drop || (tokens.length > 0 && tokens.includes(f.name))) continue;
    text += `${f.line}\r\n`;
  }
  if (extra.last !== undefined) text += `${extra.last}\r\n`;
  return Buffer.from(`${text}\r\n`, 'latin1');
}

/** True when emitHead() would drop a field: the head can otherwise pass through as received. */
export function hasHopByHop(fields: readonly Field[]): boolean {
  return fields.some((f) => HOP_BY_HOP.has(f.name));
}

function codings(fields: readonly Field[]): string[] | undefined {
  let out: string[] | undefined;
  for (const f of fields) {
    if (f.name !== 'transfer-encoding') continue;
    for (const c of f.value.split(',')) {
      const coding = c.trim().toLowerCase();
      if (coding) (out ??= []).push(coding);
    }
  }
  return out;
}

/** The Content-Length, undefined when absent, a problem when invalid or contradictory (RFC 9110 §8.6). */
function contentLength(fields: readonly Field[]): number | undefined | HeadProblem {
  let length: number | undefined;
  for (const f of fields) {
    if (f.name !== 'content-length') continue;
    for (const v of f.value.split(',')) {
      const text = v.trim();
      if (!/^\d{1,15}$/.test(text)) return bad('invalid-content-length', `an invalid Content-Length "${printable(f.value)}"`);
      const n = Number(text);
      if (length !== undefined && n !== length) return bad('content-lengths-disagree', 'Content-Length fields that disagree');
      length = n;
    }
  }
  return length;
}

function printable(text: string): string {
  const clean = text.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > 80 ? `${clean.slice(0, 80)}…` : clean;
}
