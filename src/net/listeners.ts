/**
 * The agent's local listeners: one TCP server per VIP:port it must answer (every `--other`, and
 * its own VIP for each forward's listen port). A listen that fails is logged with a hint, the
 * others keep working, and it is tried again every LISTEN_RETRY_MS (a port held by an agent of
 * an earlier run, or by anything else, often frees up); `onChange` says when the set of failures
 * changes, for STATUS (docs/protocol.md §4.6). `apply` opens what is new and closes what was
 * withdrawn (CONFIG, §4.3). While any listener is open, a watch says when the process runs out
 * of file descriptors (src/net/descriptors.ts): Node would close those connections silently.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { errorCode, listenHint } from './socket-errors.js';
import { watchDescriptors } from './descriptors.js';

/** Small backlogs cause SYN retries under bursts (docs/protocol.md §10); the kernel caps it at somaxconn. */
export const LISTEN_BACKLOG = 4096;
/** How often a listen that failed is tried again. */
export const LISTEN_RETRY_MS = 2_000;

export interface ListenTarget {
  ip: string;
  port: number;
}

const key = (t: ListenTarget) => `${t.ip}:${t.port}`;

export class Listeners {
  private readonly servers = new Map<string, Server>();
  /** Wanted addresses whose listen failed, with the error code; retried by a timer. */
  private readonly failed = new Map<string, { target: ListenTarget; error: string }>();
  private retry: NodeJS.Timeout | undefined;
  private readonly onConnection: (socket: Socket, target: ListenTarget) => void;
  private readonly log: (line: string) => void;
  private readonly onChange: () => void;
  private closed = false;
  private stopDescriptorWatch: (() => void) | undefined;

  constructor(onConnection: (socket: Socket, target: ListenTarget) => void, log: (line: string) => void, onChange: () => void = () => {}) {
    this.onConnection = onConnection;
    this.log = log;
    this.onChange = onChange;
  }

  /** The addresses that should be listened on and are not, with why. */
  get failures(): { listen: string; error: string }[] {
    return [...this.failed].map(([listen, f]) => ({ listen, error: f.error }));
  }

  /** Resolves once every new listener is listening or has failed (failures are logged, not thrown). */
  async apply(targets: ListenTarget[]): Promise<void> {
    const wanted = new Map(targets.map((t) => [key(t), t]));
    for (const k of this.failed.keys()) if (!wanted.has(k)) this.failed.delete(k);
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
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.closed || this.retry || this.failed.size === 0) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      const again = [...this.failed].filter(([k]) => !this.servers.has(k));
      void Promise.all(again.map(([k, f]) => this.listen(k, f.target, true))).then(() => this.scheduleRetry());
    }, LISTEN_RETRY_MS);
    this.retry.unref();
  }

  /** `retrying`: a failed listen tried again; only a change (success, another error) is logged. */
  private listen(k: string, t: ListenTarget, retrying = false): Promise<void> {
    const server = createServer({ allowHalfOpen: true, noDelay: true }, (socket) => this.onConnection(socket, t));
    this.servers.set(k, server);
    this.stopDescriptorWatch ??= watchDescriptors('mesh listeners', this.log);
    return new Promise((resolve) => {
      server.once('listening', () => {
        server.off('error', onListenError);
        server.on('error', (e) => this.log(`listener ${k} failed: ${e.message}`));
        if (this.closed || this.servers.get(k) !== server) server.close(); // withdrawn while starting
        else if (this.failed.delete(k)) {
          this.log(`now listening on ${k}`);
          this.onChange();
        }
        resolve();
      });
      const onListenError = (e: Error): void => {
        const wanted = !this.closed && this.servers.get(k) === server;
        if (this.servers.get(k) === server) this.servers.delete(k);
        if (!wanted) return resolve(); // withdrawn while starting: nothing to report or retry
        const error = errorCode(e) ?? e.message;
        const before = this.failed.get(k)?.error;
        this.failed.set(k, { target: t, error });
        if (!retrying || before !== error) this.log(`cannot listen on ${k}: ${error}; ${listenHint(errorCode(e), t.ip, t.port)}${retrying ? '' : `; trying again every ${LISTEN_RETRY_MS / 1000} s`}`);
        if (retrying && before !== error) this.onChange();
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
    clearTimeout(this.retry);
    this.stopDescriptorWatch?.();
    this.stopDescriptorWatch = undefined;
    this.failed.clear();
    for (const s of this.servers.values()) if (s.listening) s.close();
    this.servers.clear();
  }
}
