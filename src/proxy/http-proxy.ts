/**
 * The HTTP proxy (issue 6): absolute-URI requests of any method, keep-alive on both sides
 * (upstream connections are pooled per destination, each one a mesh connection), and CONNECT
 * tunnels. A destination outside the mesh and every route gets 403 with a text body saying why;
 * a failed dial 502 (504 on a timeout). Nothing is ever fetched from where the proxy runs
 * unless a route says so.
 */
import { Agent, createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { AbortReason } from '../protocol/index.js';
import { MeshConnectionError, MuxDuplex } from './mux-duplex.js';
import { openTunnel, type ProxyHost } from './proxy-host.js';

/** RFC 9110 §7.6.1 hop-by-hop fields, and the proxy's own: never forwarded. */
const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer',
  'transfer-encoding', 'upgrade',
]);

/** `http://HOST[:PORT][PATH]`: 1 the authority, 2 a bracketed IPv6 host or 3 a name/address, 4 the port, 5 the path and query (a fragment never reaches a proxy). */
const ABSOLUTE_URI = /^http:\/\/((?:\[([0-9a-fA-F:.]+)\]|([^/?#:@[\]]+))(?::(\d{1,5}))?)([/?][^#]*)?$/i;

/** An idle pooled upstream connection is closed after this, like node:http's own servers do. */
const UPSTREAM_IDLE_MS = 5_000;

export function statusFor(reason: AbortReason): number {
  if (reason === 'policy') return 403;
  if (reason === 'timeout') return 504;
  return 502;
}

function errorBody(why: string): string {
  return `norouter proxy: ${why}\n`;
}

/** A raw response for a CONNECT that failed: the socket is no longer node:http's. */
function rawError(status: number, why: string): Buffer {
  const body = Buffer.from(errorBody(why));
  const text = status === 403 ? 'Forbidden' : status === 504 ? 'Gateway Timeout' : status === 400 ? 'Bad Request' : 'Bad Gateway';
  return Buffer.concat([
    Buffer.from(`HTTP/1.1 ${status} ${text}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`),
    body,
  ]);
}

/** Upstream connections are mesh connections: node:http's agent pools them per destination. */
class MeshAgent extends Agent {
  constructor(private readonly host: ProxyHost) {
    super({ keepAlive: true, timeout: UPSTREAM_IDLE_MS, scheduling: 'lifo' });
  }

  override createConnection(options: { host?: string | null; port?: number | string | null }): Duplex {
    const duplex = new MuxDuplex(this.host.bridge);
    const to = this.host.decide(options.host ?? '', Number(options.port));
    const conn = to.kind === 'refuse' ? to.why : this.host.open(duplex.localEnd, to);
    if (typeof conn === 'string') process.nextTick(() => duplex.destroy(new MeshConnectionError('policy', conn)));
    else duplex.conn = conn;
    return duplex;
  }
}

export function createHttpProxy(host: ProxyHost): Server {
  const agent = new MeshAgent(host);
  const server = createServer({ keepAlive: true });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => forward(host, agent, req, res));
  server.on('connect', (req: IncomingMessage, socket: Socket, head: Buffer) => connectTunnel(host, req, socket, head));
  server.on('close', () => agent.destroy());
  return server;
}

function refuse(res: ServerResponse, status: number, why: string): void {
  const body = errorBody(why);
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function forward(host: ProxyHost, agent: MeshAgent, req: IncomingMessage, res: ServerResponse): void {
  // RFC 9112 §3.2.2 absolute-form; a regex rather than new URL(): this runs for every request.
  const m = ABSOLUTE_URI.exec(req.url ?? '');
  if (!m) {
    const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(req.url ?? '')?.[1];
    return refuse(res, 400, scheme && scheme.toLowerCase() !== 'http'
      ? `${scheme}:// URIs go through CONNECT, not as a plain request`
      : `"${req.url ?? ''}" is not an absolute http:// URI: this is a proxy (set http_proxy, or curl -x)`);
  }
  const authority = m[1] ?? '';
  const hostname = m[2] ?? m[3] ?? '';
  const port = m[4] ? Number(m[4]) : 80;
  const path = m[5] || '/';
  const to = host.decide(hostname, port);
  if (to.kind === 'refuse') {
    host.log(`proxy: refused ${req.method ?? ''} ${req.url ?? ''}: ${to.why}`);
    return refuse(res, to.reason === 'bad' ? 400 : 403, to.why);
  }
  const headers: Record<string, string | string[]> = {};
  const dropped = connectionTokens(req.headers.connection);
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || dropped.has(name)) continue;
    headers[name] = value;
  }
  headers['host'] ??= authority;
  const upstream = request({ agent, host: hostname, port, method: req.method ?? 'GET', path, headers, setHost: false });
  upstream.on('response', (up) => {
    const raw: string[] = [];
    const upDropped = connectionTokens(up.headers.connection);
    for (let i = 0; i + 1 < up.rawHeaders.length; i += 2) {
      const name = up.rawHeaders[i] ?? '';
      const lower = name.toLowerCase();
      if (HOP_BY_HOP.has(lower) || upDropped.has(lower)) continue;
      raw.push(name, up.rawHeaders[i + 1] ?? '');
    }
    res.writeHead(up.statusCode ?? 502, up.statusMessage, raw);
    up.pipe(res);
    up.on('error', () => res.destroy());
  });
  upstream.on('error', (error) => {
    const reason = error instanceof MeshConnectionError ? error.reason : 'unspecified';
    const why = error instanceof MeshConnectionError ? error.text || error.reason : error.message;
    host.log(`proxy: ${req.method ?? ''} ${req.url ?? ''} (${to.label}): ${why}`);
    if (res.headersSent) res.destroy();
    else refuse(res, statusFor(reason), `${to.label}: ${why}`);
  });
  // The client left before the response ended: so does the upstream request.
  res.on('close', () => {
    if (!res.writableFinished) upstream.destroy();
  });
  req.pipe(upstream);
}

function connectionTokens(value: string | undefined): Set<string> {
  return new Set((value ?? '').split(',').map((t) => t.trim().toLowerCase()).filter(Boolean));
}

function connectTunnel(host: ProxyHost, req: IncomingMessage, socket: Socket, head: Buffer): void {
  // node:http gave the socket up: a client that resets it must not take the agent down.
  socket.on('error', () => socket.destroy());
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(req.url ?? '');
  if (!m) {
    socket.end(rawError(400, `CONNECT "${req.url ?? ''}" is not HOST:PORT`));
    return;
  }
  const to = host.decide(m[1] ?? m[2] ?? '', Number(m[3]));
  if (to.kind === 'refuse') {
    host.log(`proxy: refused CONNECT ${req.url ?? ''}: ${to.why}`);
    socket.end(rawError(to.reason === 'bad' ? 400 : 403, to.why));
    return;
  }
  socket.setNoDelay(true);
  openTunnel(host, socket, to, head, {
    ok: () => Buffer.from('HTTP/1.1 200 Connection Established\r\n\r\n'),
    refused: (reason, text) => rawError(statusFor(reason), `${to.label}: ${text || reason}`),
  });
}
