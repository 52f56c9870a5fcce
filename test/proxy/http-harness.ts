// The in-process harness of the HTTP proxy's tests: two bridges joined frame by frame stand for
// the client's agent and the web host's agent, whose forward dials real servers on 127.0.0.1;
// raw TCP servers and clients see and send exactly the bytes a test needs.
import assert from 'node:assert/strict';
import type { Server as HttpServer } from 'node:http';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { Bridge } from '../../src/net/bridge.js';
import type { ProxyHost } from '../../src/proxy/proxy-host.js';
import { ipFromString, type FrameHeader } from '../../src/protocol/index.js';
import { waitFor } from '../helpers/wait.js';

export const LOCAL = ipFromString('127.0.42.100') ?? 0;
export const WEB = ipFromString('127.0.42.101') ?? 0;

/** Mesh port → the port on 127.0.0.1 the web host's forward dials. */
export const forwards = new Map<number, number>();
export const logs: string[] = [];
/** Closed after the tests, so that the test process can exit. */
export const servers: Server[] = [];

export function joinedBridges(): { local: Bridge; web: Bridge } {
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

export function proxyHost(bridge: Bridge): ProxyHost {
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
  servers.push(server);
  forwards.set(meshPort, await listen(server));
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
