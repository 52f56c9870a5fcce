/**
 * Writes what one DATA frame from upstream became (a response head re-emitted, slices of the
 * body) to the client's socket as few writes as it takes: small pieces copied into one write,
 * large ones corked together. `done` runs once the last is written (the frame's credit goes back
 * then, docs/protocol.md §6) or at once when there is nothing to write.
 */
import type { Socket } from 'node:net';

/** Pieces up to this, in all, are copied into one write rather than written one by one. */
export const COALESCE = 16 * 1024;

export function writePieces(socket: Socket, pieces: readonly Buffer[], done: () => void): void {
  const [first] = pieces;
  if (!first || socket.destroyed) return done();
  if (pieces.length === 1) {
    socket.write(first, () => done());
    return;
  }
  let total = 0;
  for (const b of pieces) total += b.length;
  if (total <= COALESCE) {
    socket.write(Buffer.concat(pieces, total), () => done());
    return;
  }
  socket.cork();
  for (let i = 0; i < pieces.length - 1; i++) socket.write(pieces[i] ?? Buffer.alloc(0));
  socket.write(pieces[pieces.length - 1] ?? Buffer.alloc(0), () => done());
  socket.uncork();
}
