/**
 * The manifest's `keepalive`, both ways, like dns-args.ts for the DNS add-on:
 *
 *   --keepalive INTERVAL_MS,TIMEOUT_MS
 *
 * A hidden agent flag, written only when the manifest sets `keepalive`, so the plans of manifests
 * without it are unchanged. The router takes the same values from Plan.keepalive: both ends of a
 * link detect a stall after the same time (docs/protocol.md §7).
 */
import { KEEPALIVE_INTERVAL_MS, KEEPALIVE_TIMEOUT_MS } from '../protocol/constants.js';
import type { Parsed } from './parsed.js';
import type { Keepalive } from './types.js';

export const KEEPALIVE_FLAG = '--keepalive';

/**
 * The timeout must be at least this many intervals. Each end checks for silence once per interval
 * and its peer pings once per interval, so on a healthy but quiet link the gap between two
 * arrivals is about one interval; with a timeout under two intervals, one late ping (a GC pause, a
 * slow ssh hop, timer drift) would end a healthy link. Two tolerates exactly one; the default is 4.5.
 */
export const MIN_TIMEOUT_INTERVALS = 2;

/** The manifest's seconds (either may be left out: the protocol default) as whole milliseconds. */
export function keepaliveFromSeconds(interval: number | undefined, timeout: number | undefined): Keepalive {
  return {
    intervalMs: interval === undefined ? KEEPALIVE_INTERVAL_MS : Math.round(interval * 1000),
    timeoutMs: timeout === undefined ? KEEPALIVE_TIMEOUT_MS : Math.round(timeout * 1000),
  };
}

/** Why a timing cannot work; undefined when it can. Shared by the manifest check (E317) and the flag. */
export function keepaliveProblem(k: Keepalive): string | undefined {
  if (k.timeoutMs < MIN_TIMEOUT_INTERVALS * k.intervalMs) {
    return `the timeout (${k.timeoutMs / 1000} s) must be at least ${MIN_TIMEOUT_INTERVALS} × the interval (${k.intervalMs / 1000} s), or one late ping ends a healthy link`;
  }
  return undefined;
}

export function formatKeepaliveArgs(keepalive: Keepalive | undefined): string[] {
  return keepalive ? [KEEPALIVE_FLAG, `${keepalive.intervalMs},${keepalive.timeoutMs}`] : [];
}

/** `INTERVAL_MS,TIMEOUT_MS`: two whole numbers of milliseconds. */
export function parseKeepalive(text: string): Parsed<Keepalive> {
  const m = /^([0-9]{1,9}),([0-9]{1,9})$/.exec(text);
  if (!m) return { ok: false, error: `"${text}" is not INTERVAL_MS,TIMEOUT_MS (two whole numbers of milliseconds)` };
  const k: Keepalive = { intervalMs: Number(m[1]), timeoutMs: Number(m[2]) };
  if (k.intervalMs < 1) return { ok: false, error: 'the interval must be at least 1 ms' };
  const problem = keepaliveProblem(k);
  return problem === undefined ? { ok: true, value: k } : { ok: false, error: problem };
}
