/**
 * When the mesh is ready and what the summary says (README, "Running a mesh"): every host's
 * first start either came up (its HELLO, then its STATUS or STATUS_WAIT_MS) or failed; later
 * STATUS changes are logged (docs/protocol.md §4.6).
 */
import type { ListenFailure } from '../protocol/index.js';
import type { PlanHost } from '../plan/types.js';
import { describeFailures } from './describe-failures.js';

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

/** What readiness keeps of one host (part of the router's state for it). */
export interface ReadinessOf {
  plan: PlanHost;
  /** The first start's outcome, for the readiness summary. */
  outcome?: { up: true } | { up: false; problem: string };
  /** The agent's last STATUS: what it could not listen on (§4.6). */
  notListening?: ListenFailure[] | undefined;
  statusTimer?: NodeJS.Timeout | undefined;
}

export interface ReadinessOptions {
  log(line: string): void;
  onReady?: ((summary: ReadySummary) => void) | undefined;
}

export class Readiness {
  private readonly startedAt = Date.now();
  private sent = false;

  /** `hosts`: every host of the current plan, in the manifest's order. */
  constructor(private readonly hosts: () => Iterable<ReadinessOf>, private readonly options: ReadinessOptions) {}

  /** Whether the summary went out: from then on changes are logged instead. */
  get ready(): boolean {
    return this.sent;
  }

  /** The host's agent said HELLO; `waitsForStatus` when it will send STATUS. */
  up(host: ReadinessOf, waitsForStatus: boolean): void {
    host.notListening = undefined;
    if (host.outcome !== undefined) return;
    // The readiness summary says what an agent could not listen on: wait for its STATUS, briefly.
    if (!waitsForStatus) return this.settle(host);
    clearTimeout(host.statusTimer);
    host.statusTimer = setTimeout(() => this.settle(host), STATUS_WAIT_MS);
    host.statusTimer.unref();
  }

  /** The host's first start failed, for the reason given (the summary's cell). */
  failed(host: ReadinessOf, problem: string): void {
    host.outcome ??= { up: false, problem };
    this.check();
  }

  /** STATUS (§4.6): before `ready` it goes into the summary; after, a change is logged. */
  status(host: ReadinessOf, failed: ListenFailure[]): void {
    const before = host.notListening;
    host.notListening = failed;
    if (host.outcome === undefined) return this.settle(host);
    if (!this.sent) return;
    if (failed.length) this.options.log(`${host.plan.name}: not listening on ${describeFailures(failed)}`);
    else if (before?.length) this.options.log(`${host.plan.name}: listening on every address again`);
  }

  /** Sends the summary once every host has an outcome (hosts may have left the plan meanwhile). */
  check(): void {
    if (this.sent) return;
    const hosts = [...this.hosts()];
    if (!hosts.every((h) => h.outcome !== undefined)) return;
    this.sent = true;
    this.options.onReady?.({
      elapsedMs: Date.now() - this.startedAt,
      hosts: hosts.map((h) => ({
        host: h.plan,
        up: h.outcome?.up === true,
        ...(h.outcome && !h.outcome.up ? { problem: h.outcome.problem } : {}),
        ...(h.outcome?.up && h.notListening?.length ? { notListening: h.notListening } : {}),
      })),
    });
  }

  /** The host's first start came up: count it for the readiness summary. */
  private settle(host: ReadinessOf): void {
    clearTimeout(host.statusTimer);
    host.statusTimer = undefined;
    if (host.outcome !== undefined) return;
    host.outcome = { up: true };
    this.check();
  }
}
