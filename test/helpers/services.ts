/**
 * Real services for the hosts of a test mesh, started as child processes from the fixture
 * scripts in test/fixtures/bin, in the host's network or inside a namespace; and the sha256
 * helpers that check a transfer arrived byte for byte.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { cmdFor } from './netns.js';
import { FollowedProcess } from './processes.js';

export const HTTP_SERVER = fileURLToPath(new URL('../fixtures/bin/http-server.mjs', import.meta.url));
export const TCP_SERVER = fileURLToPath(new URL('../fixtures/bin/tcp-server.mjs', import.meta.url));

export type TcpMode = 'echo' | 'banner' | 'upload' | 'blackhole' | 'reset' | 'count' | 'midreset';

export interface Service {
  /** The port it listens on (the one asked for, or the one the kernel picked for 0). */
  readonly port: number;
  readonly proc: FollowedProcess;
  stop(): Promise<void>;
}

export interface ServiceOptions {
  /** Run inside this network namespace; the host's network when undefined. */
  ns?: string | undefined;
  /** 0 (the default) lets the kernel pick; inside a fresh namespace any port is free. */
  port?: number;
  host?: string;
}

/** An HTTP server answering every request with `body`; resolves once it listens. */
export function startHttpServer(body: string, options: ServiceOptions = {}): Promise<Service> {
  const { port = 0, host = '127.0.0.1' } = options;
  return startFixture(options.ns, [HTTP_SERVER, String(port), body, host]);
}

/** A TCP server of the given behaviour (see the fixture's header); resolves once it listens. */
export function startTcpServer(mode: TcpMode, options: ServiceOptions & { text?: string } = {}): Promise<Service> {
  const { port = 0, host = '127.0.0.1', text = 'BANNER' } = options;
  return startFixture(options.ns, [TCP_SERVER, mode, String(port), host, text]);
}

/** Runs a fixture script (node SCRIPT ARGS…) in `ns` or here; resolves once it prints `listening PORT`. */
export async function startFixture(ns: string | undefined, args: string[]): Promise<Service> {
  const argv = [process.execPath, ...args];
  const proc = new FollowedProcess(ns ? cmdFor(ns, argv) : argv);
  try {
    const line = await proc.waitForLine(/^listening \d+$/, 5000);
    return { port: Number(line.split(' ')[1]), proc, stop: async () => void (await proc.stop('SIGTERM')) };
  } catch (error) {
    await proc.stop('SIGKILL').catch(() => {});
    throw error;
  }
}

/**
 * A TCP port that was free a moment ago on `host`. Prefer port 0 where the consumer can report
 * the port it got; this is for programs that must be told a port (sshd) or for a port that
 * must refuse connections.
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** `size` random bytes: incompressible and different per call, so a mixed-up stream shows. */
export function randomPayload(size: number): Buffer {
  return randomBytes(size);
}
