/**
 * Applying a new plan to a running router (`norouter run` on a manifest change, src/watch):
 * hosts added are spawned, hosts removed stopped, hosts whose command or VIP changed restarted,
 * and every other running agent whose configuration changed gets it live over its link
 * (CONFIG): no restart, no connection dropped that need not be (diff-plan.ts says which is which).
 */
import type { Plan } from '../plan/types.js';
import { diffPlans, type PlanDiff } from '../plan/diff-plan.js';
import type { HostLink } from './host-link.js';
import { newState, type HostState } from './host-state.js';

/** What a reload needs of the supervisor. */
export interface Reloadable {
  /** Every host of the current plan, by name, in the manifest's order. */
  readonly hosts: Map<string, HostState>;
  readonly stopping: boolean;
  spawn(state: HostState): void;
  /** Stops the host's agent for good; resolves once it has exited. */
  retire(state: HostState): Promise<void>;
  /** Sends the host's configuration to its running agent (or restarts an agent too old for CONFIG). */
  configure(state: HostState, link: HostLink): void;
  /** Starts a host given up on again. */
  retry(state: HostState, why: string): void;
}

export async function applyPlan(router: Reloadable, current: Plan, next: Plan): Promise<PlanDiff> {
  const diff = diffPlans(current, next);
  const { hosts } = router;
  for (const host of [...diff.unchanged, ...diff.reconfigured.map((r) => r.host)]) {
    const state = hosts.get(host.name);
    if (state) state.plan = host;
  }
  for (const { host } of diff.reconfigured) {
    const state = hosts.get(host.name);
    if (state?.link?.state === 'up') router.configure(state, state.link);
    // The manifest changed for a host given up on: the change may be its fix.
    if (state?.givenUp) router.retry(state, 'its manifest entry changed');
  }
  // Replaced agents must be gone before their successors start: both would listen on the
  // same addresses when they share a network namespace.
  const leaving = [...diff.removed, ...diff.restarted.map((r) => r.host)].map((host) => {
    const state = hosts.get(host.name);
    hosts.delete(host.name);
    return state ? router.retire(state) : Promise.resolve();
  });
  for (const host of diff.added) hosts.set(host.name, newState(host));
  for (const { host } of diff.restarted) hosts.set(host.name, newState(host));
  // Keep the manifest's order for logs and summaries.
  const order = new Map(next.hosts.map((h, i) => [h.name, i]));
  const sorted = [...hosts.entries()].sort(([a], [b]) => (order.get(a) ?? 0) - (order.get(b) ?? 0));
  hosts.clear();
  for (const [name, state] of sorted) hosts.set(name, state);
  await Promise.all(leaving);
  if (router.stopping) return diff;
  for (const host of [...diff.added, ...diff.restarted.map((r) => r.host)]) {
    const state = hosts.get(host.name);
    if (state && !state.proc) router.spawn(state);
  }
  return diff;
}
