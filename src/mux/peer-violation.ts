/**
 * What Mux.receive reports (docs/protocol.md §8.1), as data with a kind:
 * - `peer-violation`: a TCP frame broke the protocol for its own connection (a window overrun, a
 *   second OPEN for a live tuple, data after CLOSE_WRITE…). The peer agent is at fault, not the
 *   link: the mux has already answered ABORT `protocol-error` on that tuple and forgotten the
 *   connection. Report it and go on.
 * - `link-fatal`: anything else; the link cannot go on.
 */
import type { ProtocolErrorCode } from '../protocol/index.js';

export interface PeerViolation {
  kind: 'peer-violation';
  code: ProtocolErrorCode;
  message: string;
  /** The VIP of the agent that sent the frame (its SrcIP: the router checks it, §5.7). */
  peerIP: number;
}

export interface LinkFault {
  kind: 'link-fatal';
  code: ProtocolErrorCode;
  message: string;
}

export type MuxFault = PeerViolation | LinkFault;
