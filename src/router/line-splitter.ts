/**
 * Splits a byte stream into lines for prefixed display, keeping the last few for error reports.
 * A line longer than the cap is cut (an agent writing megabytes without a newline must not grow
 * the router's memory).
 */
export const MAX_LINE_BYTES = 8 * 1024;
export const TAIL_LINES = 20;

export class LineSplitter {
  private partial = '';
  private readonly tail: string[] = [];

  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: Buffer | string): void {
    let text = this.partial + chunk.toString();
    let nl: number;
    while ((nl = text.indexOf('\n')) !== -1) {
      this.emit(text.slice(0, nl));
      text = text.slice(nl + 1);
    }
    if (text.length > MAX_LINE_BYTES) {
      this.emit(`${text.slice(0, MAX_LINE_BYTES)}…`);
      text = '';
    }
    this.partial = text;
  }

  /** Emits what is left without a newline (the stream ended). */
  flush(): void {
    if (this.partial) this.emit(this.partial);
    this.partial = '';
  }

  lastLines(): string[] {
    return [...this.tail];
  }

  private emit(raw: string): void {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    this.tail.push(line);
    if (this.tail.length > TAIL_LINES) this.tail.shift();
    this.onLine(line);
  }
}
