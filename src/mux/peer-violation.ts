/**
 * A TCP frame that breaks the protocol for its own connection (docs/protocol.md §8.1): a window
 * overrun, a second OPEN for a live tuple, data after CLOSE_WRITE… The peer agent is at fault,
 * not the link, so the error is connection-fatal: `Mux.receive` has already answered ABORT
 * `protocol-error` on that tuple and forgotten the connection when it returns one.
 */
import { ProtocolError, type ProtocolErrorCode } from '../protocol/index.js';

export class PeerViolation extends ProtocolError {
  /** The VIP of the agent that sent the frame (its SrcIP: the router checks it, §5.7). */
  readonly peerIP: number;

  constructor(code: ProtocolErrorCode, message: string, peerIP: number) {
    super(code, message);
    this.peerIP = peerIP;
  }
}
