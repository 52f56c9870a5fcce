/**
 * The router: spawns every host's agent, switches TCP frames between their links by DstIP
 * (docs/protocol.md §5.7), and restarts an agent that ends, with backoff, while every other
 * host keeps working. All IO goes through AgentProcess and HostLink; this file decides.
 */
import {
  FEATURE_PEER_DOWN, abortReply, ipFromString, ipToString, tcpKind, type Frame,
} from '../protocol/index.js';
import type { Plan, PlanHost } from '../plan/types.js';
import { AgentProcess, describeEnd, type ProcessEnd } from './agent-process.js';
import { Backoff } from './backoff.js';
import { DEFAULT_KEEPALIVE, HostLink, type KeepaliveTiming } from './host-link.js';

/** How long agents get to exit after their stdin closed before they are killed (issue 3). */
export const STOP_GRACE_MS = 3_000;

export interface RouterOptions {
  /** Router messages (not agent output). */
  log(line: string): void;
  /** One line of an agent's stderr. */
  agentLog(host: string, line: string): void;
  /** Frame-level tracing (`--debug`). */
  debug?: (line: string) => void;
  keepalive?: KeepaliveTiming;
  /** Called once, when every host has either said HELLO or failed its first start. */
  onReady?(summary: ReadySummary): void;
}

export interface ReadySummary {
  elapsedMs: number;
  hosts: { host: PlanHost; up: boolean; problem?: string }[];
}

interface HostState {
  plan: PlanHost;
  proc?: AgentProcess;
  link?: HostLink;
  backoff: Backoff;
  restartTimer?: NodeJS.Timeout;
  /** The first start's outcome, for the readiness summary. */
  outcome?: { up: true } | { up: false; problem: string };
}

export class Router {
  private readonly hosts = new Map<string, HostState>();
  private readonly byVip = new Map<number, HostState>();
  /** Every VIP of the plan, up or not: tells `host-down` from `unreachable`. */
  private readonly vips = new Set<number>();
  private readonly startedAt = Date.now();
  private stopping = false;
  private readySent = false;

  constructor(plan: Plan, private readonly options: RouterOptions) {
    for (const host of plan.hosts) {
      const state: HostState = { plan: host, backoff: new Backoff() };
      this.hosts.set(host.name, state);
      this.vips.add(ipFromString(host.vip) ?? -1);
    }
  }

  start(): void {
    for (const state of this.hosts.values()) this.spawn(state);
  }

  /** Closes every agent's stdin, waits up to STOP_GRACE_MS, then kills what is left. */
  async stop(graceMs = STOP_GRACE_MS): Promise<void> {
    this.stopping = true;
    const ends: Promise<ProcessEnd>[] = [];
    for (const state of this.hosts.values()) {
      clearTimeout(state.restartTimer);
      if (!state.proc) continue;
      ends.push(state.proc.ended);
      state.link?.close('norouter is stopping');
      state.proc.closeInput();
    }
    const all = Promise.all(ends);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      all.then(() => false),
      new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(true), graceMs); }),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      for (const state of this.hosts.values()) {
        if (state.proc?.child.exitCode === null && state.proc.child.signalCode === null) {
          this.options.log(`${state.plan.name}: did not exit ${graceMs / 1000} s after its input closed; killing it`);
          state.proc.kill('SIGKILL');
        }
      }
      await all;
    }
  }

  private spawn(state: HostState): void {
    const { plan } = state;
    const proc = new AgentProcess(plan.name, plan.argv, (line) => this.options.agentLog(plan.name, line));
    state.proc = proc;
    const link = new HostLink(plan, proc, {
      onUp: (l) => this.linkUp(state, l),
      onFrame: (l, frame) => this.switchFrame(l, frame),
      onDown: (l, reason) => this.linkDown(state, l, reason),
    }, this.options.keepalive ?? DEFAULT_KEEPALIVE);
    state.link = link;
    void proc.ended.then((end) => this.exited(state, proc, end));
  }

  private linkUp(state: HostState, link: HostLink): void {
    this.byVip.set(link.vip, state);
    if (state.outcome === undefined) state.outcome = { up: true };
    else this.options.log(`${state.plan.name}: up again`);
    this.maybeReady();
  }

  private linkDown(state: HostState, link: HostLink, reason: string): void {
    if (state.link === link) state.link = undefined;
    if (this.byVip.get(link.vip) === state) this.byVip.delete(link.vip);
    if (!this.stopping) this.options.log(`${state.plan.name}: link down: ${reason}`);
    // Every connection to or from this host is reset on the other side (docs/protocol.md §4.4).
    for (const other of this.hosts.values()) {
      if (other !== state && other.link?.state === 'up' && other.link.features.has(FEATURE_PEER_DOWN)) {
        other.link.sendControl({ type: 'peer-down', vip: link.vip });
      }
    }
    // A link that broke while the process lives on (protocol error, keepalive) is ended here;
    // the restart follows the process's exit.
    if (state.proc === link.proc) link.proc.closeInput();
  }

  private exited(state: HostState, proc: AgentProcess, end: ProcessEnd): void {
    if (state.proc !== proc) return;
    state.link?.close('the agent process ended');
    state.proc = undefined;
    if (this.stopping) return;
    const upFor = Date.now() - proc.startedAt;
    const delay = state.backoff.next(upFor);
    const tail = end.startError || end.lastLines.length === 0 ? '' : `; its last lines:\n${end.lastLines.map((l) => `  | ${l}`).join('\n')}`;
    this.options.log(`${state.plan.name}: agent ${describeEnd(end, upFor)}${tail}`);
    this.options.log(`${state.plan.name}: restarting in ${(delay / 1000).toFixed(delay < 1000 ? 2 : 1)} s`);
    if (state.outcome === undefined) {
      state.outcome = { up: false, problem: end.startError ? end.startError.message : describeEnd(end, upFor) };
      this.maybeReady();
    }
    state.restartTimer = setTimeout(() => {
      state.restartTimer = undefined;
      if (!this.stopping) this.spawn(state);
    }, delay);
  }

  private switchFrame(from: HostLink, frame: Frame): void {
    // §5.7: a host speaks only for its own VIP.
    if (frame.srcIP !== from.vip) {
      from.close(`protocol error: it sent a frame from ${ipToString(frame.srcIP)}, not its own VIP`);
      return;
    }
    const to = this.byVip.get(frame.dstIP)?.link;
    this.options.debug?.(`${from.host.name} ${describeFrame(frame)} -> ${to?.host.name ?? '(nobody)'}`);
    if (to?.state === 'up') {
      to.send(frame, frame.payload);
      return;
    }
    // Other frames for a host that is not up are dropped: the sender got PEER_DOWN for it (§5.7).
    if (tcpKind(frame.flags) !== 'open') return;
    const known = this.vips.has(frame.dstIP);
    const dst = ipToString(frame.dstIP);
    const reply = abortReply(frame, known ? 'host-down' : 'unreachable', known ? `${dst} is down` : `no host has VIP ${dst}`);
    from.send(reply.header, reply.payload);
  }

  private maybeReady(): void {
    if (this.readySent) return;
    const states = [...this.hosts.values()];
    if (!states.every((s) => s.outcome !== undefined)) return;
    this.readySent = true;
    this.options.onReady?.({
      elapsedMs: Date.now() - this.startedAt,
      hosts: states.map((s) => ({
        host: s.plan,
        up: s.outcome?.up === true,
        ...(s.outcome && !s.outcome.up ? { problem: s.outcome.problem } : {}),
      })),
    });
  }
}

function describeFrame(f: Frame): string {
  return `${ipToString(f.srcIP)}:${f.srcPort} > ${ipToString(f.dstIP)}:${f.dstPort} ${tcpKind(f.flags) ?? '?'} ${f.payload.length}B`;
}
