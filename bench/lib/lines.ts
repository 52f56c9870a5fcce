import { createInterface } from 'node:readline';

/**
 * One line-oriented child's output: next() resolves with the next line matching a predicate,
 * one already read and not yet taken included. Lines nobody took are kept (the last 200), for
 * the error message of a wait that times out.
 */
export class Lines {
  private readonly seen: string[] = [];
  private readonly waiters: { test: (l: string) => boolean; resolve: (l: string) => void }[] = [];

  constructor(stream: NodeJS.ReadableStream, private readonly timeoutMs: number) {
    createInterface({ input: stream }).on('line', (line) => {
      const i = this.waiters.findIndex((w) => w.test(line));
      if (i >= 0) this.waiters.splice(i, 1)[0]?.resolve(line);
      else this.seen.push(line);
      if (this.seen.length > 200) this.seen.shift();
    });
  }

  next(test: (l: string) => boolean, what: string, timeoutMs = this.timeoutMs): Promise<string> {
    const i = this.seen.findIndex(test);
    if (i >= 0) return Promise.resolve(this.seen.splice(i, 1)[0]!);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}; last lines:\n${this.seen.slice(-10).join('\n')}`)), timeoutMs);
      this.waiters.push({ test, resolve: (l) => { clearTimeout(timer); resolve(l); } });
    });
  }
}
