/**
 * Progress of one runtime transfer, as log lines: nothing more for a transfer that ends within
 * PROGRESS_MS, else one line per PROGRESS_MS (sent of total, rate), and a one-line summary.
 */

/** A first start shorter than this shows no progress lines, only its summary. */
export const PROGRESS_MS = 2_000;

const mb = (bytes: number): string => (bytes / 1e6).toFixed(1);

export class TransferMeter {
  private sent = 0;
  private readonly began = Date.now();
  private lastLine = Date.now();

  constructor(private readonly host: string, private readonly total: number, private readonly log: (line: string) => void, private readonly now = Date.now) {
    this.began = now();
    this.lastLine = this.began;
  }

  start(what: string): void {
    this.log(`${this.host}: ${what}`);
  }

  add(bytes: number): void {
    this.sent += bytes;
    const t = this.now();
    if (t - this.lastLine < PROGRESS_MS || this.sent >= this.total) return;
    this.lastLine = t;
    this.log(`${this.host}: runtime ${mb(this.sent)} of ${mb(this.total)} MB sent (${this.rate(t)} MB/s)`);
  }

  /** The summary line; returns what was sent and how long it took. */
  finish(): { bytes: number; ms: number } {
    const t = this.now();
    this.log(`${this.host}: runtime sent: ${mb(this.sent)} MB in ${((t - this.began) / 1000).toFixed(1)} s (${this.rate(t)} MB/s)`);
    return { bytes: this.sent, ms: t - this.began };
  }

  private rate(t: number): string {
    return mb((this.sent * 1000) / Math.max(1, t - this.began));
  }
}
