/**
 * What the bridge (src/net/bridge.ts) drives at the local end of each mesh connection: a socket
 * (src/net/socket-end.ts), a proxy tunnel waiting for OPEN_OK, or the HTTP proxy's session
 * (src/proxy). One shape for all of them, so the bridge never asks which kind it holds.
 */
import type { MuxConnection, PeerViolation } from '../mux/index.js';
import type { AbortReason } from '../protocol/index.js';

export interface LocalEnd {
  /** OPEN_OK arrived. */
  opened(conn: BridgeConnection): void;
  /** Data from the peer; call done() once the consumer accepted it (docs/protocol.md §6.3). */
  data(conn: BridgeConnection, data: Buffer, done: () => void): void;
  /** The peer half-closed. */
  end(conn: BridgeConnection): void;
  /**
   * ABORT, PEER_DOWN or shutdown: the connection is gone. `violation` when the peer broke the
   * protocol on it (the agent reports those once per peer and kind, §8.1).
   */
  abort(conn: BridgeConnection, reason: AbortReason, text: string, violation?: PeerViolation): void;
  /** Writing may go on after Bridge.send() returned false (credit, and the link drained). */
  writable(conn: BridgeConnection): void;
}

/** A mesh connection as the bridge's users see it: its local end in `context`. */
export type BridgeConnection = MuxConnection<LocalEnd>;
