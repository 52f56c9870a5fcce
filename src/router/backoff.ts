/**
 * Restart delays for an agent that exited: exponential, capped at 30 s (README, "Running a mesh"),
 * reset once the agent has stayed up long enough to count as healthy.
 */
export const BACKOFF_INITIAL_MS = 250;
export const BACKOFF_MAX_MS = 30_000;
/** An agent up this long is healthy again: its next failure starts from the initial delay. */
export const BACKOFF_RESET_AFTER_MS = 10_000;

export class Backoff {
  private failures = 0;

  constructor(
    private readonly initialMs = BACKOFF_INITIAL_MS,
    private readonly maxMs = BACKOFF_MAX_MS,
    private readonly resetAfterMs = BACKOFF_RESET_AFTER_MS,
  ) {}

  /** The delay before the next start, given how long the last run lasted. */
  next(upForMs: number): number {
    if (upForMs >= this.resetAfterMs) this.failures = 0;
    const delay = Math.min(this.maxMs, this.initialMs * 2 ** this.failures);
    this.failures += 1;
    return delay;
  }
}
