/**
 * Frame encoding (docs/protocol.md §2). Large payloads are never copied: the encoder returns the
 * header and the payload as separate chunks for a corked/writev write. Small frames are copied into
 * a shared slab so that many of them leave as one chunk: small writes cost per write, not per byte
 * (docs/benchmarks.md, "History and where the single-stream time goes").
 */
import { HEADER_LEN } from './constants.js';
import type { FrameHeader } from './frame.js';

/** Payloads up to this size are copied into the batch slab; larger ones are passed by reference. */
export const COALESCE_MAX_PAYLOAD = 16 * 1024;
/** Slab size: a batch of small frames leaves as chunks of at most this size. */
const SLAB_SIZE = 128 * 1024;

export function writeHeader(target: Buffer, offset: number, h: FrameHeader, payloadLength: number): void {
  target.writeUInt32LE(HEADER_LEN - 4 + payloadLength, offset);
  target.writeUInt32BE(h.srcIP >>> 0, offset + 4);
  target.writeUInt16LE(h.srcPort, offset + 8);
  target.writeUInt32BE(h.dstIP >>> 0, offset + 10);
  target.writeUInt16LE(h.dstPort, offset + 14);
  target.writeUInt16LE(h.proto, offset + 16);
  target.writeUInt16LE(h.flags, offset + 18);
}

/** One frame as one new buffer (copies the payload): for control frames and tests. */
export function encodeFrame(h: FrameHeader, payload: Uint8Array = EMPTY): Buffer {
  const b = Buffer.allocUnsafe(HEADER_LEN + payload.length);
  writeHeader(b, 0, h, payload.length);
  b.set(payload, HEADER_LEN);
  return b;
}

const EMPTY = Buffer.alloc(0);

/**
 * Accumulates frames until `take()`; the caller writes the chunks it returns in order (corked
 * or with writev). Chunks alias the slab and the callers' payloads: neither is reused.
 */
export class FrameEncoder {
  private slab = Buffer.allocUnsafe(SLAB_SIZE);
  private pos = 0;
  private segStart = 0;
  private chunks: Buffer[] = [];
  private bytes = 0;

  /** Bytes queued since the last take(). */
  get pendingBytes(): number {
    return this.bytes;
  }

  /** Queues one frame; its payload is `payload` followed by `rest` (a frame decoded in pieces). */
  add(h: FrameHeader, payload: Buffer = EMPTY, rest?: readonly Buffer[]): void {
    let len = payload.length;
    if (rest) for (const part of rest) len += part.length;
    if (this.slab.length - this.pos < HEADER_LEN) this.newSlab();
    writeHeader(this.slab, this.pos, h, len);
    this.pos += HEADER_LEN;
    this.addBytes(payload);
    if (rest) for (const part of rest) this.addBytes(part);
    this.bytes += HEADER_LEN + len;
  }

  private addBytes(part: Buffer): void {
    if (part.length === 0) return;
    if (part.length <= COALESCE_MAX_PAYLOAD) {
      if (this.slab.length - this.pos < part.length) this.newSlab();
      part.copy(this.slab, this.pos);
      this.pos += part.length;
    } else {
      this.cutSegment();
      this.chunks.push(part);
    }
  }

  /** Everything queued, in order; the encoder starts a new batch. */
  take(): Buffer[] {
    this.cutSegment();
    const out = this.chunks;
    this.chunks = [];
    this.bytes = 0;
    return out;
  }

  private cutSegment(): void {
    if (this.pos > this.segStart) this.chunks.push(this.slab.subarray(this.segStart, this.pos));
    this.segStart = this.pos;
  }

  private newSlab(): void {
    this.cutSegment();
    this.slab = Buffer.allocUnsafe(SLAB_SIZE);
    this.pos = 0;
    this.segStart = 0;
  }
}
