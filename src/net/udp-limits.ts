/**
 * Bounds on what datagrams may hold (docs/protocol.md §14.4): UDP never gets an unbounded
 * queue, and never delays TCP frames on a link by more than a small, fixed amount.
 */

/**
 * A datagram is dropped rather than queued on a link whose output already holds this much: the
 * TCP frames queued behind it then wait for at most 256 KiB of datagrams, about a millisecond
 * on this kind of machine (docs/benchmarks.md, "UDP").
 */
export const UDP_MAX_BACKLOG = 256 * 1024;
/** A local UDP socket's send queue (bytes the kernel has not taken yet) past which datagrams are dropped. */
export const UDP_MAX_SEND_QUEUE = 1024 * 1024;
/** Datagrams a new flow holds while its target's name resolves and its socket connects. */
export const UDP_MAX_PENDING = 64;
/** Flow ports an initiator picks from (as TCP source ports, §5.8). */
export const FIRST_FLOW_PORT = 1024;
export const LAST_FLOW_PORT = 65535;
/** How often idle flows are looked for: a quarter of the idle time, within these bounds. */
export function sweepEvery(idleMs: number): number {
  return Math.max(10, Math.min(1000, Math.floor(idleMs / 4)));
}
