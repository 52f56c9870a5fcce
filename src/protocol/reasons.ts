/**
 * ABORT and GOODBYE reason codes (docs/protocol.md §5.6). Append-only: a code keeps its number
 * and meaning forever; a receiver maps a number it does not know to `unspecified`.
 */
export const ABORT_REASONS = {
  /** No better code; also what an unknown received code is read as. */
  unspecified: 0,
  /** The acceptor's dial was refused (ECONNREFUSED): nothing listens at the forward's target. */
  refused: 1,
  /** No route: the router has no host with DstIP, or the forward's target is unreachable or its name does not resolve. */
  unreachable: 2,
  /** The host with DstIP exists but its agent is down or restarting (the router, or PEER_DOWN). */
  'host-down': 3,
  /** The acceptor's dial timed out, or the link keepalive gave up. */
  timeout: 4,
  /** A local endpoint reset its socket (ECONNRESET, EPIPE) or the socket failed mid-stream. */
  reset: 5,
  /** The peer broke the protocol: in GOODBYE, on the link (it is closed); in ABORT, on that connection (§8.1). */
  'protocol-error': 6,
  /** Refused by configuration: the port is not one of the acceptor's forwards, or a spoofed source. */
  policy: 7,
  /** The sender is shutting down (its input closed, SIGTERM, or a live reload withdrew the port). */
  'shutting-down': 8,
  /** A limit was hit: no free source port, too many connections or OPENs, a destination not reading its link. */
  'resource-limit': 9,
  /** The peer speaks another protocol version (GOODBYE only). */
  'version-mismatch': 10,
  /** A bug on the sender's side. */
  internal: 11,
} as const;

export type AbortReason = keyof typeof ABORT_REASONS;

const BY_CODE = new Map<number, AbortReason>(
  (Object.entries(ABORT_REASONS) as [AbortReason, number][]).map(([name, code]) => [code, name]),
);

export function reasonCode(reason: AbortReason): number {
  return ABORT_REASONS[reason];
}

/** Unknown codes read as `unspecified` (forward compatibility, §5.6). */
export function reasonName(code: number): AbortReason {
  return BY_CODE.get(code) ?? 'unspecified';
}
