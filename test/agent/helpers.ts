import { createServer, connect, type Server, type Socket } from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { waitFor, withTimeout } from '../helpers/wait.js';

/** A port free on `ip` right now (bind to 0, read it, close). */
export async function freePort(ip: string): Promise<number> {
  const s = createServer();
  s.listen(0, ip);
  await once(s, 'listening');
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export async function serve(handler: (socket: Socket) => void): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer({ allowHalfOpen: true }, (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    handler(s);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    server,
    port: (server.address() as { port: number }).port,
    close: () => new Promise<void>((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); }),
  };
}

export function dial(host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port, allowHalfOpen: true });
    s.once('connect', () => { s.off('error', reject); resolve(s); });
    s.once('error', reject);
  });
}

/** Everything the socket sends until its end, or the error that ended it. */
export function readAll(s: Socket): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    s.on('data', (c: Buffer) => parts.push(c));
    s.once('end', () => resolve(Buffer.concat(parts)));
    s.once('error', reject);
  });
}

export function sha256(b: Buffer | Buffer[]): string {
  const h = createHash('sha256');
  for (const x of Array.isArray(b) ? b : [b]) h.update(x);
  return h.digest('hex');
}

export { randomBytes };

/** Resolves with the promise's value, or rejects after `ms` naming what was awaited. */
export function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  return withTimeout(p, ms, what);
}

/** Polls `cond` until true or `ms` passes. */
export async function waitUntil(ms: number, what: string, cond: () => boolean): Promise<void> {
  await waitFor(cond, { timeoutMs: ms, intervalMs: 5, what });
}
