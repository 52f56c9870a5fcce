/**
 * Limits on a proxy listener (docs/reliability.md, "Proxies and routes…", item 3): a cap on
 * its open connections, and a line when the process runs out of file descriptors
 * (src/net/descriptors.ts says why Node alone would stay silent).
 */
import type { Server } from 'node:net';
import { LogLimiter } from '../net/log-limiter.js';
import { watchDescriptors } from '../net/descriptors.js';

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

/** One line per burst: the first event of a window, then a count when the window ends. */
export const LOG_WINDOW_MS = 10_000;

/** Applies the cap to `server` and starts the descriptor check; returns what stops the check. */
export function guardListener(server: Server, label: string, limits: ProxyLimits, log: (line: string) => void): () => void {
  const news = new LogLimiter(log, 1, LOG_WINDOW_MS);
  server.maxConnections = limits.maxConnections;
  server.on('drop', () => news.line('connection cap', `${label}: ${limits.maxConnections} connections are open, the most it keeps: closing new ones until some end`));
  const stopWatch = watchDescriptors(label, log);
  const stop = (): void => {
    stopWatch();
    news.flush();
  };
  server.once('close', stop);
  return stop;
}
