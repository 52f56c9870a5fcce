/**
 * The router's end of one agent's link (docs/protocol.md §3, §4, §7): a link session
 * (src/link) over the agent's stdout and stdin, with the router's checks: the VIP its HELLO
 * names, the control messages only an agent sends, the bytes an agent leaves unread. Knows
 * nothing about other hosts: frames go up to the switch through `events`.
 */
import type { Readable, Writable } from 'node:stream';
import {
  FEATURES, KEEPALIVE_INTERVAL_MS, KEEPALIVE_TIMEOUT_MS, PROTO_CONTROL, ProtocolError, ipFromString, makeHello,
  type AgentCounters, type ControlMessage, type DiscoveredPort, type Frame, type FrameHeader, type Hello, type ListenFailure,
} from '../protocol/index.js';
import { LinkSession, type LinkEnd, type RoleMessage } from '../link/index.js';
import type { PlanHost } from '../plan/types.js';
import { VERSION } from '../meta/version.js';
import { readMachineFiles, type MachineFiles } from '../dns/same-machine.js';
import type { SwitchLink } from './switch.js';

export interface LinkEvents {
  /** The agent said a valid HELLO: the link may carry TCP frames. */
  onUp(link: HostLink): void;
  /** A TCP frame from an agent that is up. */
  onFrame(link: HostLink, frame: Frame): void;
  /** STATUS (§4.6): the listeners the agent could not open; an empty list when all listen. */
  onStatus(link: HostLink, failed: ListenFailure[]): void;
  /** COUNTERS (§4.8): what only the agent counts, cumulative since it started. */
  onCounters?(link: HostLink, counters: AgentCounters): void;
  /** DISCOVERED (§4.9): every port the agent's host publishes by discovery now. */
  onDiscovered?(link: HostLink, ports: (DiscoveredPort & { proto?: 'udp' })[]): void;
  /** The link ended (once, never from inside the call that ended it). */
  onDown(link: HostLink, end: LinkEnd, wasUp: boolean): void;
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

/** The agent's end of the link, seen from the router: its stdout and its stdin. */
export interface AgentStreams {
  output: Readable;
  input: Writable;
}

export class HostLink implements SwitchLink {
  readonly vip: number;
  private readonly session: LinkSession;
  /** What the agent wrote before its HELLO, for the error when it is not the protocol. */
  private firstBytes = Buffer.alloc(0);

  constructor(
    readonly host: PlanHost,
    streams: AgentStreams,
    private readonly events: LinkEvents,
    timing: KeepaliveTiming = DEFAULT_KEEPALIVE,
  ) {
    const vip = ipFromString(host.vip);
    if (vip === undefined) throw new Error(`Assertion failed: host ${host.name} has VIP ${host.vip}`);
    this.vip = vip;
    const machine = routerMachine();
    const mine: Hello = { ...makeHello('router', host.vip, VERSION, FEATURES), ...(machine ? { machine } : {}) };
    // Registered before the session's decoder: the error for a chunk quotes that chunk too.
    const capture = (chunk: Buffer): void => {
      if (this.session.state !== 'hello' || this.firstBytes.length >= FIRST_BYTES) {
        streams.output.off('data', capture);
        return;
      }
      this.firstBytes = Buffer.concat([this.firstBytes, chunk.subarray(0, FIRST_BYTES - this.firstBytes.length)]);
    };
    streams.output.on('data', capture);
    this.session = new LinkSession(streams.output, streams.input, {
      hello: mine,
      // Frames one agent's read brings leave for the others at the end of this turn, not after
      // the next turn's reads of every other link.
      schedule: { kind: 'turn' },
      inputOnClose: 'drain',
      intervalMs: timing.intervalMs,
      timeoutMs: timing.timeoutMs,
      // Before HELLO the command may still be connecting (ssh, kubectl exec, a bootstrap): a
      // short keepalive chosen for a live link must not kill a slow start.
      helloTimeoutMs: Math.max(timing.timeoutMs, KEEPALIVE_TIMEOUT_MS),
      watchOutput: true,
      refTimer: false,
    }, {
      checkPeer: (peer) => peer.vip === host.vip
        ? undefined
        : new ProtocolError('bad-control', `the agent says it is ${peer.vip}, the manifest says ${host.vip}`),
      noHello: (frame) => new ProtocolError('no-hello', frame.proto === PROTO_CONTROL ? 'the agent sent a control frame before its HELLO' : 'the agent sent a TCP frame before its HELLO'),
      onUp: () => events.onUp(this),
      onFrame: (frame) => {
        events.onFrame(this, frame);
        return undefined;
      },
      onControl: (msg) => this.control(msg),
      onGoodbye: (reason, message) => this.session.close({ kind: 'goodbye', reason, message }),
      beforeWrite: (waiting) => this.guard(waiting),
      onDown: (end, wasUp) => {
        this.session.stream.close();
        events.onDown(this, end, wasUp);
      },
    });
    this.session.start();
  }

  get state(): 'hello' | 'up' | 'down' {
    return this.session.state;
  }

  get isUp(): boolean {
    return this.session.state === 'up';
  }

  get name(): string {
    return this.host.name;
  }

  /** The features both ends announced (§4.7). */
  get features(): Set<string> {
    return this.session.features;
  }

  /**
   * Queues a frame; frames queued in one turn of the event loop leave as one corked write.
   * Never paused on backpressure: pausing the sender's link would stall its connections to
   * every other host. What is in flight to one agent is bounded by the credit windows of its
   * connections (docs/protocol.md §6) and by the OPENs the router admits (MAX_OPEN_BACKLOG);
   * an agent that has that much waiting and takes nothing for STALLED_MS is not reading (guard).
   */
  send(header: FrameHeader, payload?: Buffer, rest?: readonly Buffer[]): boolean {
    if (this.session.state === 'down') return false;
    return this.session.stream.send(header, payload, rest);
  }

  sendControl(msg: ControlMessage): boolean {
    return this.session.sendControl(msg);
  }

  /** Bytes queued for the agent and not yet taken by its stdin's pipe. */
  get backlog(): number {
    return this.session.stream.backlog;
  }

  get queuedBytes(): number {
    return this.session.stream.queuedBytes;
  }

  /** Ends the link from our side, for the reason given, and closes the agent's input. */
  close(why: string): void {
    this.session.close({ kind: 'closed', why });
  }

  /** Ends the link for the agent's fault (§8.1): GOODBYE `protocol-error`, then its input closes. */
  fail(error: ProtocolError): void {
    this.session.fail(error);
  }

  /** Why the link ended, in one line for the router's log (it may quote the agent: escape it). */
  describe(end: LinkEnd, wasUp: boolean): string {
    switch (end.kind) {
      case 'input-closed': return 'its output closed';
      case 'closed': return end.why;
      case 'goodbye': return `it said goodbye (${end.reason}${end.message ? `: ${end.message}` : ''})`;
      case 'silent': return `its link was silent for ${(end.ms / 1000).toFixed(1)} s (keepalive)`;
      case 'not-reading': return end.by === 'keepalive'
        ? `it has not read its input for ${(end.ms / 1000).toFixed(1)} s (${end.bytes} bytes waiting) (keepalive)`
        : `it has not read its input for ${(end.ms / 1000).toFixed(1)} s with ${(end.bytes / 2 ** 20).toFixed(1)} MiB waiting`;
      case 'protocol-error': {
        // Before HELLO the output is most likely not norouter at all: say what it began with.
        const began = !wasUp && this.firstBytes.length
          ? `; its output began with ${JSON.stringify(this.firstBytes.toString('latin1'))} (is \`${this.host.argv[0] ?? ''}\` starting norouter, with nothing else on its stdout?)`
          : '';
        return `protocol error (${end.error.code}): ${end.error.message}${began}`;
      }
    }
  }

  private control(msg: RoleMessage): ProtocolError | undefined {
    if (msg.type === 'status') {
      this.events.onStatus(this, msg.failed);
      return undefined;
    }
    if (msg.type === 'counters') {
      this.events.onCounters?.(this, msg.counters);
      return undefined;
    }
    if (msg.type === 'discovered') {
      // UDP ports (§4.9's `udp`, from an agent that saw this router announce `discover-udp`) tagged as such.
      this.events.onDiscovered?.(this, msg.udp ? [...msg.ports, ...msg.udp.map((p) => ({ ...p, proto: 'udp' as const }))] : msg.ports);
      return undefined;
    }
    return new ProtocolError('bad-control', `the agent sent ${msg.type.toUpperCase()}, which only the router sends`);
  }

  /** A link with too much waiting and nothing taken for STALLED_MS is closed: its agent stopped reading. */
  private guard(waiting: number): boolean {
    if (waiting <= MAX_LINK_BACKLOG) return true;
    const stalled = this.session.stream.waitingFor(Date.now());
    if (stalled <= STALLED_MS) return true;
    this.session.close({ kind: 'not-reading', by: 'backlog', ms: stalled, bytes: waiting });
    return false;
  }
}
