/**
 * `norouter run --metrics ADDRESS:PORT` (or the manifest's `metrics.listen`): an HTTP server that
 * answers `GET /metrics` with prometheusText(). Only where the user asked: never by default.
 */
import { createServer, type Server } from 'node:http';
import { CONTENT_TYPE, prometheusText } from './prometheus.js';
import type { Snapshot } from './snapshot.js';

/** `errno`: the listen error's code (EADDRINUSE…), when the address was good but could not be had. */
export type MetricsStart = { ok: true; server: MetricsServer } | { ok: false; code: 'metrics-listen'; message: string; errno?: string };

export class MetricsServer {
  private constructor(private readonly server: Server, readonly address: string) {}

  static start(listen: string, snapshot: () => Snapshot): Promise<MetricsStart> {
    const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(listen);
    const port = Number(m?.[3]);
    if (!m || port > 65535) return Promise.resolve({ ok: false, code: 'metrics-listen', message: `--metrics ${listen}: not ADDRESS:PORT (such as 127.0.0.1:9464)` });
    const host = m[1] ?? m[2]!;
    const server = createServer((req, res) => {
      const path = (req.url ?? '').split('?')[0];
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD' }).end();
        return;
      }
      if (path !== '/metrics') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('norouter serves /metrics\n');
        return;
      }
      const body = prometheusText(snapshot());
      res.writeHead(200, { 'content-type': CONTENT_TYPE, 'content-length': Buffer.byteLength(body) }).end(req.method === 'HEAD' ? undefined : body);
    });
    return new Promise((resolve) => {
      server.once('error', (error: NodeJS.ErrnoException) => resolve({
        ok: false, code: 'metrics-listen', message: `cannot serve metrics on ${listen}: ${error.code ?? error.message}`, ...(error.code ? { errno: error.code } : {}),
      }));
      server.listen(port, host, () => {
        server.unref();
        const a = server.address();
        const address = typeof a === 'object' && a ? `${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}` : listen;
        resolve({ ok: true, server: new MetricsServer(server, address) });
      });
    });
  }

  /** Resolves once the address is free again. */
  close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    return closed;
  }
}
