/**
 * The sans-IO frame decoder (docs/protocol.md §2, §8.2). `push(chunk)` emits every complete
 * frame through `onFrame`; a payload lying within one chunk is handed out as a slice of that
 * chunk (no copy), and only a frame spanning chunks is assembled into its own buffer.
 * Memory is bounded by one frame (MAX_FRAME_LEN). Malformed input is reported once through
 * `onError` and the decoder is dead from then on: nothing it could emit later is trustworthy.
 */
import { FLAG_ABORT, FLAG_OPEN, FLAG_OPEN_OK, FLAG_WINDOW, HEADER_LEN, MAX_FRAME_LEN, MIN_LEN, PROTO_TCP } from './constants.js';
import { ProtocolError } from './errors.js';
import { checkFrame, type Frame } from './frame.js';

const EMPTY = Buffer.alloc(0);

export interface DecoderHandlers {
  onFrame(frame: Frame): void;
  onError(error: ProtocolError): void;
}

export interface DecoderOptions {
  /**
   * Hand a data frame that spans input chunks out as slices of those chunks (`payload` plus `rest`)
   * instead of copying it into one buffer. A 64 KiB frame nearly always arrives in two reads, so
   * this saves a 64 KiB allocation and copy per frame on every hop (docs/benchmarks.md, "History
   * and where the single-stream time goes"). For consumers that stream payloads on (router, agent).
   */
  zeroCopyData?: boolean;
}

export class FrameDecoder {
  private readonly handlers: DecoderHandlers;
  /** Header bytes collected so far when a header spans chunks. */
  private readonly hdr = Buffer.allocUnsafe(HEADER_LEN);
  private hdrFill = 0;
  /**
   * The frame whose payload is being assembled across chunks: copied into frame.payload, or
   * (zeroCopyData, data frames) collected as slices in `parts` until `need` bytes are in.
   */
  private partial: { frame: Frame; fill: number; need: number; parts?: Buffer[] } | undefined;
  private state: 'live' | 'dead' = 'live';
  private readonly zeroCopyData: boolean;

  constructor(handlers: DecoderHandlers, options: DecoderOptions = {}) {
    this.handlers = handlers;
    this.zeroCopyData = options.zeroCopyData ?? false;
  }

  /** False after an error or close(): the decoder ignores further input. */
  get live(): boolean {
    return this.state === 'live';
  }

  /** Bytes held for a frame not yet complete (bounded by MAX_FRAME_LEN + 4; slices pin their chunks). */
  get bufferedBytes(): number {
    return this.hdrFill + (this.partial?.fill ?? 0);
  }

  /** Stops the decoder without an error (e.g. the link is being torn down). */
  close(): void {
    this.state = 'dead';
    this.partial = undefined;
  }

  push(chunk: Buffer): void {
    let off = 0;
    const n = chunk.length;
    while (off < n && this.state === 'live') {
      const p = this.partial;
      if (p !== undefined) {
        const take = Math.min(p.need - p.fill, n - off);
        if (p.parts) p.parts.push(chunk.subarray(off, off + take));
        else chunk.copy(p.frame.payload, p.fill, off, off + take);
        p.fill += take;
        off += take;
        if (p.fill === p.need) {
          this.partial = undefined;
          if (p.parts) {
            p.frame.payload = p.parts[0] ?? EMPTY;
            p.frame.rest = p.parts.slice(1);
          }
          this.handlers.onFrame(p.frame);
        }
        continue;
      }
      let src: Buffer;
      let at: number;
      if (this.hdrFill === 0 && n - off >= HEADER_LEN) {
        src = chunk;
        at = off;
        off += HEADER_LEN;
      } else {
        const take = Math.min(HEADER_LEN - this.hdrFill, n - off);
        const before = this.hdrFill;
        chunk.copy(this.hdr, this.hdrFill, off, off + take);
        this.hdrFill += take;
        off += take;
        if (before < 4 && this.hdrFill >= 4) {
          // Reject a bad Len as soon as it is known: a peer that is not speaking our protocol at
          // all (a shell banner, an HTTP request) is reported at once, not after 20 bytes.
          const error = checkLen(this.hdr.readUInt32LE(0));
          if (error) return this.fail(error);
        }
        if (this.hdrFill < HEADER_LEN) break;
        this.hdrFill = 0;
        src = this.hdr;
        at = 0;
      }
      const len = src.readUInt32LE(at);
      const lenError = checkLen(len);
      if (lenError) return this.fail(lenError);
      const frame: Frame = {
        srcIP: src.readUInt32BE(at + 4),
        srcPort: src.readUInt16LE(at + 8),
        dstIP: src.readUInt32BE(at + 10),
        dstPort: src.readUInt16LE(at + 14),
        proto: src.readUInt16LE(at + 16),
        flags: src.readUInt16LE(at + 18),
        payload: EMPTY,
      };
      const payloadLength = len - MIN_LEN;
      const error = checkFrame(frame, payloadLength);
      if (error) return this.fail(error);
      if (n - off >= payloadLength) {
        frame.payload = chunk.subarray(off, off + payloadLength);
        off += payloadLength;
        this.handlers.onFrame(frame);
      } else if (this.zeroCopyData && frame.proto === PROTO_TCP && isDataFlags(frame.flags)) {
        this.partial = { frame, fill: 0, need: payloadLength, parts: [] };
      } else {
        frame.payload = Buffer.allocUnsafe(payloadLength);
        this.partial = { frame, fill: 0, need: payloadLength };
      }
    }
  }

  /** The input ended: a frame cut short is an error (§8.2). */
  end(): void {
    if (this.state !== 'live') return;
    if (this.hdrFill > 0 || this.partial !== undefined) {
      this.fail(new ProtocolError('truncated', `input ended inside a frame (${this.bufferedBytes} bytes of it received)`));
      return;
    }
    this.state = 'dead';
  }

  private fail(error: ProtocolError): void {
    this.state = 'dead';
    this.partial = undefined;
    this.hdrFill = 0;
    this.handlers.onError(error);
  }
}

function checkLen(len: number): ProtocolError | undefined {
  if (len > MAX_FRAME_LEN) return new ProtocolError('frame-too-large', `frame Len ${len} exceeds the maximum ${MAX_FRAME_LEN}`);
  if (len < MIN_LEN) return new ProtocolError('frame-too-short', `frame Len ${len} is below the minimum ${MIN_LEN}`);
  return undefined;
}

/** Data and CLOSE_WRITE frames: the ones whose payload is stream data (§5.3). */
function isDataFlags(flags: number): boolean {
  return (flags & (FLAG_OPEN | FLAG_OPEN_OK | FLAG_WINDOW | FLAG_ABORT)) === 0;
}
