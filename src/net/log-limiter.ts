/**
 * Lines about single connections (a reset from the peer, a failed dial) are news the first few
 * times, not the 5,000th: a client that retries a dead service, or one that resets every connection
 * it is done with, would flood the router's output (found by the soak, docs/reliability.md, bug 13:
 * 4,549 such lines in 4 minutes). Per kind, the first BURST lines of a window are logged; the rest
 * are counted and summed up in one line when the window ends.
 */
export const LOG_BURST = 5;
export const LOG_WINDOW_MS = 10_000;

export class LogLimiter {
  private readonly shown = new Map<string, number>();
  private readonly held = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly log: (line: string) => void,
    private readonly burst = LOG_BURST,
    private readonly windowMs = LOG_WINDOW_MS,
  ) {}

  /** Logs `text`, or counts it when `kind` has had its burst in this window. */
  line(kind: string, text: string): void {
    const n = this.shown.get(kind) ?? 0;
    if (n < this.burst) {
      this.shown.set(kind, n + 1);
      this.log(text);
    } else {
      this.held.set(kind, (this.held.get(kind) ?? 0) + 1);
    }
    if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), this.windowMs);
      this.timer.unref();
    }
  }

  /** Ends the window: one line per kind that had lines held back. Call before exiting. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const [kind, n] of this.held) this.log(`… and ${n} more like that (${kind}) in the last ${this.windowMs / 1000} s`);
    this.held.clear();
    this.shown.clear();
  }
}
