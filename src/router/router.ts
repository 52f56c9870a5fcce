/**
 * The router: spawns every host's agent, switches TCP frames between their links by DstIP
 * (docs/protocol.md §5.7), restarts an agent that ends, with backoff, while every other host
 * keeps working, and applies a new plan live (only what changed is touched: diff-plan.ts). All IO
 * goes through AgentProcess and HostLink; this file decides.
 */
import {
  FEATURE_CONFIG, FEATURE_PEER_DOWN, FEATURE_ROUTE, FEATURE_STATUS, FLAG_ABORT, FLAG_FROM_ACCEPTOR, ROUTED_PORT, abortPayload, abortReply, ipFromString, ipToString, payloadLength, tcpKind,
  type Frame, type ListenFailure,
} from '../protocol/index.js';
import type { Plan, PlanHost } from '../plan/types.js';
import { AgentProcess, describeEnd, type ProcessEnd } from './agent-process.js';
import { Backoff } from './backoff.js';
import { ConnTrack, MAX_CONNECTIONS_PER_PEER, type ConnLimits } from './conntrack.js';
import { DEFAULT_KEEPALIVE, HostLink, MAX_OPEN_BACKLOG, OUTPUT_CLOSED, type KeepaliveTiming } from './host-link.js';
import { diffPlans, type PlanDiff } from '../plan/diff-plan.js';
import { OPEN_RATE, OpenBucket, OpenPolicy, type Refusal } from './open-policy.js';
import { bootstrapPayload } from '../bootstrap/payload.js';
import { describeFailures } from './describe-failures.js';
import { diagnoseBootstrap } from '../bootstrap/diagnose.js';
import { escapeControls } from '../terminal/safe-text.js';
import { QUICK_FAILURE_MS, StartFailures } from './start-failures.js';
import { startHint } from './start-hint.js';
import { Watchdog } from './watchdog.js';
import { runShellSession } from '../bootstrap/shell-session.js';
import { runtimeFor } from '../bootstrap/runtime-provider.js';
import { RouterDiscovery, type DiscoveredEntry } from './discovery.js';

/** How long an agent gets to exit after its stdin closed before it is killed (README, "Running a mesh"). */
export const STOP_GRACE_MS = 3_000;

export interface RouterOptions {
  /** Router messages (not agent output). */
  log(line: string): void;
  /** One line of an agent's stderr. */
  agentLog(host: string, line: string): void;
  /** Frame-level tracing (`--debug`). */
  debug?: (line: string) => void;
  /** Overrides the plan's keepalive (and the protocol's default) for the router's side of each link. */
  keepalive?: KeepaliveTiming;
  /** Limits on what one host may hold open (tests lower them). */
  limits?: Partial<ConnLimits>;
  /** Called once, when every host has either said HELLO or failed its first start. */
  onReady?(summary: ReadySummary): void;
  /** Called every time an agent says HELLO (tests and benchmarks wait on it). */
  onHostUp?(host: PlanHost): void;
  /**
   * Starts a watchdog process (watchdog.ts) that ends every agent's process group should this
   * process die without stopping them (SIGKILL). `norouter run` sets it.
   */
  watchdog?: boolean;
}

export interface ReadySummary {
  elapsedMs: number;
  /** `notListening`: what an agent that is up could not listen on (STATUS, §4.6). */
  hosts: { host: PlanHost; up: boolean; problem?: string; notListening?: ListenFailure[] }[];
}

/**
 * How long `ready` waits for an agent's STATUS after its HELLO (§4.6): its listeners open in
 * milliseconds; an agent that never says is taken as up.
 */
export const STATUS_WAIT_MS = 3_000;

interface HostState {
  plan: PlanHost;
  proc?: AgentProcess;
  link?: HostLink;
  backoff: Backoff;
  restartTimer?: NodeJS.Timeout;
  /** Set when the host left the plan or is being replaced: it is never restarted. */
  retired: boolean;
  /** The first start's outcome, for the readiness summary. */
  outcome?: { up: true } | { up: false; problem: string };
  /**
   * OPENs refused by the router and frames that cost the sender its link, by kind: the first of
   * each kind is logged, the rest counted (docs/reliability.md, bug 13).
   */
  refused: Map<string, number>;
  opens: OpenBucket;
  /** Identical quick start failures in a row (start-failures.ts). */
  failures: StartFailures;
  /** Whether the current run said HELLO. */
  cameUp: boolean;
  /** Not restarted until the manifest changes for this host, or SIGHUP (retryGivenUp). */
  givenUp: boolean;
  /** The agent's last STATUS: what it could not listen on (§4.6). */
  notListening?: ListenFailure[];
  statusTimer?: NodeJS.Timeout;
  /** Why the shell route gave up on this start (docs/protocol.md §12.1), when the router knows better than the exit. */
  bootstrapProblem?: string;
}

export class Router {
  private plan: Plan;
  private policy: OpenPolicy;
  private readonly hosts = new Map<string, HostState>();
  private readonly byVip = new Map<number, HostState>();
  /** Every VIP of the plan, up or not: tells `host-down` from `unreachable`. */
  private vips = new Set<number>();
  private readonly conns: ConnTrack;
  private readonly startedAt = Date.now();
  private stopping = false;
  private readySent = false;
  private readonly watchdog: Watchdog | undefined;
  /** Port discovery: the manifest's plan and what hosts discovered (src/router/discovery.ts). */
  private readonly discovery: RouterDiscovery;

  constructor(plan: Plan, private readonly options: RouterOptions) {
    this.plan = plan;
    this.discovery = new RouterDiscovery(plan, options.log);
    this.policy = new OpenPolicy(plan);
    this.conns = new ConnTrack({ perPeer: MAX_CONNECTIONS_PER_PEER, ...options.limits });
    for (const host of plan.hosts) this.hosts.set(host.name, newState(host));
    this.vips = vipSet(plan);
    this.watchdog = options.watchdog ? new Watchdog() : undefined;
  }

  start(): void {
    for (const state of this.hosts.values()) this.spawn(state);
  }

  /**
   * Applies a new plan: hosts added are spawned, hosts removed stopped, hosts whose
   * command or VIP changed restarted, and every other running agent whose configuration changed
   * gets it live over its link (CONFIG): no restart, no connection dropped that need not be.
   */
  async apply(next: Plan): Promise<PlanDiff> {
    // The manifest's plan, with the ports the discovering hosts reported kept.
    return this.applyPlan(this.discovery.setBase(next));
  }

  /** The ports discovered and published, by host (`norouter status`). */
  discoveredPorts(): Map<string, DiscoveredEntry[]> {
    return this.discovery.entries();
  }

  private async applyPlan(next: Plan): Promise<PlanDiff> {
    const diff = diffPlans(this.plan, next);
    this.plan = next;
    this.policy = new OpenPolicy(next);
    this.vips = vipSet(next);
    for (const host of [...diff.unchanged, ...diff.reconfigured.map((r) => r.host)]) {
      const state = this.hosts.get(host.name);
      if (state) state.plan = host;
    }
    for (const { host } of diff.reconfigured) {
      const state = this.hosts.get(host.name);
      if (state?.link?.state === 'up') this.configure(state, state.link);
      // The manifest changed for a host given up on: the change may be its fix.
      if (state?.givenUp) this.retry(state, 'its manifest entry changed');
    }
    // Replaced agents must be gone before their successors start: both would listen on the
    // same addresses when they share a network namespace.
    const leaving = [...diff.removed, ...diff.restarted.map((r) => r.host)].map((host) => {
      const state = this.hosts.get(host.name);
      this.hosts.delete(host.name);
      return state ? this.retire(state) : Promise.resolve();
    });
    for (const host of diff.added) this.hosts.set(host.name, newState(host));
    for (const { host } of diff.restarted) this.hosts.set(host.name, newState(host));
    // Keep the manifest's order for logs and summaries.
    const order = new Map(next.hosts.map((h, i) => [h.name, i]));
    const sorted = [...this.hosts.entries()].sort(([a], [b]) => (order.get(a) ?? 0) - (order.get(b) ?? 0));
    this.hosts.clear();
    for (const [name, state] of sorted) this.hosts.set(name, state);
    await Promise.all(leaving);
    if (this.stopping) return diff;
    for (const host of [...diff.added, ...diff.restarted.map((r) => r.host)]) {
      const state = this.hosts.get(host.name);
      if (state && !state.proc) this.spawn(state);
    }
    return diff;
  }

  /** Starts every host given up on again (SIGHUP): the user says the cause is fixed. */
  retryGivenUp(why: string): void {
    for (const state of this.hosts.values()) if (state.givenUp) this.retry(state, why);
  }

  private retry(state: HostState, why: string): void {
    if (state.retired || this.stopping || state.proc) return;
    state.givenUp = false;
    state.failures.reset();
    state.backoff = new Backoff();
    this.options.log(`${state.plan.name}: starting again (${why})`);
    this.spawn(state);
  }

  /** Closes every agent's stdin, waits up to STOP_GRACE_MS, then kills what is left. */
  async stop(graceMs = STOP_GRACE_MS): Promise<void> {
    this.stopping = true;
    await Promise.all([...this.hosts.values()].map((state) => this.retire(state, graceMs)));
    this.watchdog?.close();
    // Only the first refusal of each kind was logged: say how many there were in all.
    for (const [name, counts] of this.refusals()) {
      this.options.log(`${name}: refused in all: ${[...counts].map(([kind, n]) => `${n} × ${kind}`).join(', ')}`);
    }
  }

  /** Kills every agent and its process group at once: the last resort of a stop past its deadline. */
  killAll(): void {
    this.stopping = true;
    for (const state of this.hosts.values()) {
      clearTimeout(state.restartTimer);
      state.proc?.kill('SIGKILL');
    }
  }

  /** Stops one host's agent for good: close its input, wait up to the grace time, then kill. */
  private async retire(state: HostState, graceMs = STOP_GRACE_MS): Promise<void> {
    state.retired = true;
    clearTimeout(state.restartTimer);
    const proc = state.proc;
    if (!proc) return;
    state.link?.close(this.stopping ? 'norouter is stopping' : `${state.plan.name} is leaving the plan`);
    proc.closeInput();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      proc.ended.then(() => false),
      new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(true), graceMs); }),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      this.options.log(`${state.plan.name}: did not exit ${graceMs / 1000} s after its input closed; killing it`);
      proc.kill('SIGKILL');
      await proc.ended;
    }
  }

  private spawn(state: HostState): void {
    const { plan } = state;
    let prefix: Buffer | undefined;
    if (plan.bootstrap) {
      // docs/protocol.md §12: the agent's own code goes first on its stdin. Without it (a router run from
      // source) the host cannot start; retrying would not help.
      try {
        prefix = bootstrapPayload().stream;
      } catch (error) {
        const problem = `cannot bootstrap: ${(error as Error).message}`;
        this.options.log(`${plan.name}: ${problem}`);
        state.outcome ??= { up: false, problem };
        this.maybeReady();
        return;
      }
    }
    const shell = plan.bootstrap === 'shell';
    const proc = new AgentProcess(plan.name, plan.argv, (line) => this.options.agentLog(plan.name, line), shell ? undefined : prefix);
    state.proc = proc;
    // The group outlives the command's own exit only until AgentProcess signals it; from then on
    // the watchdog no longer needs it (and must not signal a number the kernel may reuse).
    const pgid = proc.pid;
    if (pgid !== undefined) {
      this.watchdog?.add(pgid);
      void proc.ended.then(() => this.watchdog?.remove(pgid));
    }
    state.cameUp = false;
    state.bootstrapProblem = undefined;
    void proc.ended.then((end) => this.exited(state, proc, end));
    if (!shell || !prefix) return this.attach(state, proc);
    // docs/protocol.md §12.1: the host's shell runs a script first; the link starts when it execs node.
    void runShellSession({
      host: plan.name, stdin: proc.child.stdin, stdout: proc.child.stdout, source: runtimeFor(plan.bootstrapRuntime), agentStream: prefix,
      ...(plan.bootstrapCache !== undefined ? { cacheDir: plan.bootstrapCache } : {}),
      log: (line) => this.options.log(line), abort: () => proc.kill('SIGKILL'),
    }).then((outcome) => {
      if (state.proc !== proc) return;
      if (!outcome.ok) {
        if (outcome.problem) state.bootstrapProblem = outcome.problem;
        return;
      }
      this.attach(state, proc);
      proc.child.stdout.resume();
    }, (error: unknown) => {
      state.bootstrapProblem = `bootstrap failed: ${(error as Error).message}`;
      proc.kill('SIGKILL');
    });
  }

  private attach(state: HostState, proc: AgentProcess): void {
    const { plan } = state;
    state.link = new HostLink(plan, proc, {
      onUp: (l) => this.linkUp(state, l),
      onFrame: (l, frame) => this.switchFrame(state, l, frame),
      onStatus: (l, failed) => this.status(state, l, failed),
      onDiscovered: (l, ports) => {
        const next = state.link === l ? this.discovery.report(state.plan.name, ports) : undefined;
        if (next) void this.applyPlan(next);
      },
      onDown: (l, reason, wasUp) => this.linkDown(state, l, reason, wasUp),
    }, this.options.keepalive ?? this.plan.keepalive ?? DEFAULT_KEEPALIVE);
  }

  private linkUp(state: HostState, link: HostLink): void {
    this.byVip.set(link.vip, state);
    state.cameUp = true;
    // The plan changed while this agent was starting: it runs with the old arguments.
    if (link.host !== state.plan) this.configure(state, link);
    if (this.readySent) this.options.log(`${state.plan.name}: up (${Date.now() - link.proc.startedAt} ms)`);
    state.notListening = undefined;
    this.options.onHostUp?.(state.plan);
    if (state.outcome !== undefined) return;
    // The readiness summary says what an agent could not listen on: wait for its STATUS, briefly.
    if (!link.features.has(FEATURE_STATUS)) return this.settle(state);
    clearTimeout(state.statusTimer);
    state.statusTimer = setTimeout(() => this.settle(state), STATUS_WAIT_MS);
    state.statusTimer.unref();
  }

  /** The host's first start came up: count it for the readiness summary. */
  private settle(state: HostState): void {
    clearTimeout(state.statusTimer);
    state.statusTimer = undefined;
    if (state.outcome !== undefined) return;
    state.outcome = { up: true };
    this.maybeReady();
  }

  /** STATUS (§4.6): before `ready` it goes into the summary; after, a change is logged. */
  private status(state: HostState, link: HostLink, failed: ListenFailure[]): void {
    if (state.link !== link) return;
    const before = state.notListening;
    state.notListening = failed;
    if (state.outcome === undefined) return this.settle(state);
    if (!this.readySent) return;
    if (failed.length) this.options.log(`${state.plan.name}: not listening on ${describeFailures(failed)}`);
    else if (before?.length) this.options.log(`${state.plan.name}: listening on every address again`);
  }

  /** Sends the host's current configuration to its running agent, or restarts an agent too old for CONFIG. */
  private configure(state: HostState, link: HostLink): void {
    if (link.features.has(FEATURE_CONFIG)) {
      link.sendControl({ type: 'config', config: RouterDiscovery.configFor(state.plan.agent, link.features) });
    } else {
      this.options.log(`${state.plan.name}: its agent cannot take a new configuration live; restarting it`);
      link.close('restarting for a new configuration');
    }
  }

  private linkDown(state: HostState, link: HostLink, reason: string, wasUp: boolean): void {
    if (state.link === link) state.link = undefined;
    if (this.byVip.get(link.vip) === state) {
      this.byVip.delete(link.vip);
      this.conns.linkDown(link.vip);
    }
    // A link whose output merely ended is reported by the process's exit; any other reason (a
    // protocol error, even before HELLO: a login banner, a shell prompt) is said here.
    // The reason may quote the agent (its GOODBYE, its HELLO, its first bytes): one line, escaped.
    if (!state.retired && reason !== OUTPUT_CLOSED) this.options.log(`${state.plan.name}: link ${wasUp ? 'down' : 'failed before HELLO'}: ${escapeControls(reason)}`);
    // Every connection to or from this host is reset on the other side (docs/protocol.md §4.4).
    for (const other of this.hosts.values()) {
      if (other !== state && other.link?.state === 'up' && other.link.features.has(FEATURE_PEER_DOWN)) {
        other.link.sendControl({ type: 'peer-down', vip: link.vip });
      }
    }
    // A link that broke while the process lives on (protocol error, keepalive) is ended here:
    // its input closed, then killed if it has not exited within the grace time (a command such
    // as `kubectl exec` may not pass the end of its input on). The restart follows the exit. A
    // host being retired (stop, reload) gets the same from retire().
    if (state.proc === link.proc && !state.retired) {
      const proc = link.proc;
      proc.closeInput();
      const timer = setTimeout(() => {
        if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
        this.options.log(`${state.plan.name}: its link is down and it did not exit within ${STOP_GRACE_MS / 1000} s of its input closing; killing it`);
        proc.kill('SIGKILL');
      }, STOP_GRACE_MS);
      void proc.ended.then(() => clearTimeout(timer));
    }
  }

  private exited(state: HostState, proc: AgentProcess, end: ProcessEnd): void {
    if (state.proc !== proc) return;
    state.link?.close('the agent process ended');
    state.proc = undefined;
    if (state.retired || this.stopping) return;
    const upFor = Date.now() - proc.startedAt;
    const tail = end.startError || end.lastLines.length === 0 ? '' : `; its last lines:\n${end.lastLines.map((l) => `  | ${escapeControls(l)}`).join('\n')}`;
    // What went wrong and how to fix it, naming the host: a bootstrap that failed (no node, too
    // old, no usable directory, another CPU, cut off), a command or norouter not found, not
    // executable. Quotes the host's stderr.
    const bootstrapWhy = state.plan.bootstrap ? state.bootstrapProblem ?? diagnoseBootstrap(state.plan.name, end, state.plan.bootstrap) : undefined;
    const hint = bootstrapWhy ?? startHint(state.plan, end);
    const why = hint === undefined ? undefined : escapeControls(hint);
    this.options.log(`${state.plan.name}: ${end.startError ? '' : 'agent '}${describeEnd(end, upFor)}${why ? `: ${why}` : ''}${tail}`);
    if (state.outcome === undefined) {
      // The summary's cell: the hint says it all when there is one (it names the status).
      state.outcome = { up: false, problem: end.startError ? `${end.startError.message}${why ? `: ${why}` : ''}` : why ?? describeEnd(end, upFor) };
      this.maybeReady();
    }
    const verdict = state.failures.record(end, upFor, state.cameUp);
    if (verdict.giveUp) {
      state.givenUp = true;
      const last = end.lastLines.at(-1);
      this.options.log(`${state.plan.name}: given up after ${verdict.repeated} identical failures, each within ${QUICK_FAILURE_MS / 1000} s of its start (${end.startError ? end.startError.message : `status ${end.code ?? end.signal}${last ? `, "${escapeControls(last)}"` : ''}`}): ${why ?? 'it fails the same way every time; see its last lines above'}. It is not restarted until the manifest changes for this host, or on SIGHUP`);
      return;
    }
    const delay = state.backoff.next(upFor);
    this.options.log(`${state.plan.name}: restarting in ${(delay / 1000).toFixed(delay < 1000 ? 2 : 1)} s`);
    state.restartTimer = setTimeout(() => {
      state.restartTimer = undefined;
      if (!state.retired && !this.stopping) this.spawn(state);
    }, delay);
  }

  private switchFrame(state: HostState, from: HostLink, frame: Frame): void {
    // §5.7: a host speaks only for its own VIP.
    if (frame.srcIP !== from.vip) {
      this.count(state, 'spoofed-source');
      from.close(`protocol error: it sent a frame from ${ipToString(frame.srcIP)}, not its own VIP`);
      return;
    }
    const to = this.byVip.get(frame.dstIP)?.link;
    this.options.debug?.(`${from.host.name} ${describeFrame(frame)} -> ${to?.host.name ?? '(nobody)'}`);
    if (to?.state !== 'up') {
      // Other frames for a host that is not up are dropped: the sender got PEER_DOWN for it (§5.7).
      if (tcpKind(frame.flags) !== 'open') return;
      const known = this.vips.has(frame.dstIP);
      const dst = ipToString(frame.dstIP);
      const reply = abortReply(frame, known ? 'host-down' : 'unreachable', known ? `${dst} is down` : `no host has VIP ${dst}`);
      from.send(reply.header, reply.payload);
      return;
    }
    if (tcpKind(frame.flags) === 'open') {
      const refusal = this.policy.check(frame, to.host.name) ?? this.admit(state, to, frame);
      if (refusal) return this.refuse(state, from, refusal, frame);
    }
    const verdict = this.conns.check(frame);
    switch (verdict.kind) {
      case 'forward':
        // The OPEN check sees only what is queued already: in a burst thousands of OPENs pass
        // before the first of their data arrives, each bringing up to PRE_OPEN_WINDOW. Data of a
        // connection its acceptor has not answered, towards a link past MAX_OPEN_BACKLOG, ends
        // that connection both ways instead, so what the router queues does not depend on timing.
        if (to.backlog > MAX_OPEN_BACKLOG && this.conns.abortOpening(frame)) return this.shed(state, from, to, frame);
        to.send(frame, frame.payload, frame.rest);
        return;
      case 'drop':
        return;
      case 'refuse':
        return this.refuse(state, from, { kind: 'connection-limit', reason: 'resource-limit', text: verdict.text }, frame);
      case 'violation':
        // No correct agent sends this (docs/reliability.md, bug 1): it goes nowhere, and the sender's link closes.
        this.count(state, verdict.error.code);
        from.close(`protocol error (${verdict.error.code}): ${verdict.error.message}`, verdict.error);
        return;
    }
  }

  /** Why an OPEN the plan allows is refused all the same, or undefined when it may go. */
  private admit(state: HostState, to: HostLink, open: Frame): Refusal | undefined {
    if (!state.opens.take()) return { kind: 'open-flood', reason: 'resource-limit', text: `more than ${OPEN_RATE} OPENs per second` };
    // A host that does not read its link gets no new connections: each would queue up to
    // PRE_OPEN_WINDOW more in the router (its live connections are bounded by their windows).
    const queued = to.backlog;
    if (queued > MAX_OPEN_BACKLOG) {
      return { kind: 'not-reading', reason: 'resource-limit', text: `${to.host.name} is not reading its link (${(queued / 2 ** 20).toFixed(1)} MiB queued)` };
    }
    // §13: a routed OPEN goes only to an agent that dials routes; an older one would take it
    // (and every frame of a routed connection) for a malformed frame and drop its link. The
    // refused OPEN's followers are dropped: the router knows no such connection.
    if (!to.features.has(FEATURE_ROUTE) && isRouted(open)) {
      return { kind: 'agent-too-old', reason: 'policy', text: `the agent of ${to.host.name} is too old to dial routes: install this norouter version there` };
    }
    return undefined;
  }

  /** Where a host stands: its agent running, a restart pending, given up on, or not started. */
  hostStatus(name: string): 'running' | 'restarting' | 'given-up' | 'stopped' | undefined {
    const state = this.hosts.get(name);
    if (!state) return undefined;
    return state.proc ? 'running' : state.restartTimer ? 'restarting' : state.givenUp ? 'given-up' : 'stopped';
  }

  /** Live connections the router is switching (what a soak watches). */
  stats(): { connections: number } {
    return { connections: this.conns.size };
  }

  /** OPENs refused so far, per host and kind (what `stop` reports). */
  refusals(): Map<string, Map<string, number>> {
    return new Map([...this.hosts].filter(([, s]) => s.refused.size).map(([name, s]) => [name, new Map(s.refused)]));
  }

  /** Aborts a connection not yet answered, both ways: its acceptor is not reading its link. */
  private shed(state: HostState, from: HostLink, to: HostLink, frame: Frame): void {
    const text = `${to.host.name} is not reading its link (${(to.backlog / 2 ** 20).toFixed(1)} MiB queued)`;
    this.refuse(state, from, { kind: 'not-reading', reason: 'resource-limit', text }, frame);
    const { srcIP, srcPort, dstIP, dstPort, proto } = frame;
    to.send({ srcIP, srcPort, dstIP, dstPort, proto, flags: FLAG_ABORT }, abortPayload('resource-limit', text));
  }

  private refuse(state: HostState, from: HostLink, refusal: Refusal, frame: Frame): void {
    if (this.count(state, refusal.kind) === 1) {
      this.options.log(`${state.plan.name}: refused an OPEN to ${ipToString(frame.dstIP)}:${frame.dstPort}: ${refusal.text} (${refusal.kind}); more of this kind are counted, not logged`);
    }
    const reply = abortReply(frame, refusal.reason, refusal.text);
    from.send(reply.header, reply.payload);
  }

  private count(state: HostState, kind: string): number {
    const n = (state.refused.get(kind) ?? 0) + 1;
    state.refused.set(kind, n);
    return n;
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
        ...(s.outcome?.up && s.notListening?.length ? { notListening: s.notListening } : {}),
      })),
    });
  }
}

function newState(plan: PlanHost): HostState {
  return { plan, backoff: new Backoff(), retired: false, refused: new Map(), opens: new OpenBucket(), failures: new StartFailures(), cameUp: false, givenUp: false };
}

function vipSet(plan: Plan): Set<number> {
  return new Set(plan.hosts.map((h) => ipFromString(h.vip) ?? -1));
}

/** §13: a frame of a routed connection: the acceptor's port is ROUTED_PORT. */
function isRouted(f: Frame): boolean {
  return (f.flags & FLAG_FROM_ACCEPTOR ? f.srcPort : f.dstPort) === ROUTED_PORT;
}

function describeFrame(f: Frame): string {
  return `${ipToString(f.srcIP)}:${f.srcPort} > ${ipToString(f.dstIP)}:${f.dstPort} ${tcpKind(f.flags) ?? '?'} ${payloadLength(f)}B`;
}
