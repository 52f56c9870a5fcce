/**
 * What resolving a routed OPEN's target gives the bridge (src/proxy/route-resolve.ts computes it):
 * here, beside the bridge, so that the bridge needs nothing from the proxy folder.
 */
import type { AbortReason } from '../protocol/index.js';

export type RouteResolution =
  /** IP literals to dial, in order (the next one when a dial fails). */
  | { ok: true; addresses: string[] }
  | { ok: false; reason: AbortReason; why: string };
