/**
 * What the router lets an agent open: nothing a host is not granted is ever forwarded
 * (docs/reliability.md, "Hostile agent (fake agent speaking the protocol)").
 * The target agent refuses such OPENs too (docs/protocol.md §5.4); refusing them here as well
 * means a hostile agent's OPENs never reach another host at all. Pure: built from the plan.
 */
import { ROUTED_PORT, ipFromString, type FrameHeader } from '../protocol/index.js';
import type { Plan } from '../plan/types.js';

export interface Refusal {
  /** Counted and logged once per kind and host. */
  kind: 'unpublished-port' | 'not-a-route-host' | 'open-flood' | 'not-reading' | 'agent-too-old' | 'connection-limit';
  reason: 'policy' | 'resource-limit';
  text: string;
}

const key = (ip: number, port: number) => ip * 65536 + port;

export class OpenPolicy {
  /** VIP × port of every published port of the plan. */
  private readonly published = new Set<number>();
  /** VIPs of the hosts that some route leaves the mesh at. */
  private readonly vias = new Set<number>();

  constructor(plan: Plan) {
    for (const host of plan.hosts) {
      const vip = ipFromString(host.vip);
      if (vip === undefined) continue;
      for (const f of host.agent.forwards) if (f.proto === 'tcp') this.published.add(key(vip, f.listenPort));
      for (const route of host.agent.routes ?? []) {
        const via = ipFromString(route.via);
        if (via !== undefined) this.vias.add(via);
      }
    }
  }

  /** Why an OPEN to a host that exists may not go there, or undefined when it may. */
  check(open: FrameHeader, dstName: string): Refusal | undefined {
    if (open.dstPort === ROUTED_PORT) {
      if (this.vias.has(open.dstIP)) return undefined;
      return { kind: 'not-a-route-host', reason: 'policy', text: `${dstName} is the via host of no route` };
    }
    if (this.published.has(key(open.dstIP, open.dstPort))) return undefined;
    return { kind: 'unpublished-port', reason: 'policy', text: `${dstName} does not publish port ${open.dstPort}` };
  }
}

/**
 * OPENs a link may send: a burst of OPEN_BURST, refilled at OPEN_RATE per second. Far above what
 * real clients do (the mesh bench opens ~3,500 connections per second), low enough that a flood
 * of OPENs cannot make the other agents dial without end.
 */
export const OPEN_BURST = 20_000;
export const OPEN_RATE = 20_000;

export class OpenBucket {
  private tokens = OPEN_BURST;
  private last = Date.now();

  take(now = Date.now()): boolean {
    this.tokens = Math.min(OPEN_BURST, this.tokens + ((now - this.last) / 1000) * OPEN_RATE);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
