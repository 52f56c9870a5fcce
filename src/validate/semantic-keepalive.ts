/**
 * The manifest's `keepalive`. The schema bounds each number; whether the two
 * work together (E317: a timeout of at least two intervals, see MIN_TIMEOUT_INTERVALS) it cannot
 * say, nor that a value left out is the protocol default.
 */
import { MIN_TIMEOUT_INTERVALS, keepaliveFromSeconds, keepaliveProblem } from '../plan/keepalive-args.js';
import type { SemanticContext } from './semantic-context.js';

export function checkKeepalive(ctx: SemanticContext, keepalive: unknown): void {
  if (keepalive === null || typeof keepalive !== 'object' || Array.isArray(keepalive)) return;
  const { interval, timeout } = keepalive as Record<string, unknown>;
  if (interval !== undefined && (typeof interval !== 'number' || !ctx.usable(['keepalive', 'interval']))) return;
  if (timeout !== undefined && (typeof timeout !== 'number' || !ctx.usable(['keepalive', 'timeout']))) return;
  if (interval === undefined && timeout === undefined) return;
  const k = keepaliveFromSeconds(interval, timeout);
  if (keepaliveProblem(k) === undefined) return;
  const seconds = (ms: number) => `${ms / 1000} s`;
  const timeoutText = timeout === undefined ? `the default timeout (${seconds(k.timeoutMs)})` : `keepalive.timeout (${seconds(k.timeoutMs)})`;
  const intervalText = interval === undefined ? `the default interval (${seconds(k.intervalMs)})` : `keepalive.interval (${seconds(k.intervalMs)})`;
  // At a value the user wrote: the timeout unless only the interval was given.
  const message = `${timeoutText} is less than ${MIN_TIMEOUT_INTERVALS} × ${intervalText}: one late ping would end a healthy link;`
    + ` make the timeout at least ${seconds(MIN_TIMEOUT_INTERVALS * k.intervalMs)} or the interval shorter`;
  ctx.report('E317', message, ['keepalive', timeout !== undefined ? 'timeout' : 'interval']);
}
