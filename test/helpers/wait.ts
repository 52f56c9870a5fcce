/**
 * Bounded waits for end-to-end tests. Nothing here sleeps for a fixed time: every wait polls a
 * condition or listens for an event, and every wait has a deadline whose message says what was
 * awaited, so a hung test fails with a sentence instead of the runner's generic timeout.
 */
import type { EventEmitter } from 'node:events';
import type { Readable } from 'node:stream';

export interface WaitForOptions {
  /** Give up after this long (default 5000 ms). */
  timeoutMs?: number;
  /** Time between polls (default 25 ms): short enough to be prompt, long enough not to spin. */
  intervalMs?: number;
  /** Completes "timed out after N ms waiting for …" in the error. */
  what?: string;
}

export class WaitTimeoutError extends Error {
  constructor(what: string, timeoutMs: number, detail?: string) {
    super(`timed out after ${timeoutMs} ms waiting for ${what}${detail ? `: ${detail}` : ''}`);
    this.name = 'WaitTimeoutError';
  }
}

/** Resolves after `ms`. Only for pacing polls; tests must not use it to "let things settle". */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Polls `predicate` until it returns a truthy value, which is returned. A predicate that throws
 * counts as "not yet"; the last error is quoted in the timeout message because it usually says
 * why (ECONNREFUSED, a wrong body…).
 */
export async function waitFor<T>(
  predicate: () => T | Promise<T>,
  options: WaitForOptions = {},
): Promise<NonNullable<T>> {
  const { timeoutMs = 5000, intervalMs = 25, what = 'a condition' } = options;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await predicate();
      if (value) return value as NonNullable<T>;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const detail = lastError instanceof Error ? `last error: ${lastError.message}` : undefined;
      throw new WaitTimeoutError(what, timeoutMs, detail);
    }
    await delay(Math.min(intervalMs, Math.max(0, deadline - Date.now())));
  }
}

/**
 * Races `promise` against a deadline. The promise is not cancelled (promises cannot be); the
 * caller owns whatever it was doing.
 */
export async function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new WaitTimeoutError(what, timeoutMs)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Waits for `event` on `emitter` and resolves with its arguments. An 'error' event rejects
 * (unless 'error' is the awaited event), as events.once does, but with a deadline.
 */
export function onceWithTimeout(
  emitter: EventEmitter,
  event: string,
  timeoutMs: number,
  what = `event "${event}"`,
): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const onEvent = (...args: unknown[]): void => {
      cleanup();
      resolve(args);
    };
    const onError = (error: unknown): void => {
      cleanup();
      reject(error);
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new WaitTimeoutError(what, timeoutMs));
    }, timeoutMs);
    const cleanup = (): void => {
      clearTimeout(timer);
      emitter.off(event, onEvent);
      if (event !== 'error') emitter.off('error', onError);
    };
    emitter.on(event, onEvent);
    if (event !== 'error') emitter.on('error', onError);
  });
}

/**
 * Splits a stream into lines and reports each complete line (without its newline) to `onLine`.
 * The tail of a stream that ends without a newline is reported as a last line. Returns a function
 * that stops listening.
 */
export function onLines(stream: Readable, onLine: (line: string) => void): () => void {
  let pending = '';
  stream.setEncoding('utf8');
  const onData = (chunk: string): void => {
    pending += chunk;
    let nl: number;
    while ((nl = pending.indexOf('\n')) !== -1) {
      onLine(pending.slice(0, nl).replace(/\r$/, ''));
      pending = pending.slice(nl + 1);
    }
  };
  const onEnd = (): void => {
    if (pending) onLine(pending);
    pending = '';
  };
  stream.on('data', onData);
  stream.on('end', onEnd);
  return () => {
    stream.off('data', onData);
    stream.off('end', onEnd);
  };
}

/**
 * Resolves with the first line of `stream` matching `regex` (lines seen before the call are not
 * considered: use processes.ts's CliProcess.waitForLine for a recorded history). Rejects when the
 * stream ends first, or at the deadline; both messages quote the last lines seen.
 */
export function waitForLine(stream: Readable, regex: RegExp, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const seen: string[] = [];
    const tail = (): string => (seen.length ? `; last lines:\n  ${seen.slice(-10).join('\n  ')}` : '; no output');
    const finish = (error: Error | undefined, line?: string): void => {
      clearTimeout(timer);
      stop();
      stream.off('end', onEnd);
      stream.off('close', onEnd);
      if (error) reject(error);
      else resolve(line ?? '');
    };
    const stop = onLines(stream, (line) => {
      seen.push(line);
      if (regex.test(line)) finish(undefined, line);
    });
    const onEnd = (): void => finish(new Error(`stream ended before a line matched ${regex}${tail()}`));
    stream.once('end', onEnd);
    stream.once('close', onEnd);
    const timer = setTimeout(
      () => finish(new WaitTimeoutError(`a line matching ${regex}`, timeoutMs, tail().slice(2))),
      timeoutMs,
    );
  });
}
