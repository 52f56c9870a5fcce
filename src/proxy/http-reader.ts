/**
 * One direction of an HTTP/1.x connection as the proxy reads it: message after message, a head
 * (parsed by http-head.ts) and then its body, followed to its end (http-body.ts). Both directions
 * use it: the client's requests and the upstream's responses. Sans-IO: bytes go in with push(),
 * the driver (http-session.ts) asks for the next head or the next piece of body.
 *
 * A head cut across reads is kept as the pieces that came and joined once, when its end (CRLF
 * CRLF) or the size limit has arrived: joining on every read copied the whole partial head again
 * at each read. Body bytes are never copied: a piece of body is a slice of what was pushed.
 */
import { bodyFor, type Body } from './http-body.js';
import { MAX_HEAD, parseHead, type Framing, type Head, type HeadResult } from './http-head.js';

/**
 * RFC 9112 §2.2 lets a reader skip empty lines before a start line. They are dropped as they
 * arrive (a client sending nothing else would otherwise be held, and joined again at every read,
 * until the head deadline) and count towards the head's size limit.
 */
const TOO_MANY_EMPTY_LINES: HeadResult = { kind: 'bad', code: 'too-large', why: `more than ${MAX_HEAD / 1024} KiB of empty lines before a start line` };

/** Pieces held before they are joined anyway: a client dripping a head byte by byte must not cost an object per byte. */
const MAX_PIECES = 32;

const MORE: HeadResult = { kind: 'more' };

export type BodyPiece = { kind: 'data'; data: Buffer; done: boolean } | { kind: 'bad'; why: string };

export class MessageReader {
  private pieces: Buffer[] = [];
  /** Bytes held, over all pieces. */
  private held = 0;
  /** The first this many bytes held are known to hold no whole head: the search for its end resumes there. */
  private searched = 0;
  private body: Body | undefined;
  /** Bytes of empty lines dropped before the head now being read. */
  private skipped = 0;

  /** Bytes held: a partial head, or what waits while the driver is stalled. */
  get size(): number {
    return this.held;
  }

  /** A body is being followed: the bytes held are its own until it ends. */
  get inBody(): boolean {
    return this.body !== undefined;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.pieces.push(chunk);
    this.held += chunk.length;
  }

  /** The head at the front of the bytes held, if it is all there; it stays held until consume(). */
  head(): HeadResult {
    this.skipEmptyLines();
    if (this.skipped > MAX_HEAD) return TOO_MANY_EMPTY_LINES;
    if (this.held === 0) return MORE;
    if (this.pieces.length > 1) {
      // parseHead() answers other than `more` only once CRLF CRLF or more than MAX_HEAD bytes arrived.
      if (this.held <= MAX_HEAD && this.pieces.length <= MAX_PIECES && !hasHeadEnd(this.pieces, Math.max(0, this.searched - 3))) {
        this.searched = this.held;
        return MORE;
      }
      this.join();
    }
    const r = parseHead(this.pieces[0] ?? Buffer.alloc(0));
    if (r.kind === 'more') this.searched = this.held;
    return r;
  }

  /** Lets the head head() returned go; returns its bytes as received. */
  consume(head: Head): Buffer {
    this.skipped = 0;
    const first = this.pieces[0] ?? Buffer.alloc(0);
    this.drop(head.size);
    return first.subarray(0, head.size);
  }

  /** Follows the body that `framing` announces (none: the next head follows at once). */
  follow(framing: Framing): void {
    this.body = bodyFor(framing);
  }

  /** Stops following the body (one that ends with the connection, when it does). */
  endBody(): void {
    this.body = undefined;
  }

  /** The next piece of the body among the bytes held, up to its end: a slice of them, not a copy. */
  takeBody(): BodyPiece {
    const body = this.body;
    const first = this.pieces[0];
    if (!body || !first) return { kind: 'data', data: Buffer.alloc(0), done: body === undefined };
    const n = body.take(first, 0);
    if (n < 0) return { kind: 'bad', why: body.error ?? '' };
    this.drop(n);
    if (body.done) this.body = undefined;
    return { kind: 'data', data: n === first.length ? first : first.subarray(0, n), done: body.done };
  }

  /** Every byte held, as one buffer, and none held any more. */
  drain(): Buffer {
    this.join();
    const all = this.pieces[0] ?? Buffer.alloc(0);
    this.discard();
    return all;
  }

  /** Drops the bytes held; a body being followed still is. */
  discard(): void {
    this.pieces = [];
    this.held = 0;
    this.searched = 0;
    this.skipped = 0;
  }

  /** Drops the bytes held and the body. */
  reset(): void {
    this.discard();
    this.body = undefined;
  }

  /** Drops whole CR LF pairs at the front of the bytes held (a pair cut across pieces included). */
  private skipEmptyLines(): void {
    for (;;) {
      const first = this.pieces[0];
      if (!first) return;
      let n = 0;
      while (first[n] === 13 && first[n + 1] === 10) n += 2;
      if (n > 0) {
        this.drop(n);
        this.skipped += n;
        continue;
      }
      // A CR ending one piece and the LF starting the next.
      if (first.length === 1 && first[0] === 13 && this.pieces[1]?.[0] === 10) {
        this.drop(1);
        this.drop(1);
        this.skipped += 2;
        continue;
      }
      return;
    }
  }

  private join(): void {
    if (this.pieces.length > 1) this.pieces = [Buffer.concat(this.pieces, this.held)];
  }

  private drop(n: number): void {
    if (n === 0) return;
    const first = this.pieces[0];
    if (!first) return;
    if (n >= first.length) this.pieces.shift();
    else this.pieces[0] = first.subarray(n);
    this.held -= Math.min(n, first.length);
    this.searched = 0;
  }
}

/** Whether CR LF CR LF occurs in the pieces, read as one, at or after byte `from`. */
export function hasHeadEnd(pieces: readonly Buffer[], from: number): boolean {
  // How much of CR LF CR LF the bytes just read end with; a match may span pieces.
  let matched = 0;
  let base = 0;
  for (const piece of pieces) {
    let i = from > base ? from - base : 0;
    base += piece.length;
    while (i < piece.length) {
      if (matched === 0) {
        const cr = piece.indexOf(13, i);
        if (cr < 0) break;
        i = cr;
      }
      const c = piece[i++];
      matched = c === 13 ? (matched === 2 ? 3 : 1) : c === 10 && (matched === 1 || matched === 3) ? matched + 1 : 0;
      if (matched === 4) return true;
    }
  }
  return false;
}
