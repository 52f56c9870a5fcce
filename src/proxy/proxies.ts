/**
 * The agent's proxy listeners. `apply` follows CONFIG: a listener is restarted only
 * when its address changes; the routing it does always reads the current configuration.
 */
import type { Server } from 'node:net';
import type { AgentProxy } from '../plan/types.js';
import { parseListenAddress } from '../plan/route-pattern.js';
import { errorCode } from '../net/socket-errors.js';
import { LISTEN_BACKLOG } from '../net/listeners.js';
import { createHttpProxy } from './http-proxy.js';
import { createSocksProxy } from './socks-proxy.js';
import type { ProxyHost } from './proxy-host.js';
import { DEFAULT_LIMITS, guardListener, type ProxyLimits } from './listener-guard.js';

type Kind = 'http' | 'socks';

interface Running {
  address: string;
  server: Server;
}

export class Proxies {
  private readonly running = new Map<Kind, Running>();
  private closed = false;

  constructor(private readonly host: ProxyHost, private readonly limits: ProxyLimits = DEFAULT_LIMITS) {}

  /** Resolves once every new listener listens or has failed (failures are logged). */
  async apply(proxy: AgentProxy | undefined): Promise<void> {
    await Promise.all((['http', 'socks'] as const).map((kind) => this.applyOne(kind, proxy?.[kind])));
  }

  private async applyOne(kind: Kind, address: string | undefined): Promise<void> {
    const now = this.running.get(kind);
    if (now?.address === address) return;
    if (now) {
      this.running.delete(kind);
      now.server.close();
      this.host.log(`${kind} proxy: stopped listening on ${now.address}`);
    }
    if (address === undefined || this.closed) return;
    const parsed = parseListenAddress(address);
    if (!parsed.ok) return this.host.log(`${kind} proxy: ${parsed.error}`);
    const server = kind === 'http' ? createHttpProxy(this.host, this.limits) : createSocksProxy(this.host, this.limits);
    this.running.set(kind, { address, server });
    await new Promise<void>((resolve) => {
      server.once('listening', () => {
        server.off('error', onError);
        server.on('error', (e) => this.host.log(`${kind} proxy ${address} failed: ${e.message}`));
        if (this.closed || this.running.get(kind)?.server !== server) server.close();
        else {
          this.host.log(`${kind} proxy listening on ${address}`);
          guardListener(server, `${kind} proxy ${address}`, this.limits, (line) => this.host.log(line));
        }
        resolve();
      });
      const onError = (e: Error): void => {
        if (this.running.get(kind)?.server === server) this.running.delete(kind);
        this.host.log(`${kind} proxy: cannot listen on ${address}: ${errorCode(e) ?? e.message}`);
        resolve();
      };
      server.once('error', onError);
      server.listen({ host: parsed.value.host, port: parsed.value.port, backlog: LISTEN_BACKLOG });
    });
  }

  /** The addresses listened on, as `http ADDRESS` / `socks ADDRESS` (tests and logs). */
  get listening(): string[] {
    return [...this.running.entries()].filter(([, r]) => r.server.listening).map(([kind, r]) => `${kind} ${r.address}`);
  }

  closeAll(): void {
    this.closed = true;
    for (const r of this.running.values()) {
      r.server.close();
      // Keep-alive clients would hold an HTTP server open: their connections go too.
      (r.server as Server & { closeAllConnections?: () => void }).closeAllConnections?.();
    }
    this.running.clear();
  }
}
