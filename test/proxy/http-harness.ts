// The in-process harness of the proxies' tests: two bridges joined frame by frame stand for
// the client's agent and the web host's agent, whose forward dials real servers on 127.0.0.1;
// raw TCP servers and clients see and send exactly the bytes a test needs. useMesh() and
// useHttpProxy() are the fixture: what a file or suite needs, made before its tests and torn
// down after them.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import type { Server as HttpServer } from 'node:http';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { Bridge } from '../../src/net/bridge.js';
import { createHttpProxy } from '../../src/proxy/http-proxy.js';
import type { ProxyLimits } from '../../src/proxy/listener-guard.js';
import type { ProxyHost } from '../../src/proxy/proxy-host.js';
import { ipFromString, type FrameHeader } from '../../src/protocol/index.js';
import { waitFor } from '../helpers/wait.js';

export const LOCAL = ipFromString('127.0.42.100') ?? 0;
export const WEB = ipFromString('127.0.42.101') ?? 0;

/** Mesh port → the port on 127.0.0.1 the web host's forward dials. */
export const forwards = new Map<number, number>();
export const logs: string[] = [];
/** Closed after the tests (by useMesh()), so that the test process can exit. */
const servers: (Server | HttpServer)[] = [];

function joinedBridges(): { local: Bridge; web: Bridge } {
  // Frames cross on a later tick, as over a real link, in order.
  const link = (to: () => Bridge) => (header: FrameHeader, payload?: Buffer): boolean => {
    queueMicrotask(() => {
      const err = to().receive({ ...header, payload: payload ?? Buffer.alloc(0) });
      assert.equal(err, undefined);
    });
    return true;
  };
  const options = { log: (line: string) => logs.push(line) };
  const local: Bridge = new Bridge({ ...options, localIP: LOCAL, send: link(() => web), forwardFor: () => undefined });
  const web: Bridge = new Bridge({
    ...options, localIP: WEB, send: link(() => local),
    forwardFor: (port) => {
      const to = forwards.get(port);
      return to === undefined ? undefined : { listenPort: port, connectHost: '127.0.0.1', connectPort: to, proto: 'tcp' };
    },
  });
  return { local, web };
}

function proxyHost(bridge: Bridge): ProxyHost {
  return {
    bridge,
    decide: (host, port) => (host === 'web'
      ? { kind: 'mesh', vip: WEB, port, label: `web (127.0.42.101:${port})` }
      : { kind: 'refuse', why: `${host}:${port} is not a host of the mesh`, reason: 'policy' }),
    open: (end, to) => (to.kind === 'mesh' ? bridge.open(end, to) : { ok: false, code: 'router-too-old', why: 'no routes here' }),
    log: (line) => logs.push(line),
  };
}

export async function listen<T extends Server | HttpServer>(server: T): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

/** `server` listening on 127.0.0.1, closed after the tests; returns its port. */
export async function serve(server: Server | HttpServer): Promise<number> {
  servers.push(server);
  return listen(server);
}

/** `server` as the web host's service at mesh port `meshPort`. */
export async function forward(meshPort: number, server: Server | HttpServer): Promise<void> {
  forwards.set(meshPort, await serve(server));
}

export interface Mesh {
  readonly bridges: { local: Bridge; web: Bridge };
  /** The client's agent, as the proxies see it. */
  readonly host: ProxyHost;
}

/**
 * Joined bridges for the tests of the file or suite that calls it; after them, every server
 * (serve(), forward(), rawServer()) is closed and the bridges are reset.
 */
export function useMesh(): Mesh {
  const bridges = joinedBridges();
  after(() => {
    for (const s of servers.splice(0)) {
      if ('closeAllConnections' in s) s.closeAllConnections();
      s.close();
    }
    bridges.local.resetAll('shutting-down');
    bridges.web.resetAll('shutting-down');
  });
  return { bridges, host: proxyHost(bridges.local) };
}

export interface HttpProxyFixture extends Mesh {
  /** Where the proxy listens, once the tests run. */
  readonly port: number;
  /** A raw client connection to the proxy. */
  client(): RawClient;
}

/** useMesh() and an HTTP proxy on its local bridge, listening from before the tests. */
export function useHttpProxy(limits?: ProxyLimits): HttpProxyFixture {
  const mesh = useMesh();
  let port = 0;
  before(async () => {
    port = await serve(createHttpProxy(mesh.host, limits));
  });
  return {
    ...mesh,
    get port() {
      return port;
    },
    client: () => new RawClient(port),
  };
}

/** A raw TCP server: `onData` sees everything the connection received so far. */
export async function rawServer(meshPort: number, onData: (socket: Socket, received: string, n: number) => void): Promise<{ server: Server; connections: () => number }> {
  let count = 0;
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    const n = ++count;
    let received = '';
    socket.on('data', (d: Buffer) => {
      received += d.toString('latin1');
      onData(socket, received, n);
    });
    socket.on('error', () => {});
  });
  await forward(meshPort, server);
  return { server, connections: () => count };
}

/** A raw client connection to the proxy: what it received so far, and whether the proxy closed it. */
export class RawClient {
  readonly socket: Socket;
  text = '';
  closed = false;
  reset = false;
  constructor(port: number) {
    this.socket = connect({ host: '127.0.0.1', port });
    this.socket.on('data', (d: Buffer) => { this.text += d.toString('latin1'); });
    this.socket.on('error', () => { this.reset = true; });
    this.socket.on('close', () => { this.closed = true; });
  }

  send(text: string | Buffer): this {
    this.socket.write(text);
    return this;
  }

  async until(re: RegExp, what: string): Promise<string> {
    await this.wait(() => re.test(this.text), what);
    return this.text;
  }

  async closedByProxy(): Promise<void> {
    await this.wait(() => this.closed, 'the proxy to close the connection');
  }

  /** A timeout quotes what arrived, which usually says why. */
  private async wait(predicate: () => boolean, what: string): Promise<void> {
    try {
      await waitFor(predicate, { what });
    } catch (e) {
      throw new Error(`${(e as Error).message}; received ${JSON.stringify(this.text.slice(-400))}; proxy log: ${logs.slice(-5).join(' | ')}`);
    }
  }
}
