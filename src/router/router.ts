/**
 * The router: spawns every host's agent, restarts an agent that ends, with backoff, while every
 * other host keeps working, and retires agents (stop, reload). What it does with frames is
 * switch.ts, when the mesh is ready readiness.ts, how a new plan is applied reload.ts. All IO
 * goes through AgentProcess and HostLink; this file decides.
 */
import { FEATURE_CONFIG, FEATURE_STATUS, FEATURE_UDP, type ListenFailure } from '../protocol/index.js';
import type { LinkEnd } from '../link/index.js';
import type { Plan, PlanHost } from '../plan/types.js';
import { AgentProcess, describeEnd, type ProcessEnd } from './agent-process.js';
import { Backoff } from './backoff.js';
import type { ConnLimits } from './conntrack.js';
import { DEFAULT_KEEPALIVE, HostLink, MAX_OPEN_BACKLOG, type KeepaliveTiming } from './host-link.js';
import type { PlanDiff } from '../plan/diff-plan.js';
import { bootstrapPayload } from '../bootstrap/payload.js';
import { diagnoseBootstrap } from '../bootstrap/diagnose.js';
import { escapeControls } from '../terminal/safe-text.js';
import { QUICK_FAILURE_MS } from './start-failures.js';
import { startHint } from './start-hint.js';
import { Watchdog } from './watchdog.js';
import { runShellSession } from '../bootstrap/shell-session.js';
import { runtimeFor } from '../bootstrap/runtime-provider.js';
import { Switch, type ViolationKind } from './switch.js';
import { Readiness, type ReadySummary } from './readiness.js';
import { newState, type HostState } from './host-state.js';
import { applyPlan, type Reloadable } from './reload.js';
import type { Refusal } from './open-policy.js';
import { RouterDiscovery, type DiscoveredEntry } from './discovery.js';

export { STATUS_WAIT_MS, type ReadySummary } from './readiness.js';
import type { Accounting } from '../status/accounting.js';

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
  /** The books `norouter status` reads (src/status/accounting.ts); without it nothing is counted. */
  accounting?: Accounting;
}

export class Router implements Reloadable {
  private plan: Plan;
  readonly hosts = new Map<string, HostState>();
  private readonly switch: Switch;
  private readonly readiness: Readiness;
  stopping = false;
  private readonly watchdog: Watchdog | undefined;
  private readonly acct: Accounting | undefined;
  /** Port discovery: the manifest's plan and what hosts discovered (src/router/discovery.ts). */
  private readonly discovery: RouterDiscovery;

  constructor(plan: Plan, private readonly options: RouterOptions) {
    this.plan = plan;
    this.discovery = new RouterDiscovery(plan, options.log);
    this.acct = options.accounting;
    this.acct?.plan(plan.hosts);
    this.switch = new Switch(plan, { log: options.log, debug: options.debug, limits: options.limits, maxOpenBacklog: MAX_OPEN_BACKLOG, ...(options.accounting ? { accounting: options.accounting } : {}) });
    this.readiness = new Readiness(() => this.hosts.values(), { log: options.log, onReady: options.onReady });
    for (const host of plan.hosts) this.hosts.set(host.name, newState(host));
    this.watchdog = options.watchdog ? new Watchdog() : undefined;
  }

  start(): void {
    for (const state of this.hosts.values()) this.spawn(state);
  }

  /**
   * Applies a new plan (reload.ts): only what changed is touched; running agents whose
   * configuration changed get it live (CONFIG).
   */
  async apply(next: Plan): Promise<PlanDiff> {
    // The manifest's plan, with the ports the discovering hosts reported kept.
    return this.applyPlan(this.discovery.setBase(next));
  }

  /** The ports discovered and published, by host (`norouter status`). */
  discoveredPorts(): Map<string, DiscoveredEntry[]> {
    return this.discovery.entries();
  }

  /** The current plan's `metrics.listen` (run-router.ts moves the metrics there on a reload). */
  get metricsListen(): string | undefined {
    return this.plan.metricsListen;
  }

  /** The ports one host discovered and the mesh publishes, by port. */
  discoveredOf(host: string): DiscoveredEntry[] {
    return this.discovery.of(host);
  }

  private async applyPlan(next: Plan): Promise<PlanDiff> {
    const current = this.plan;
    this.plan = next;
    this.acct?.plan(next.hosts);
    this.switch.setPlan(next);
    const diff = await applyPlan(this, current, next);
    // A host that left or was replaced starts its counts afresh.
    for (const host of [...diff.removed, ...diff.restarted.map((r) => r.host)]) this.switch.forget(host.name);
    return diff;
  }

  /** Starts every host given up on again (SIGHUP): the user says the cause is fixed. */
  retryGivenUp(why: string): void {
    for (const state of this.hosts.values()) if (state.givenUp) this.retry(state, why);
  }

  retry(state: HostState, why: string): void {
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
    this.discovery.close();
    await Promise.all([...this.hosts.values()].map((state) => this.retire(state, graceMs)));
    this.watchdog?.close();
    // Only the first refusal of each kind was logged: say how many there were in all.
    for (const [name, counts] of this.refusals()) {
      this.options.log(`${name}: refused in all: ${[...counts].map(([kind, n]) => `${n} × ${kind}`).join(', ')}`);
    }
    for (const [name, counts] of this.violations()) {
      this.options.log(`${name}: links closed for protocol violations in all: ${[...counts].map(([kind, n]) => `${n} × ${kind}`).join(', ')}`);
    }
    for (const [name, counts] of this.switch.datagramDrops()) {
      this.options.log(`${name}: datagrams dropped in all: ${[...counts].map(([kind, n]) => `${n} × ${kind}`).join(', ')}`);
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
  async retire(state: HostState, graceMs = STOP_GRACE_MS): Promise<void> {
    state.retired = true;
    clearTimeout(state.restartTimer);
    const proc = state.proc;
    if (!proc) return;
    // Closing the link closes the agent's input; before the link (a shell bootstrap) it is closed here.
    if (state.link) state.link.close(this.stopping ? 'norouter is stopping' : `${state.plan.name} is leaving the plan`);
    else proc.closeInput();
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

  spawn(state: HostState): void {
    const { plan } = state;
    this.acct?.starting(plan.name);
    let prefix: Buffer | undefined;
    if (plan.bootstrap) {
      // docs/protocol.md §12: the agent's own code goes first on its stdin. Without it (a router run from
      // source) the host cannot start; retrying would not help.
      try {
        prefix = bootstrapPayload().stream;
      } catch (error) {
        const problem = `cannot bootstrap: ${(error as Error).message}`;
        this.options.log(`${plan.name}: ${problem}. It is not started until the manifest changes for this host, or on SIGHUP`);
        this.readiness.failed(state, problem);
        // Given up on, as a host that fails the same way every time: status says so and why.
        state.givenUp = true;
        this.acct?.givenUp(plan.name, problem);
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
    state.link = new HostLink(plan, { output: proc.child.stdout, input: proc.child.stdin }, {
      onUp: (l) => this.linkUp(state, proc, l),
      onFrame: (l, frame) => this.switch.receive(l, frame),
      onStatus: (l, failed) => this.status(state, l, failed),
      onCounters: (l, counters) => state.link === l && this.acct?.agentCounters(state.plan.name, counters),
      onDiscovered: (l, ports) => {
        if (state.link === l && !this.stopping) this.discovery.offer(state.plan.name, ports, (next) => void this.applyPlan(next));
      },
      onDown: (l, end, wasUp) => this.linkDown(state, proc, l, end, wasUp),
    }, this.options.keepalive ?? this.plan.keepalive ?? DEFAULT_KEEPALIVE);
  }

  private linkUp(state: HostState, proc: AgentProcess, link: HostLink): void {
    this.switch.up(link);
    state.cameUp = true;
    this.acct?.up(state.plan.name);
    // The plan changed while this agent was starting: it runs with the old arguments.
    if (link.host !== state.plan) this.configure(state, link);
    if (this.readiness.ready) this.options.log(`${state.plan.name}: up (${Date.now() - proc.startedAt} ms)`);
    this.readiness.up(state, link.features.has(FEATURE_STATUS));
    this.options.onHostUp?.(state.plan);
  }

  /** STATUS (§4.6) from the host's current link. */
  private status(state: HostState, link: HostLink, failed: ListenFailure[]): void {
    if (state.link !== link) return;
    this.acct?.listening(state.plan.name, failed);
    this.readiness.status(state, failed);
  }

  /** Sends the host's current configuration to its running agent, or restarts an agent too old for CONFIG. */
  configure(state: HostState, link: HostLink): void {
    if (link.features.has(FEATURE_CONFIG)) {
      // docs/protocol.md §14.6: an agent without `udp` refuses the whole CONFIG (and logs why); say what to do.
      const { agent } = state.plan;
      if (!link.features.has(FEATURE_UDP) && [...agent.forwards, ...agent.others].some((p) => p.proto === 'udp')) {
        this.options.log(`${state.plan.name}: its agent is too old for UDP ports and will refuse this configuration: install this norouter version there`);
      }
      link.sendControl({ type: 'config', config: RouterDiscovery.configFor(agent, link.features) });
    } else {
      this.options.log(`${state.plan.name}: its agent cannot take a new configuration live; restarting it`);
      link.close('restarting for a new configuration');
    }
  }

  /**
   * The link ended (its input is closed already: HostLink closes it). Every connection to or
   * from this host is reset on the other side (switch.ts, docs/protocol.md §4.4).
   */
  private linkDown(state: HostState, proc: AgentProcess, link: HostLink, end: LinkEnd, wasUp: boolean): void {
    if (state.link === link) state.link = undefined;
    this.switch.down(link);
    // A link whose output merely ended is reported by the process's exit; any other end (a
    // protocol error, even before HELLO: a login banner, a shell prompt) is said here.
    // The reason may quote the agent (its GOODBYE, its HELLO, its first bytes): one line, escaped.
    if (!state.retired && end.kind !== 'input-closed') {
      this.options.log(`${state.plan.name}: link ${wasUp ? 'down' : 'failed before HELLO'}: ${escapeControls(link.describe(end, wasUp))}`);
    }
    // Status follows the link, not the process: a process whose link broke may live on for the
    // grace time below. Its exit then says why in full (exited()).
    if (!state.retired && !this.stopping) this.acct?.down(state.plan.name, `link ${wasUp ? 'down' : 'failed before HELLO'}: ${escapeControls(link.describe(end, wasUp))}`);
    // An agent that stopped reading or went silent is not waited for.
    if (end.kind === 'silent' || end.kind === 'not-reading') proc.kill();
    // A link that broke while the process lives on (protocol error, goodbye) is ended here:
    // its input closed, then killed if it has not exited within the grace time (a command such
    // as `kubectl exec` may not pass the end of its input on). The restart follows the exit. A
    // host being retired (stop, reload) gets the same from retire().
    if (state.proc === proc && !state.retired) {
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
    // The summary's cell: the hint says it all when there is one (it names the status).
    this.readiness.failed(state, end.startError ? `${end.startError.message}${why ? `: ${why}` : ''}` : why ?? describeEnd(end, upFor));
    const verdict = state.failures.record(end, upFor, state.cameUp);
    this.acct?.[verdict.giveUp ? 'givenUp' : 'down'](state.plan.name, why ?? describeEnd(end, upFor));
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

  /** Where a host stands: its agent running, a restart pending, given up on, or not started. */
  hostStatus(name: string): 'running' | 'restarting' | 'given-up' | 'stopped' | undefined {
    const state = this.hosts.get(name);
    if (!state) return undefined;
    return state.proc ? 'running' : state.restartTimer ? 'restarting' : state.givenUp ? 'given-up' : 'stopped';
  }

  /** Bytes waiting in the router for a host's agent to read (what status shows). */
  linkBacklog(name: string): number {
    return this.hosts.get(name)?.link?.backlog ?? 0;
  }

  /** Live connections the router is switching (what a soak watches). */
  stats(): { connections: number } {
    return { connections: this.switch.connections };
  }

  /** OPENs refused so far, per host and kind (what `stop` reports). */
  refusals(): Map<string, Map<Refusal['kind'], number>> {
    return this.switch.refusals();
  }

  /** Links closed for frames no correct agent sends, per host and kind. */
  violations(): Map<string, Map<ViolationKind, number>> {
    return this.switch.violations();
  }

  /** Datagrams the router dropped, per sending host and kind (docs/protocol.md §14.5). */
  datagramDrops(): ReturnType<Switch['datagramDrops']> {
    return this.switch.datagramDrops();
  }
}
