/**
 * The manifest's `udp` (flow idle time and cap), both ways, like keepalive-args.ts:
 *
 *   --udp-flows IDLE_MS,MAX_FLOWS
 *
 * A hidden agent flag, written only when the manifest sets `udp`, so the plans of manifests
 * without it are unchanged (the agent then uses UDP_IDLE_MS and UDP_MAX_FLOWS, src/protocol/constants.ts).
 */
import { MAX_UDP_FLOWS } from '../protocol/agent-config-check.js';
import type { Parsed } from './parsed.js';
import type { UdpFlows } from './types.js';

export const UDP_FLOWS_FLAG = '--udp-flows';

export function formatUdpArgs(udp: UdpFlows | undefined): string[] {
  return udp ? [UDP_FLOWS_FLAG, `${udp.idleMs},${udp.maxFlows}`] : [];
}

/** `IDLE_MS,MAX_FLOWS`: two whole numbers (the validator checks their ranges). */
export function parseUdpFlows(text: string): Parsed<UdpFlows> {
  const m = /^([0-9]{1,9}),([0-9]{1,9})$/.exec(text);
  if (!m) return { ok: false, error: `"${text}" is not IDLE_MS,MAX_FLOWS (two whole numbers)` };
  const u: UdpFlows = { idleMs: Number(m[1]), maxFlows: Number(m[2]) };
  if (u.idleMs < 1) return { ok: false, error: 'the idle time must be at least 1 ms' };
  if (u.maxFlows < 1 || u.maxFlows > MAX_UDP_FLOWS) return { ok: false, error: `the flow cap must be 1-${MAX_UDP_FLOWS}` };
  return { ok: true, value: u };
}
