/**
 * Running out of file descriptors, made visible (docs/reliability.md, "Proxies and routes…",
 * item 3). Node's net.Server never reports a failed accept(): on EMFILE/ENFILE libuv closes a
 * descriptor it keeps in reserve, accepts every pending connection and closes it at once, then
 * takes the reserve back; no 'error', no 'connection' (measured on Node 20, same section).
 * Clients see a reset and the process says nothing. So a watch looks for itself: once a second
 * it opens and closes /dev/null, which fails with the same EMFILE/ENFILE exactly while accepts do.
 */
import { closeSync, openSync } from 'node:fs';
import { LogLimiter } from './log-limiter.js';
import { errorCode } from './socket-errors.js';

/** How often the descriptor check runs. */
export const FD_CHECK_MS = 1_000;
/** One line per burst: the first event of a window, then a count when the window ends. */
export const FD_LOG_WINDOW_MS = 10_000;

/** EMFILE or ENFILE when this process cannot open one more descriptor now. */
export function descriptorShortage(): string | undefined {
  try {
    closeSync(openSync('/dev/null', 'r'));
    return undefined;
  } catch (e) {
    const code = errorCode(e);
    return code === 'EMFILE' || code === 'ENFILE' ? code : undefined;
  }
}

/**
 * Checks every FD_CHECK_MS and logs `${label}: out of file descriptors (CODE): …`, once per
 * window. Returns what stops it (and says how many checks were held back in the last window).
 */
export function watchDescriptors(label: string, log: (line: string) => void): () => void {
  const news = new LogLimiter(log, 1, FD_LOG_WINDOW_MS);
  const timer = setInterval(() => {
    const code = descriptorShortage();
    if (code) news.line(code, `${label}: out of file descriptors (${code}): new connections are closed as soon as they arrive; raise the limit (ulimit -n) or end some connections`);
  }, FD_CHECK_MS);
  timer.unref();
  return () => {
    clearInterval(timer);
    news.flush();
  };
}
