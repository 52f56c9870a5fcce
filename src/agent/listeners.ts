/**
 * The agent's local listeners: one TCP server per VIP:port it must answer (every `--other`, and
 * its own VIP for each forward's listen port). A listen that fails is logged with a hint and the
 * others keep working. `apply` opens what is new and closes what was withdrawn (CONFIG, §4.3).
 */
import { createServer, type Server, type Socket } from 'node:net';
import { errorCode, listenHint } from './socket-errors.js';

/** DESIGN.md: small backlogs cause SYN retries under connection bursts; the kernel caps it at somaxconn. */
export const LISTEN_BACKLOG = 4096;

export interface ListenTarget {
  ip: string;
  port: number;
}

const key = (t: ListenTarget) => `${t.ip}:${t.port}`;

export class Listeners {
  private readonly servers = new Map<string, Server>();
  private readonly onConnection: (socket: Socket, target: ListenTarget) => void;
  private readonly log: (line: string) => void;
  private closed = false;

  constructor(onConnection: (socket: Socket, target: ListenTarget) => void, log: (line: string) => void) {
    this.onConnection = onConnection;
    this.log = log;
  }

  /** Resolves once every new listener is listening or has failed (failures are logged, not thrown). */
  async apply(targets: ListenTarget[]): Promise<void> {
    const wanted = new Map(targets.map((t) => [key(t), t]));
    for (const [k, server] of this.servers) {
      if (wanted.has(k)) continue;
      this.servers.delete(k);
      if (server.listening) server.close();
      this.log(`stopped listening on ${k}`);
    }
    const started: Promise<void>[] = [];
    for (const [k, t] of wanted) {
      if (this.servers.has(k)) continue;
      started.push(this.listen(k, t));
    }
    await Promise.all(started);
  }

  private listen(k: string, t: ListenTarget): Promise<void> {
    const server = createServer({ allowHalfOpen: true, noDelay: true }, (socket) => this.onConnection(socket, t));
    this.servers.set(k, server);
    return new Promise((resolve) => {
      server.once('listening', () => {
        server.off('error', onListenError);
        if (this.closed || this.servers.get(k) !== server) server.close(); // withdrawn while starting
        server.on('error', (e) => this.log(`listener ${k} failed: ${e.message}`));
        resolve();
      });
      const onListenError = (e: Error): void => {
        if (this.servers.get(k) === server) this.servers.delete(k);
        this.log(`cannot listen on ${k}: ${errorCode(e) ?? e.message}; ${listenHint(errorCode(e), t.ip, t.port)}`);
        resolve();
      };
      server.once('error', onListenError);
      server.listen({ host: t.ip, port: t.port, backlog: LISTEN_BACKLOG });
    });
  }

  /** The addresses currently listened on (for tests and logs). */
  get listening(): string[] {
    return [...this.servers.entries()].filter(([, s]) => s.listening).map(([k]) => k);
  }

  /**
   * Stops listening at once (the ports are free when this returns). Connections already
   * accepted are not waited for: the caller resets them.
   */
  closeAll(): void {
    this.closed = true;
    for (const s of this.servers.values()) if (s.listening) s.close();
    this.servers.clear();
  }
}
