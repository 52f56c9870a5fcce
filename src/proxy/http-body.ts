/**
 * Where an HTTP/1.1 message body ends (RFC 9112 §6, §7.1), for the HTTP proxy: the
 * proxy passes bodies through unchanged and only needs to know which bytes belong to the
 * message, to find the next one on the connection. A chunked body is followed chunk header by
 * chunk header; the chunk data is skipped, never copied. Pure: no buffers kept.
 */
import type { Framing } from './http-head.js';

/** Chunk extensions and trailers are skipped, but not without end. */
const MAX_CHUNK_LINE = 4096;
const MAX_TRAILERS = 64 * 1024;
/** Hex digits in a chunk size: 2^52 bytes, within a double's exact integers. */
const MAX_SIZE_DIGITS = 13;

export interface Body {
  /** The whole body went by. */
  readonly done: boolean;
  /** Set when the framing is broken; take() then returned -1. */
  readonly error: string | undefined;
  /** How many bytes of buf, from `at`, belong to the body (stops at its end); -1 when malformed. */
  take(buf: Buffer, at: number): number;
}

export function bodyFor(framing: Framing): Body | undefined {
  switch (framing.kind) {
    case 'none': return undefined;
    case 'length': return new LengthBody(framing.length);
    case 'chunked': return new ChunkedBody();
    case 'close': return new CloseBody();
  }
}

class LengthBody implements Body {
  readonly error = undefined;
  constructor(private left: number) {}

  get done(): boolean {
    return this.left === 0;
  }

  take(buf: Buffer, at: number): number {
    const n = Math.min(this.left, buf.length - at);
    this.left -= n;
    return n;
  }
}

/** Until the connection closes (a response without a length): done is never set here. */
class CloseBody implements Body {
  readonly done = false;
  readonly error = undefined;
  take(buf: Buffer, at: number): number {
    return buf.length - at;
  }
}

const CR = 13;
const LF = 10;

const enum S { Size, Ext, SizeLf, Data, DataCr, DataLf, Trailer, TrailerLf, Done }

class ChunkedBody implements Body {
  error: string | undefined;
  private s = S.Size;
  private size = 0;
  private digits = 0;
  private line = 0;
  private trailers = 0;

  get done(): boolean {
    return this.s === S.Done;
  }

  take(buf: Buffer, at: number): number {
    let i = at;
    while (i < buf.length && this.s !== S.Done) {
      if (this.s === S.Data) {
        const n = Math.min(this.size, buf.length - i);
        i += n;
        this.size -= n;
        if (this.size === 0) this.s = S.DataCr;
        continue;
      }
      if (!this.step(buf[i] ?? 0)) return -1;
      i++;
    }
    return i - at;
  }

  private fail(why: string): false {
    this.error = `a malformed chunked body: ${why}`;
    return false;
  }

  private step(c: number): boolean {
    switch (this.s) {
      case S.Size: {
        const v = hex(c);
        if (v >= 0) {
          if (++this.digits > MAX_SIZE_DIGITS) return this.fail('a chunk size too large');
          this.size = this.size * 16 + v;
          return true;
        }
        if (this.digits === 0) return this.fail('a chunk without a size');
        if (c === CR) this.s = S.SizeLf;
        else if (c === 0x3b || c === 0x20 || c === 0x09) {
          this.s = S.Ext;
          this.line = 0;
        } else return this.fail('a bad character in a chunk size');
        return true;
      }
      case S.Ext:
        if (c === CR) this.s = S.SizeLf;
        else if (c === LF || ++this.line > MAX_CHUNK_LINE) return this.fail('a bad chunk extension');
        return true;
      case S.SizeLf:
        if (c !== LF) return this.fail('a chunk size line without CRLF');
        this.digits = 0;
        this.line = 0;
        this.s = this.size === 0 ? S.Trailer : S.Data;
        return true;
      case S.DataCr:
        if (c !== CR) return this.fail('chunk data longer than its size');
        this.s = S.DataLf;
        return true;
      case S.DataLf:
        if (c !== LF) return this.fail('chunk data without CRLF');
        this.s = S.Size;
        return true;
      case S.Trailer:
        if (c === CR) this.s = S.TrailerLf;
        else if (c === LF || ++this.trailers > MAX_TRAILERS) return this.fail('a bad trailer section');
        else this.line++;
        return true;
      case S.TrailerLf:
        if (c !== LF) return this.fail('a trailer line without CRLF');
        this.s = this.line === 0 ? S.Done : S.Trailer;
        this.line = 0;
        return true;
      default:
        return true;
    }
  }
}

function hex(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}
