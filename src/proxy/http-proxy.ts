/**
 * The HTTP proxy (README, "Proxies and routes: macOS, the BSDs, and whole networks"): absolute-URI
 * requests of any method, keep-alive and pipelining on the client's connection, each client
 * connection with its own upstream mesh connection (http-session.ts), and CONNECT tunnels
 * (http-connect.ts). A destination outside the mesh and every route gets 403 with a text body
 * saying why; a failed dial 502 (504 on a timeout). Nothing is ever fetched from where the proxy
 * runs unless a route says so.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { HttpSession } from './http-session.js';
import type { ProxyHost } from './proxy-host.js';
import { DEFAULT_LIMITS, type ProxyLimits } from './listener-guard.js';
import { LogLimiter } from '../net/log-limiter.js';
import { safeHost } from './safe-log.js';

export { statusFor } from './http-response.js';

/** A net.Server with node:http's closeAllConnections(): keep-alive clients would hold it open. */
export type HttpProxyServer = Server & { closeAllConnections(): void };

export function createHttpProxy(rawHost: ProxyHost, limits: ProxyLimits = DEFAULT_LIMITS): HttpProxyServer {
  const host = safeHost(rawHost);
  const sockets = new Set<Socket>();
  // Slow clients cut off at the deadline: a few lines, then a count (one client can open many).
  const slow = new LogLimiter(host.log);
  const server = createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    new HttpSession(host, socket, { headDeadlineMs: limits.headDeadlineMs, slow });
  });
  return Object.assign(server, {
    closeAllConnections: (): void => {
      for (const s of sockets) s.destroy();
    },
  });
}
