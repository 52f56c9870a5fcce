/**
 * What both ends of a link say regardless of their role (docs/protocol.md §3, §4.2, §4.5, §7):
 * their HELLO first and the check of the peer's, PING answered with PONG, a PING of their own
 * every interval and the link declared dead after the timeout, GOODBYE before closing on a
 * protocol error. The role (router or agent) adds its checks and messages through hooks.
 *
 * The link's end is data (`LinkEnd`), reported once through `onDown` and never from inside the
 * call that ended it: a caller that closes a link (the switch, on a frame it refuses) is not
 * re-entered by its own close.
 */
import type { Readable, Writable } from 'node:stream';
import {
  PROTO_CONTROL, ProtocolError, checkHello, commonFeatures, decodeControl, isProtocolError,
  type AbortReason, type ControlMessage, type Frame, type Hello,
} from '../protocol/index.js';
import { FramedStream, type FlushSchedule, type InputEnd } from './framed-stream.js';

export type LinkEnd =
  /** The peer's output ended or failed: the link is gone. */
  | { kind: 'input-closed'; input: InputEnd }
  /** The peer broke the protocol; GOODBYE was sent (§8.1). */
  | { kind: 'protocol-error'; error: ProtocolError }
  /** The peer said GOODBYE (§4.5). */
  | { kind: 'goodbye'; reason: AbortReason; message: string }
  /** Nothing received for longer than the keepalive timeout (§7). */
  | { kind: 'silent'; ms: number; limitMs: number }
  /**
   * What was written has waited untaken: the peer stopped reading. `keepalive`: for longer than
   * the keepalive timeout; `backlog`: past a size limit the role set (beforeWrite).
   */
  | { kind: 'not-reading'; by: 'keepalive' | 'backlog'; ms: number; bytes: number }
  /** Ended from this side (stop, reload, restart, a refused frame), for the reason given. */
  | { kind: 'closed'; why: string };

/** Control messages the role handles (the session handles HELLO, PING, PONG, GOODBYE, unknown types). */
export type RoleMessage = Exclude<ReturnType<typeof decodeControl>, ProtocolError | { type: 'hello' | 'ping' | 'pong' | 'goodbye' | 'unknown' }>;

export interface SessionHooks {
  /** The role's own check of the peer's HELLO, after the version and role check (the VIP). */
  checkPeer(peer: Hello): ProtocolError | undefined;
  /** The error for a frame before the peer's HELLO (§3.2), in the role's words. */
  noHello(frame: Frame): ProtocolError;
  onUp(peer: Hello): void;
  /** A TCP frame after the peer's HELLO; an error returned is link-fatal. */
  onFrame(frame: Frame): ProtocolError | undefined;
  /** A control message for the role; an error returned is link-fatal. */
  onControl(msg: RoleMessage): ProtocolError | undefined;
  /** The peer said GOODBYE: the agent logs it and waits for the link to close; the router ends it. */
  onGoodbye(reason: AbortReason, message: string): void;
  /** The output drained after a send returned false. */
  onDrain?(): void;
  /** Before a batch is written, with the bytes still waiting: false drops it (the role closes the link). */
  beforeWrite?(waiting: number): boolean;
  /** The link ended (once, after the call that ended it returned). */
  onDown(end: LinkEnd, wasUp: boolean): void;
}

export interface SessionOptions {
  /** This side's HELLO, sent at start(). */
  hello: Hello;
  schedule: FlushSchedule;
  inputOnClose: 'pause' | 'drain';
  /** See FramedStreamOptions.blockAtBytes. */
  blockAtBytes?: number;
  intervalMs: number;
  timeoutMs: number;
  /** The silence allowed before the peer's HELLO (a command still connecting); timeoutMs when absent. */
  helloTimeoutMs?: number;
  /** Also end the link when written bytes wait untaken longer than the timeout (the router's side). */
  watchOutput?: boolean;
  /** Whether the keepalive timer keeps the process alive. */
  refTimer: boolean;
}

export class LinkSession {
  readonly stream: FramedStream;
  state: 'hello' | 'up' | 'down' = 'hello';
  /** The peer's HELLO, once received. */
  peer: Hello | undefined;
  /** The features both sides announced (§4.7). */
  features = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private nonce = 0n;

  constructor(input: Readable, output: Writable, private readonly options: SessionOptions, private readonly hooks: SessionHooks) {
    this.stream = new FramedStream(input, output, {
      onFrame: (frame) => this.receive(frame),
      onError: (error) => this.fail(error),
      onInputEnd: (input) => this.end({ kind: 'input-closed', input }),
      onDrain: () => hooks.onDrain?.(),
      ...(hooks.beforeWrite ? { beforeWrite: hooks.beforeWrite } : {}),
    }, {
      schedule: options.schedule, inputOnClose: options.inputOnClose,
      ...(options.blockAtBytes !== undefined ? { blockAtBytes: options.blockAtBytes } : {}),
    });
  }

  /** Sends this side's HELLO (§3.1) at once and starts the keepalive. */
  start(): void {
    if (this.state === 'down') return;
    this.stream.sendControl({ type: 'hello', hello: this.options.hello });
    this.stream.flush();
    this.timer = setInterval(() => this.tick(), this.options.intervalMs);
    if (!this.options.refTimer) this.timer.unref();
  }

  /** Sends a control message while the link is not down. */
  sendControl(msg: ControlMessage): boolean {
    if (this.state === 'down') return false;
    return this.stream.sendControl(msg);
  }

  /** A link-fatal error (§8.1): GOODBYE with the reason §3 and §5.6 give, then the link ends. */
  fail(error: ProtocolError): void {
    if (this.state === 'down') return;
    this.stream.sendControl({ type: 'goodbye', reason: goodbyeReason(error), message: error.message });
    this.stream.flush();
    this.end({ kind: 'protocol-error', error });
  }

  /** Ends the session (idempotent): no more frames in, the keepalive stops; the output stays open. */
  end(end: LinkEnd): void {
    if (this.state === 'down') return;
    const wasUp = this.state === 'up';
    this.state = 'down';
    clearInterval(this.timer);
    this.stream.stopReading();
    queueMicrotask(() => this.hooks.onDown(end, wasUp));
  }

  /** Ends the session and closes the stream (flushing what is queued first). */
  close(end: LinkEnd): void {
    this.end(end);
    this.stream.close();
  }

  private receive(frame: Frame): void {
    if (frame.proto !== PROTO_CONTROL) {
      if (this.state !== 'up') return this.fail(this.hooks.noHello(frame));
      const error = this.hooks.onFrame(frame);
      if (error) this.fail(error);
      return;
    }
    const msg = decodeControl(frame.payload);
    if (isProtocolError(msg)) return this.fail(msg);
    // §3.2: HELLO comes first. A GOODBYE is heard all the same: it says why the peer leaves.
    if (this.state !== 'up' && msg.type !== 'hello' && msg.type !== 'goodbye') return this.fail(this.hooks.noHello(frame));
    switch (msg.type) {
      case 'hello': {
        if (this.state !== 'hello') return this.fail(new ProtocolError('bad-control', 'a second HELLO'));
        const bad = checkHello(this.options.hello, msg.hello) ?? this.hooks.checkPeer(msg.hello);
        if (bad) return this.fail(bad);
        this.peer = msg.hello;
        this.features = commonFeatures(this.options.hello, msg.hello);
        this.state = 'up';
        this.hooks.onUp(msg.hello);
        return;
      }
      case 'ping':
        this.stream.sendControl({ type: 'pong', nonce: msg.nonce });
        return;
      case 'pong':
      case 'unknown': // §4.7: ignored for forward compatibility
        return;
      case 'goodbye':
        this.hooks.onGoodbye(msg.reason, msg.message);
        return;
      default: {
        const error = this.hooks.onControl(msg);
        if (error) this.fail(error);
      }
    }
  }

  private tick(): void {
    const now = Date.now();
    const silent = now - this.stream.lastReceived;
    const limit = this.state === 'hello' ? this.options.helloTimeoutMs ?? this.options.timeoutMs : this.options.timeoutMs;
    if (silent > limit) return this.close({ kind: 'silent', ms: silent, limitMs: limit });
    if (this.options.watchOutput) {
      // A peer that still writes but has stopped reading (a command that no longer passes its
      // input on) looks alive by its pings: what we wrote has waited too long instead.
      const waiting = this.stream.waitingFor(now);
      if (waiting > limit) return this.close({ kind: 'not-reading', by: 'keepalive', ms: waiting, bytes: this.stream.waiting });
    }
    this.nonce += 1n;
    this.stream.sendControl({ type: 'ping', nonce: this.nonce });
  }
}

/** §3.3: a version mismatch is said as such; every other link-fatal error is `protocol-error` (§8.1). */
function goodbyeReason(error: ProtocolError): AbortReason {
  return error.code === 'version-mismatch' ? 'version-mismatch' : 'protocol-error';
}
