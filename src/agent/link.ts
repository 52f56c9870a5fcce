/**
 * The agent's end of its link (docs/protocol.md §1): frames decoded from `input`, frames
 * batched into `output` with the pipe's backpressure honoured. Frames queued in one turn of the
 * event loop leave together (one corked write), so many small frames cost one write
 * (small writes cost per write, not per byte: docs/benchmarks.md, "History and where the
 * single-stream time goes").
 */
import type { Readable, Writable } from 'node:stream';
import { FrameDecoder, FrameEncoder, controlPayload, PROTO_CONTROL, type ControlMessage, type Frame, type FrameHeader, type ProtocolError } from '../protocol/index.js';

/** Flush at once past this many queued bytes instead of waiting for the end of the turn. */
const FLUSH_THRESHOLD = 256 * 1024;

export interface LinkHandlers {
  onFrame(frame: Frame): void;
  onError(error: ProtocolError): void;
  /** The input ended or failed: the router is gone (§9). */
  onInputClosed(why: string): void;
  /** The output drained after a write() returned false: resume local reads. */
  onDrain(): void;
}

export class Link {
  private readonly input: Readable;
  private readonly output: Writable;
  private readonly h: LinkHandlers;
  private readonly encoder = new FrameEncoder();
  private readonly decoder: FrameDecoder;
  private scheduled: NodeJS.Immediate | undefined;
  private outputBlocked = false;
  private ended = false;
  private inputDone = false;
  /** Milliseconds timestamp of the last input received (§7 keepalive). */
  lastReceived = Date.now();

  constructor(input: Readable, output: Writable, handlers: LinkHandlers) {
    this.input = input;
    this.output = output;
    this.h = handlers;
    this.decoder = new FrameDecoder({ onFrame: (f) => this.h.onFrame(f), onError: (e) => this.h.onError(e) }, { zeroCopyData: true });
    input.on('data', this.onData);
    input.once('end', () => this.inputClosed('input ended'));
    input.once('close', () => this.inputClosed('input closed'));
    input.once('error', (e: Error) => this.inputClosed(`input failed: ${e.message}`));
    output.on('error', this.onOutputError);
    output.on('drain', this.onOutputDrain);
  }

  /** True while the output pipe is full: stop producing (stop reading local sockets). */
  get blocked(): boolean {
    return this.outputBlocked;
  }

  /** Queues a frame; false while the output pipe is full (stop producing until onDrain). */
  send(header: FrameHeader, payload?: Buffer): boolean {
    if (this.ended) return true;
    this.encoder.add(header, payload);
    if (this.encoder.pendingBytes >= FLUSH_THRESHOLD) this.flush();
    else this.scheduled ??= setImmediate(this.flush);
    return !this.outputBlocked;
  }

  sendControl(msg: ControlMessage): void {
    if (this.ended) return;
    this.encoder.add(CONTROL_FRAME_HEADER, controlPayload(msg));
    this.scheduled ??= setImmediate(this.flush);
  }

  readonly flush = (): void => {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    const chunks = this.encoder.take();
    if (chunks.length === 0 || this.output.destroyed || this.output.writableEnded) return;
    this.output.cork();
    let ok = true;
    for (const c of chunks) ok = this.output.write(c);
    this.output.uncork();
    if (!ok) this.outputBlocked = true;
  };

  /** Flushes, ends the output, and stops decoding. Idempotent. */
  close(): void {
    if (this.ended) return;
    this.flush();
    this.ended = true;
    this.decoder.close();
    this.input.off('data', this.onData);
    if (!this.output.destroyed && !this.output.writableEnded) this.output.end();
    // Let a pipe we no longer read from be freed; the input's 'close' then needs no listener.
    this.input.pause();
  }

  private readonly onData = (chunk: Buffer): void => {
    this.lastReceived = Date.now();
    this.decoder.push(chunk);
  };

  private inputClosed(why: string): void {
    if (this.inputDone) return;
    this.inputDone = true;
    this.decoder.end();
    this.h.onInputClosed(why);
  }

  private readonly onOutputDrain = (): void => {
    if (!this.outputBlocked) return;
    this.outputBlocked = false;
    this.h.onDrain();
  };

  private readonly onOutputError = (e: Error): void => {
    // EPIPE: the router is gone; the input closing reports it.
    this.outputBlocked = false;
    this.inputClosed(`output failed: ${e.message}`);
  };
}

const CONTROL_FRAME_HEADER: FrameHeader = { srcIP: 0, srcPort: 0, dstIP: 0, dstPort: 0, proto: PROTO_CONTROL, flags: 0 };
