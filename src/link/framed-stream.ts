/**
 * One framed link over a byte stream pair (docs/protocol.md §2): frames decoded from `input`,
 * frames batched into `output`. Frames queued before the scheduled flush leave together as one
 * corked write, so many small frames cost one write (small writes cost per write, not per byte:
 * docs/benchmarks.md, "History and where the single-stream time goes"). The router's and the
 * agent's end of every link are this class; what they say on it is link-session.ts.
 */
import type { Readable, Writable } from 'node:stream';
import {
  FrameDecoder, FrameEncoder, PROTO_CONTROL, controlPayload, type ControlMessage, type Frame, type FrameHeader, type ProtocolError,
} from '../protocol/index.js';

/**
 * When queued frames are written. `turn`: at the end of the current operation (nextTick), for
 * the router, which forwards what one read of one agent brought and must not hold it back for
 * the other agents' reads. `immediate`: after the event loop's IO phase (setImmediate), or at
 * once past `thresholdBytes`, for the agent, whose many socket reads of one turn then leave as
 * one write.
 */
export type FlushSchedule = { kind: 'turn' } | { kind: 'immediate'; thresholdBytes: number };

/** How the input side ended (once): the stream's own events, or the output failing (EPIPE). */
export type InputEnd =
  | { kind: 'ended' }
  | { kind: 'closed' }
  | { kind: 'failed'; error: Error }
  | { kind: 'output-failed'; error: Error };

export function describeInputEnd(end: InputEnd): string {
  switch (end.kind) {
    case 'ended': return 'input ended';
    case 'closed': return 'input closed';
    case 'failed': return `input failed: ${end.error.message}`;
    case 'output-failed': return `output failed: ${end.error.message}`;
  }
}

export interface FramedStreamHandlers {
  onFrame(frame: Frame): void;
  /** The input is not the protocol (§8.2): the decoder reports once and stops. */
  onError(error: ProtocolError): void;
  /** After the decoder saw the end of the input (a frame cut short is reported first, as an error). */
  onInputEnd(end: InputEnd): void;
  /** The output drained after a write returned false: producers may resume. */
  onDrain?(): void;
  /**
   * Called before each batch is written, with the bytes still waiting in the output: false drops
   * the batch (the caller is closing the link: the router's guard against a peer that stopped reading).
   */
  beforeWrite?(waiting: number): boolean;
}

export interface FramedStreamOptions {
  schedule: FlushSchedule;
  /**
   * What close() does with the input. `pause`: stop reading it, so that a process whose stdin
   * it is may exit (the agent). `drain`: keep reading and discard, so that a peer that goes on
   * writing is not blocked on a full pipe while it is being stopped (the router).
   */
  inputOnClose: 'pause' | 'drain';
  /**
   * The bytes waiting in the output past which it counts as full (blocked, send() false),
   * instead of the output's own high-water mark: process.stdout's is 16 KiB, less than one
   * 64 KiB frame, so every frame the pipe did not take at once would stop the producers and
   * start them again on 'drain' (docs/benchmarks.md, "Mesh: the hot path on the new layout").
   */
  blockAtBytes?: number;
}

export class FramedStream {
  private readonly encoder = new FrameEncoder();
  private readonly decoder: FrameDecoder;
  private scheduled = false;
  private immediate: NodeJS.Immediate | undefined;
  private outputBlocked = false;
  private closed = false;
  private inputDone = false;
  private received = Date.now();
  private taken = Date.now();
  private queued = 0;

  constructor(
    private readonly input: Readable,
    private readonly output: Writable,
    private readonly handlers: FramedStreamHandlers,
    private readonly options: FramedStreamOptions,
  ) {
    this.decoder = new FrameDecoder({ onFrame: (f) => this.handlers.onFrame(f), onError: (e) => this.handlers.onError(e) }, { zeroCopyData: true });
    input.on('data', this.receive);
    input.once('end', () => this.inputEnded({ kind: 'ended' }));
    input.once('close', () => this.inputEnded({ kind: 'closed' }));
    input.once('error', (error: Error) => this.inputEnded({ kind: 'failed', error }));
    output.on('error', this.onOutputError);
    output.on('drain', this.onOutputDrain);
  }

  /** Milliseconds timestamp of the last bytes received (§7: any frame proves the link alive). */
  get lastReceived(): number {
    return this.received;
  }

  /** Bytes queued or written and not yet taken by the output. */
  get backlog(): number {
    return this.output.writableLength + this.encoder.pendingBytes;
  }

  /**
   * Bytes queued since the stream began, frames and headers: with `backlog`, where a frame queued
   * at some point stands in the queue now (src/net/udp-share.ts).
   */
  get queuedBytes(): number {
    return this.queued;
  }

  /** Bytes written and not yet taken by the output (what the peer has not read). */
  get waiting(): number {
    return this.output.writableLength;
  }

  /** How long bytes have waited in the output untaken, at `now`; 0 when none wait. */
  waitingFor(now: number): number {
    return this.output.writableLength > 0 ? now - this.taken : 0;
  }

  /** True while the output is full: stop producing (stop reading local sockets). */
  get blocked(): boolean {
    return this.outputBlocked;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Queues one frame (its payload is `payload` followed by `rest`). Returns false while the
   * output is full: the backpressure signal, which the caller may honour or not.
   */
  send(header: FrameHeader, payload?: Buffer, rest?: readonly Buffer[]): boolean {
    if (this.closed) return false;
    const before = this.encoder.pendingBytes;
    this.encoder.add(header, payload, rest);
    this.queued += this.encoder.pendingBytes - before;
    this.schedule();
    return !this.outputBlocked;
  }

  sendControl(msg: ControlMessage): boolean {
    return this.send(CONTROL_HEADER, controlPayload(msg));
  }

  /** Writes everything queued now, as one corked write. */
  readonly flush = (): void => {
    this.scheduled = false;
    if (this.immediate) clearImmediate(this.immediate);
    this.immediate = undefined;
    const chunks = this.encoder.take();
    if (chunks.length === 0) return;
    const output = this.output;
    if (output.destroyed || output.writableEnded) return;
    // Bytes starting to wait after an idle spell restart the clock of waitingFor().
    if (output.writableLength === 0) this.taken = Date.now();
    if (this.handlers.beforeWrite && !this.handlers.beforeWrite(output.writableLength)) return;
    output.cork();
    const last = chunks.length - 1;
    let ok = true;
    for (let i = 0; i < last; i++) ok = output.write(chunks[i] as Buffer);
    ok = output.write(chunks[last] as Buffer, this.onTaken);
    output.uncork();
    // 'drain' follows every write that returned false, whether or not this counts as blocked.
    if (!ok && output.writableLength >= (this.options.blockAtBytes ?? 0)) this.outputBlocked = true;
  };

  /** Flushes, ends the output and stops decoding the input. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.stopReading();
    if (this.options.inputOnClose === 'pause') {
      this.input.off('data', this.receive);
      this.input.pause();
    }
    if (!this.output.destroyed && !this.output.writableEnded) this.output.end();
  }

  /** Stops decoding: nothing more is delivered; what still arrives is read and discarded. */
  stopReading(): void {
    this.decoder.close();
  }

  private schedule(): void {
    const s = this.options.schedule;
    if (s.kind === 'turn') {
      if (this.scheduled) return;
      this.scheduled = true;
      process.nextTick(this.flush);
      return;
    }
    if (this.encoder.pendingBytes >= s.thresholdBytes) this.flush();
    else this.immediate ??= setImmediate(this.flush);
  }

  private readonly onTaken = (): void => {
    this.taken = Date.now();
  };

  /** Bytes of the input, from its 'data' events or from whoever reads it otherwise (slab-input.ts). */
  readonly receive = (chunk: Buffer): void => {
    this.received = Date.now();
    this.decoder.push(chunk);
  };

  private inputEnded(end: InputEnd): void {
    if (this.inputDone) return;
    this.inputDone = true;
    this.decoder.end();
    this.handlers.onInputEnd(end);
  }

  private readonly onOutputDrain = (): void => {
    if (!this.outputBlocked) return;
    this.outputBlocked = false;
    this.handlers.onDrain?.();
  };

  private readonly onOutputError = (error: Error): void => {
    // EPIPE: the peer is gone; its input closing says so too, whichever comes first.
    this.outputBlocked = false;
    this.inputEnded({ kind: 'output-failed', error });
  };
}

/** Control frames carry zero addresses, ports and flags (docs/protocol.md §4). */
export const CONTROL_HEADER: FrameHeader = { srcIP: 0, srcPort: 0, dstIP: 0, dstPort: 0, proto: PROTO_CONTROL, flags: 0 };
