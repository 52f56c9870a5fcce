/**
 * The router's end of one agent's link (docs/protocol.md §3, §4, §7): decodes what the agent
 * writes, checks its HELLO, answers and sends keepalives, and batches outgoing frames into
 * corked writes. Knows nothing about other hosts: frames go up to the switch through `events`.
 */
import {
  FEATURES, FrameDecoder, FrameEncoder, KEEPALIVE_INTERVAL_MS, KEEPALIVE_TIMEOUT_MS, PROTO_CONTROL,
  ProtocolError, checkHello, commonFeatures, controlPayload, decodeControl, ipFromString,
  isProtocolError, makeHello, type ControlMessage, type DiscoveredPort, type Frame, type FrameHeader, type Hello, type ListenFailure,
  type ProtocolErrorCode,
} from '../protocol/index.js';
import type { PlanHost } from '../plan/types.js';
import type { AgentProcess } from './agent-process.js';
import { VERSION } from '../meta/version.js';
import { readMachineFiles, type MachineFiles } from '../dns/same-machine.js';

export interface LinkEvents {
  /** The agent said a valid HELLO: the link may carry TCP frames. */
  onUp(link: HostLink): void;
  /** A TCP frame from an agent that is up. */
  onFrame(link: HostLink, frame: Frame): void;
  /** STATUS (§4.6): the listeners the agent could not open; an empty list when all listen. */
  onStatus(link: HostLink, failed: ListenFailure[]): void;
  /** DISCOVERED (§4.8): every port the agent's host publishes by discovery now. */
  onDiscovered?(link: HostLink, ports: DiscoveredPort[]): void;
  /** The link ended (once): the agent broke the protocol, went silent or its output closed. */
  onDown(link: HostLink, reason: string, wasUp: boolean): void;
}

export interface KeepaliveTiming {
  intervalMs: number;
  timeoutMs: number;
}

export const DEFAULT_KEEPALIVE: KeepaliveTiming = { intervalMs: KEEPALIVE_INTERVAL_MS, timeoutMs: KEEPALIVE_TIMEOUT_MS };

let machineFiles: MachineFiles | undefined | null = null;

/** Read once per router: what its HELLO says about its machine (docs/protocol.md §4.1). */
function routerMachine(): MachineFiles | undefined {
  if (machineFiles === null) machineFiles = readMachineFiles();
  return machineFiles;
}

/** The reason given when the agent's stdout ends: its exit, logged by the router, says more. */
export const OUTPUT_CLOSED = 'its output closed';
/**
 * An OPEN towards a link with more than this queued is refused (`resource-limit`): the agent is
 * not reading, and each new connection would queue up to PRE_OPEN_WINDOW more in the router. A
 * busy agent keeps far less in its pipe: what flows to it is bounded by the credit windows of
 * its live connections, and those are read as fast as its sockets take them.
 */
export const MAX_OPEN_BACKLOG = 16 * 1024 * 1024;
/**
 * A link with more than this waiting for the agent to read, and nothing read for STALLED_MS, is
 * closed (and the agent killed): it bounds the router's memory towards a host that stopped
 * reading long before the keepalive notices. A busy agent still reads every few milliseconds.
 */
export const MAX_LINK_BACKLOG = 64 * 1024 * 1024;
export const STALLED_MS = 2_000;
/** How much of a non-protocol output the error message quotes. */
const FIRST_BYTES = 48;

export class HostLink {
  readonly vip: number;
  features = new Set<string>();
  state: 'hello' | 'up' | 'down' = 'hello';
  private readonly mine: Hello;
  private readonly decoder: FrameDecoder;
  private readonly encoder = new FrameEncoder();
  private flushScheduled = false;
  private lastReceived = Date.now();
  /** When the agent last took bytes from its stdin, or when bytes began to wait there. */
  private lastTaken = Date.now();
  private readonly taken = (): void => {
    this.lastTaken = Date.now();
  };
  private readonly keepalive: NodeJS.Timeout;
  private nonce = 0n;
  /** What the agent wrote before its HELLO, for the error when it is not the protocol. */
  private firstBytes = Buffer.alloc(0);

  constructor(
    readonly host: PlanHost,
    readonly proc: AgentProcess,
    private readonly events: LinkEvents,
    timing: KeepaliveTiming = DEFAULT_KEEPALIVE,
  ) {
    const vip = ipFromString(host.vip);
    if (vip === undefined) throw new Error(`Assertion failed: host ${host.name} has VIP ${host.vip}`);
    this.vip = vip;
    const machine = routerMachine();
    this.mine = { ...makeHello('router', host.vip, VERSION, FEATURES), ...(machine ? { machine } : {}) };
    this.decoder = new FrameDecoder({
      onFrame: (frame) => this.receive(frame),
      onError: (error) => this.fail(error),
    }, { zeroCopyData: true });
    proc.child.stdout.on('data', (chunk: Buffer) => {
      this.lastReceived = Date.now();
      if (this.state === 'hello' && this.firstBytes.length < FIRST_BYTES) {
        this.firstBytes = Buffer.concat([this.firstBytes, chunk.subarray(0, FIRST_BYTES - this.firstBytes.length)]);
      }
      this.decoder.push(chunk);
    });
    proc.child.stdout.on('end', () => {
      this.decoder.end();
      this.down(OUTPUT_CLOSED);
    });
    this.keepalive = setInterval(() => this.tick(timing), timing.intervalMs);
    this.keepalive.unref();
    this.sendControl({ type: 'hello', hello: this.mine });
  }

  /** Queues a frame; frames queued in one turn of the event loop leave as one corked write. */
  send(header: FrameHeader, payload?: Buffer, rest?: readonly Buffer[]): void {
    if (this.state === 'down') return;
    this.encoder.add(header, payload, rest);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      process.nextTick(() => this.flush());
    }
  }

  sendControl(msg: ControlMessage): void {
    this.send(CONTROL_HEADER, controlPayload(msg));
  }

  /** Bytes written to the agent's stdin and not yet taken by the pipe. */
  get backlog(): number {
    return this.proc.child.stdin.writableLength + this.encoder.pendingBytes;
  }

  /** Ends the link from our side: GOODBYE when it is the agent's fault, then close its input. */
  close(reason: string, error?: ProtocolError): void {
    if (error) {
      this.sendControl({ type: 'goodbye', reason: 'protocol-error', message: error.message });
      this.flush();
    }
    this.down(reason);
    this.proc.closeInput();
  }

  private flush(): void {
    this.flushScheduled = false;
    const chunks = this.encoder.take();
    if (chunks.length === 0) return;
    const stdin = this.proc.child.stdin;
    if (stdin.destroyed || stdin.writableEnded) return;
    // Never paused on backpressure: pausing the sender's link would stall its connections to
    // every other host. What is in flight to one agent is bounded by the credit windows of its
    // connections (docs/protocol.md §6) and by the OPENs the router admits (MAX_OPEN_BACKLOG);
    // an agent that has that much waiting and takes nothing for STALLED_MS is not reading.
    // A callback on the last write says when the pipe took it; bytes starting to wait after an
    // idle spell restart the clock.
    const now = Date.now();
    if (stdin.writableLength === 0) this.lastTaken = now;
    else if (stdin.writableLength > MAX_LINK_BACKLOG && now - this.lastTaken > STALLED_MS) {
      this.close(`it has not read its input for ${((now - this.lastTaken) / 1000).toFixed(1)} s with ${(stdin.writableLength / 2 ** 20).toFixed(1)} MiB waiting`);
      this.proc.kill();
      return;
    }
    stdin.cork();
    const last = chunks.length - 1;
    for (let i = 0; i < last; i++) stdin.write(chunks[i] as Buffer);
    stdin.write(chunks[last] as Buffer, this.taken);
    stdin.uncork();
  }

  private receive(frame: Frame): void {
    if (frame.proto !== PROTO_CONTROL) {
      if (this.state !== 'up') return this.protocolError('no-hello', 'the agent sent a TCP frame before its HELLO');
      this.events.onFrame(this, frame);
      return;
    }
    const msg = decodeControl(frame.payload);
    if (isProtocolError(msg)) return this.fail(msg);
    switch (msg.type) {
      case 'hello': {
        if (this.state !== 'hello') return this.protocolError('bad-control', 'a second HELLO');
        const bad = checkHello(this.mine, msg.hello);
        if (bad) return this.fail(bad);
        if (msg.hello.vip !== this.host.vip) {
          return this.protocolError('bad-control', `the agent says it is ${msg.hello.vip}, the manifest says ${this.host.vip}`);
        }
        this.features = commonFeatures(this.mine, msg.hello);
        this.state = 'up';
        this.events.onUp(this);
        return;
      }
      case 'ping':
        this.sendControl({ type: 'pong', nonce: msg.nonce });
        return;
      case 'goodbye':
        this.down(`it said goodbye (${msg.reason}${msg.message ? `: ${msg.message}` : ''})`);
        return;
      case 'status':
        if (this.state === 'up') this.events.onStatus(this, msg.failed);
        return;
      case 'discovered':
        if (this.state === 'up') this.events.onDiscovered?.(this, msg.ports);
        return;
      case 'pong':
      case 'unknown':
        return;
      default:
        return this.protocolError('bad-control', `the agent sent ${msg.type.toUpperCase()}, which only the router sends`);
    }
  }

  private tick(timing: KeepaliveTiming): void {
    const now = Date.now();
    const silent = now - this.lastReceived;
    // Before HELLO the command may still be connecting (ssh, kubectl exec, a bootstrap): a
    // short keepalive chosen for a live link must not kill a slow start.
    const limit = this.state === 'hello' ? Math.max(timing.timeoutMs, KEEPALIVE_TIMEOUT_MS) : timing.timeoutMs;
    // An agent that still writes but has stopped reading (a command that no longer passes its
    // input on) looks alive by its pings: what we wrote has waited too long instead.
    const waiting = this.proc.child.stdin.writableLength > 0 ? now - this.lastTaken : 0;
    if (silent > limit || waiting > limit) {
      const why = silent > limit
        ? `its link was silent for ${(silent / 1000).toFixed(1)} s`
        : `it has not read its input for ${(waiting / 1000).toFixed(1)} s (${this.proc.child.stdin.writableLength} bytes waiting)`;
      this.close(`${why} (keepalive)`);
      this.proc.kill();
      return;
    }
    this.nonce += 1n;
    this.sendControl({ type: 'ping', nonce: this.nonce });
  }

  private protocolError(code: ProtocolErrorCode, message: string): void {
    this.fail(new ProtocolError(code, message));
  }

  private fail(error: ProtocolError): void {
    // Before HELLO the output is most likely not norouter at all: say what it began with.
    const began = this.state === 'hello' && this.firstBytes.length
      ? `; its output began with ${JSON.stringify(this.firstBytes.toString('latin1'))} (is \`${this.host.argv[0] ?? ''}\` starting norouter, with nothing else on its stdout?)`
      : '';
    this.close(`protocol error (${error.code}): ${error.message}${began}`, error);
  }

  private down(reason: string): void {
    if (this.state === 'down') return;
    const wasUp = this.state === 'up';
    this.state = 'down';
    clearInterval(this.keepalive);
    this.decoder.close();
    this.events.onDown(this, reason, wasUp);
  }
}

const CONTROL_HEADER: FrameHeader = { srcIP: 0, srcPort: 0, dstIP: 0, dstPort: 0, proto: PROTO_CONTROL, flags: 0 };
