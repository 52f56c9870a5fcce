/**
 * The agent's local listeners: one TCP server per VIP:port it must answer (every `--other`, and
 * its own VIP for each forward's listen port), kept by RetryingListens (./retrying-listens.ts:
 * withdrawn ones closed, failed ones logged with a hint and tried again, failures for STATUS,
 * docs/protocol.md §4.6). While any listener is open, a watch says when the process runs out of
 * file descriptors (src/net/descriptors.ts): Node would close those connections silently.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { watchDescriptors } from './descriptors.js';
import { RetryingListens, type ListenTarget } from './retrying-listens.js';

export { LISTEN_RETRY_MS, type ListenTarget } from './retrying-listens.js';

/** Small backlogs cause SYN retries under bursts (docs/protocol.md §10); the kernel caps it at somaxconn. */
export const LISTEN_BACKLOG = 4096;

export class Listeners {
  private readonly listens: RetryingListens<Server>;
  private stopDescriptorWatch: (() => void) | undefined;

  constructor(onConnection: (socket: Socket, target: ListenTarget) => void, log: (line: string) => void, onChange: () => void = () => {}) {
    this.listens = new RetryingListens<Server>({
      suffix: '',
      open: (t, k, listening, failed) => {
        this.stopDescriptorWatch ??= watchDescriptors('mesh listeners', log);
        const server = createServer({ allowHalfOpen: true, noDelay: true }, (socket) => onConnection(socket, t));
        server.once('listening', () => {
          server.off('error', failed);
          server.on('error', (e) => log(`listener ${k} failed: ${e.message}`));
          listening();
        });
        server.once('error', failed);
        server.listen({ host: t.ip, port: t.port, backlog: LISTEN_BACKLOG });
        return server;
      },
      close: (server) => {
        if (server.listening) server.close();
      },
      isListening: (server) => server.listening,
    }, log, onChange);
  }

  /** The addresses that should be listened on and are not, with why. */
  get failures(): { listen: string; error: string }[] {
    return this.listens.failures;
  }

  /** Resolves once every new listener is listening or has failed (failures are logged, not thrown). */
  apply(targets: ListenTarget[]): Promise<void> {
    return this.listens.apply(targets);
  }

  /** The addresses currently listened on (for tests and logs). */
  get listening(): string[] {
    return this.listens.listening;
  }

  /**
   * Stops listening at once (the ports are free when this returns). Connections already
   * accepted are not waited for: the caller resets them.
   */
  closeAll(): void {
    this.listens.closeAll();
    this.stopDescriptorWatch?.();
    this.stopDescriptorWatch = undefined;
  }
}
