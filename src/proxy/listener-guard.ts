/**
 * Limits on a proxy listener (docs/reliability.md, "Proxies and routes…", item 3): a cap on
 * its open connections, and a line when the process runs out of file descriptors.
 *
 * Node's net.Server never reports a failed accept(): on EMFILE/ENFILE libuv closes a descriptor
 * it keeps in reserve, accepts every pending connection and closes it at once, then takes the
 * reserve back; no 'error', no 'connection' (measured on Node 20, same section). Clients see a
 * reset and the agent says nothing. So the guard looks for itself: once a second it opens
 * and closes /dev/null, which fails with the same EMFILE/ENFILE exactly while accepts do.
 */
import { closeSync, openSync } from 'node:fs';
import type { Server } from 'node:net';
import { LogLimiter } from '../net/log-limiter.js';
import { errorCode } from '../net/socket-errors.js';

export interface ProxyLimits {
  /** Connections one listener keeps open at once; more are closed as they arrive. */
  maxConnections: number;
  /** A request head (HTTP) must be complete within this of its first byte. */
  headDeadlineMs: number;
  /** A SOCKS handshake must be complete within this of the connection. */
  handshakeDeadlineMs: number;
}

export const DEFAULT_LIMITS: ProxyLimits = {
  // Far above what a developer's browser and tools open through one proxy (a browser opens at
  // most a few hundred), and two proxies at their cap stay well within the usual 4096+ descriptors.
  maxConnections: 1024,
  // node:http's headersTimeout is 60 s; a head is a few hundred bytes that a client sends at once.
  headDeadlineMs: 30_000,
  handshakeDeadlineMs: 10_000,
};

/** How often the descriptor check runs. */
export const FD_CHECK_MS = 1_000;
/** One line per burst: the first event of a window, then a count when the window ends. */
export const LOG_WINDOW_MS = 10_000;

/** Applies the cap to `server` and starts the descriptor check; returns what stops the check. */
export function guardListener(server: Server, label: string, limits: ProxyLimits, log: (line: string) => void): () => void {
  const news = new LogLimiter(log, 1, LOG_WINDOW_MS);
  server.maxConnections = limits.maxConnections;
  server.on('drop', () => news.line('connection cap', `${label}: ${limits.maxConnections} connections are open, the most it keeps: closing new ones until some end`));
  const timer = setInterval(() => {
    const code = descriptorShortage();
    if (code) news.line(code, `${label}: out of file descriptors (${code}): new connections are closed as soon as they arrive; raise the limit (ulimit -n) or end some connections`);
  }, FD_CHECK_MS);
  timer.unref();
  const stop = (): void => {
    clearInterval(timer);
    news.flush();
  };
  server.once('close', stop);
  return stop;
}

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
