/**
 * The credit and half-close rules of one TCP connection (docs/protocol.md §5.4, §5.5, §6), sans-IO
 * and without addresses: the books each multiplexer keeps for its own connections
 * (src/mux/mux.ts) and the router keeps for every connection it forwards (src/router/conntrack.ts),
 * so that both judge a frame by the same rules with the same codes.
 *
 * Each `apply…` function checks one frame against the books and, only when it is legal, enters
 * it. A frame no correct peer sends comes back as a StreamBreak: a stable code (§8) and what was
 * wrong, without the tuple, which the caller adds as it names connections.
 */
import { MAX_WINDOW, PRE_OPEN_WINDOW } from './constants.js';
import type { ProtocolErrorCode } from './errors.js';

/** One direction of a connection, as its sender's peer (and the router) sees it. */
export interface Direction {
  /** Bytes its sender may still send (§6.1). */
  credit: number;
  /** Its sender sent CLOSE_WRITE (§5.5): nothing more may come that way. */
  closed: boolean;
}

export interface StreamBooks {
  /** OPEN went, OPEN_OK not yet: the acceptor may send nothing but ABORT (§5.4). */
  opening: boolean;
  /** Initiator → acceptor: PRE_OPEN_WINDOW until OPEN_OK (§6.2), then OPEN_OK's window too. */
  readonly fromInitiator: Direction;
  /** Acceptor → initiator: OPEN's window, then the initiator's WINDOW grants. */
  readonly fromAcceptor: Direction;
}

/** A frame that breaks the rules: its code, and what was wrong (the caller names the connection). */
export interface StreamBreak {
  code: ProtocolErrorCode;
  what: string;
}

/** Why an OPEN's window (§5.4; a routed OPEN's too, §13) is not acceptable, or undefined. */
export function openWindowBreak(window: number): StreamBreak | undefined {
  return inRange(window) ? undefined : { code: 'bad-payload', what: `OPEN window ${window} outside ${PRE_OPEN_WINDOW}..${MAX_WINDOW}` };
}

/** The books of a connection whose OPEN (with an acceptable `window`) just went. */
export function openBooks(window: number): StreamBooks {
  return { opening: true, fromInitiator: { credit: PRE_OPEN_WINDOW, closed: false }, fromAcceptor: { credit: window, closed: false } };
}

/** OPEN_OK with the acceptor's window: the initiator's credit grows by what it adds to PRE_OPEN_WINDOW (§6.2). */
export function applyOpenOk(b: StreamBooks, window: number): StreamBreak | undefined {
  if (!b.opening) return { code: 'bad-state', what: 'OPEN_OK on a connection already open' };
  if (!inRange(window)) return { code: 'bad-payload', what: `OPEN_OK window ${window} outside ${PRE_OPEN_WINDOW}..${MAX_WINDOW}` };
  const credit = b.fromInitiator.credit + window - PRE_OPEN_WINDOW;
  if (credit > MAX_WINDOW) return { code: 'window-overflow', what: `OPEN_OK window ${window} takes the credit above ${MAX_WINDOW}` };
  b.opening = false;
  b.fromInitiator.credit = credit;
  return undefined;
}

/** WINDOW from one side: credit for the other side's direction (§6.3), never past MAX_WINDOW (§6.4). */
export function applyWindow(b: StreamBooks, fromAcceptor: boolean, increment: number): StreamBreak | undefined {
  // Regression (fuzzing): a WINDOW before OPEN_OK was taken, and OPEN_OK then pushed the credit
  // past MAX_WINDOW. The acceptor grants nothing before it has accepted (§6.2).
  if (fromAcceptor && b.opening) return { code: 'bad-state', what: 'WINDOW from the acceptor before OPEN_OK' };
  const granted = fromAcceptor ? b.fromInitiator : b.fromAcceptor;
  if (granted.credit + increment > MAX_WINDOW) return { code: 'window-overflow', what: `WINDOW +${increment} takes the credit above ${MAX_WINDOW}` };
  granted.credit += increment;
  return undefined;
}

/** A data frame of `n` bytes from one side, with CLOSE_WRITE when `close` (§5.5, §6.1). */
export function applyData(b: StreamBooks, fromAcceptor: boolean, n: number, close: boolean): StreamBreak | undefined {
  if (fromAcceptor && b.opening) return { code: 'bad-state', what: 'data from the acceptor before OPEN_OK' };
  const dir = fromAcceptor ? b.fromAcceptor : b.fromInitiator;
  if (dir.closed) return { code: 'bad-state', what: 'data after CLOSE_WRITE' };
  if (n > dir.credit) return { code: 'window-overrun', what: `${n} bytes sent with ${dir.credit} bytes of window left` };
  dir.credit -= n;
  if (close) dir.closed = true;
  return undefined;
}

/** Both sides sent CLOSE_WRITE: the connection ended cleanly (§5.4). */
export function bothClosed(b: StreamBooks): boolean {
  return b.fromInitiator.closed && b.fromAcceptor.closed;
}

function inRange(window: number): boolean {
  return window >= PRE_OPEN_WINDOW && window <= MAX_WINDOW;
}
