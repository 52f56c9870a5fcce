/**
 * A host that can never start (docs/reliability.md, "Hosts that can never start"): the router
 * tells a start failure that will repeat for ever from one that may pass, says what is wrong and
 * how to fix it, and stops restarting it ("given up") until the manifest changes for that host or
 * the user sends SIGHUP.
 *
 * A failure is the same as the last one when its exit status and its last stderr line are the
 * same and, like the last one, it ended within QUICK_FAILURE_MS of its start without saying
 * HELLO. Statuses known never to pass by themselves (KNOWN_PERMANENT) are given up on sooner;
 * any other identical failure is given up on too, once it has repeated long enough that a
 * container still starting would have started.
 */
import { EXIT_BOOTSTRAP_BROKEN, EXIT_NODE_TOO_OLD } from '../bootstrap/constants.js';
import type { ProcessEnd } from './agent-process.js';

/** "Within a few seconds of its start": longer than any command takes to fail at once. */
export const QUICK_FAILURE_MS = 5_000;
/** Identical quick failures in a row before a known-permanent failure is given up on (4 backoffs: ~4 s). */
export const GIVE_UP_KNOWN = 5;
/** Identical quick failures in a row before any other is given up on (7 backoffs: ~1 min). */
export const GIVE_UP_OTHER = 8;

/** Exit statuses that no retry changes: not found, not executable, a bootstrap refused. */
const KNOWN_PERMANENT = new Set<number>([126, 127, EXIT_NODE_TOO_OLD, EXIT_BOOTSTRAP_BROKEN]);

export interface FailureVerdict {
  /** Identical quick failures in a row, this one included (0: not a quick failure). */
  repeated: number;
  /** Set when the router should stop restarting the host. */
  giveUp: boolean;
}

export class StartFailures {
  private signature: string | undefined;
  private repeated = 0;

  /** Records how one run of the host's command ended. `cameUp`: it said HELLO. */
  record(end: ProcessEnd, upForMs: number, cameUp: boolean): FailureVerdict {
    if (cameUp || upForMs >= QUICK_FAILURE_MS) {
      this.reset();
      return { repeated: 0, giveUp: false };
    }
    const signature = signatureOf(end);
    this.repeated = signature === this.signature ? this.repeated + 1 : 1;
    this.signature = signature;
    const limit = isKnownPermanent(end) ? GIVE_UP_KNOWN : GIVE_UP_OTHER;
    return { repeated: this.repeated, giveUp: this.repeated >= limit };
  }

  reset(): void {
    this.signature = undefined;
    this.repeated = 0;
  }
}

function signatureOf(end: ProcessEnd): string {
  const status = end.startError ? `start:${(end.startError.cause as NodeJS.ErrnoException | undefined)?.code ?? ''}` : `${end.code}/${end.signal}`;
  return `${status}\n${end.lastLines.at(-1) ?? ''}`;
}

function isKnownPermanent(end: ProcessEnd): boolean {
  if (end.startError) return true;
  return end.code !== null && KNOWN_PERMANENT.has(end.code);
}
