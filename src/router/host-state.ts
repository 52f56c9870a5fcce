/** What the router keeps of one host of the plan, across its agent's restarts. */
import type { PlanHost } from '../plan/types.js';
import type { AgentProcess } from './agent-process.js';
import { Backoff } from './backoff.js';
import type { HostLink } from './host-link.js';
import type { ReadinessOf } from './readiness.js';
import { StartFailures } from './start-failures.js';

export interface HostState extends ReadinessOf {
  plan: PlanHost;
  proc?: AgentProcess | undefined;
  link?: HostLink | undefined;
  backoff: Backoff;
  restartTimer?: NodeJS.Timeout | undefined;
  /** Set when the host left the plan or is being replaced: it is never restarted. */
  retired: boolean;
  /** Identical quick start failures in a row (start-failures.ts). */
  failures: StartFailures;
  /** Whether the current run said HELLO. */
  cameUp: boolean;
  /** Not restarted until the manifest changes for this host, or SIGHUP (retryGivenUp). */
  givenUp: boolean;
  /** Why the shell route gave up on this start (docs/protocol.md §12.1), when the router knows better than the exit. */
  bootstrapProblem?: string | undefined;
}

export function newState(plan: PlanHost): HostState {
  return { plan, backoff: new Backoff(), retired: false, failures: new StartFailures(), cameUp: false, givenUp: false };
}
