/**
 * Resetting a local socket (docs/protocol.md §5.6: an ABORT reaches the local client as
 * ECONNRESET, not as a clean end).
 *
 * Not resetAndDestroy() while a shutdown is pending (end() called, the FIN not yet out because
 * writes are still queued): libuv's uv_tcp_close_reset() refuses with EINVAL then, and Node has
 * already let go of the handle, so the descriptor is never closed and the process never exits
 * (found by the soak, docs/reliability.md, bug 11: an agent held one CLOSE-state socket after a
 * peer half-closed and then aborted, and had to be killed at stop). Such a socket is closed
 * plainly: the peer had already finished its direction, so the client gets all of it and a FIN, and
 * a write of its own meets a reset.
 */
import type { Socket } from 'node:net';

export function resetSocket(socket: Socket | undefined): void {
  if (!socket || socket.destroyed) return;
  if (socket.connecting || (socket.writableEnded && !socket.writableFinished)) socket.destroy();
  else socket.resetAndDestroy();
}
