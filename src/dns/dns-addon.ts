/**
 * The DNS add-on inside one agent (issue 5): the DNS server on the VIP, /etc/resolv.conf pointed
 * at it, the names in /etc/hosts; started from the command line's configuration, changed live by
 * CONFIG (docs/protocol.md §4.3), undone on exit. Nothing here can fail the mesh: a port that
 * cannot be had, a read-only file, a missing nameserver are each one log line saying why and
 * what still works.
 */
import { isRoutersResolvConf, type MachineFiles } from './same-machine.js';
import type { AgentDns } from '../plan/types.js';
import { DnsServer } from './dns-server.js';
import { describeFsError, HostsBlock, recoverStale, ResolvConfPatch, SYSTEM_PATHS, type HostFilePaths } from './host-files.js';
import { NameTable } from './name-table.js';
import type { RelayTiming, Upstream } from './relay.js';
import { nameserversOf } from './resolv-conf.js';

/** Tried in order when the configured port cannot be had: a fixed one users can type, then any. */
export const FALLBACK_PORTS: readonly number[] = [10053, 0];
/** resolv.conf has no port: only a server on 53 can be the host's nameserver. */
const RESOLV_PORT = 53;

export interface DnsAddonOptions {
  paths?: HostFilePaths;
  /** The router's machine, from its HELLO: `resolvConf: auto` never patches the router's own file. */
  routerMachine?: MachineFiles;
  fallbackPorts?: readonly number[];
  /** The relay's budget and stagger (relay-schedule.ts); tests shorten them. */
  relay?: RelayTiming;
  /** The upstreams' port; 53 except in tests that cannot bind it. */
  upstreamPort?: number;
}

export class DnsAddon {
  private readonly paths: HostFilePaths;
  private current: AgentDns | undefined;
  private server: DnsServer | undefined;
  private requestedPort: number | undefined;
  private boundPort: number | undefined;
  private resolv: ResolvConfPatch | undefined;
  private hosts: HostsBlock | undefined;
  private hostsContent = '';
  private upstreams: Upstream[] | undefined;
  private queue: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly onExit = (): void => this.restoreFiles();

  constructor(private readonly vip: string, private readonly log: (line: string) => void, private readonly options: DnsAddonOptions = {}) {
    this.paths = options.paths ?? SYSTEM_PATHS;
  }

  /** The port the server listens on, if it does. */
  get port(): number | undefined {
    return this.boundPort;
  }

  /** Applies a configuration (the first, or a reload's); undefined turns everything off. Serialized. */
  apply(dns: AgentDns | undefined): Promise<void> {
    this.queue = this.queue
      .then(() => this.applyNow(dns))
      .catch((error: unknown) => this.log(`dns: ${error instanceof Error ? error.message : String(error)}`));
    return this.queue;
  }

  /** Restores both files at once (synchronous: safe in an 'exit' handler), then closes the server. */
  async close(): Promise<void> {
    this.closed = true;
    this.restoreFiles();
    await this.queue;
    await this.server?.close();
    this.server = undefined;
  }

  /** Puts /etc/resolv.conf and /etc/hosts back as they were. Idempotent and synchronous. */
  restoreFiles(): void {
    if (this.resolv) this.log(`dns: ${this.resolv.restore()}`);
    if (this.hosts) this.log(`dns: ${this.hosts.remove()}`);
    this.resolv = undefined;
    this.hosts = undefined;
    process.off('exit', this.onExit);
  }

  private async applyNow(next: AgentDns | undefined): Promise<void> {
    if (this.closed) return;
    const upstreams = this.upstreams ?? this.readUpstreams();
    const table = new NameTable(next?.names ?? [], next?.domain);

    // The server: rebound only when its port changes; new names are served by the running one.
    if (this.server && next?.port !== this.requestedPort) {
      if (this.resolv) this.log(`dns: ${this.resolv.restore()}`);
      this.resolv = undefined;
      await this.server.close();
      this.server = undefined;
      this.boundPort = undefined;
      if (next?.port === undefined) this.log('dns: DNS server stopped');
    }
    if (next?.port !== undefined && !this.server) {
      await this.startServer(next.port, table, upstreams);
    } else if (this.server) {
      this.server.setTable(table);
      this.log(`dns: now serving ${table.size} names`);
    }
    this.requestedPort = next?.port;

    this.applyResolvConf(next);
    this.applyHosts(next);
    if (this.resolv || this.hosts) process.on('exit', this.onExit);
    else process.off('exit', this.onExit);
    this.current = next;
  }

  /** At the first configuration: recover what a killed agent left, then read the true original. */
  private readUpstreams(): Upstream[] {
    for (const line of recoverStale(this.vip, this.paths)) this.log(`dns: ${line}`);
    const original = ResolvConfPatch.readOriginal(this.paths.resolvConf) ?? '';
    const all = nameserversOf(original);
    const port = this.options.upstreamPort ?? RESOLV_PORT;
    // Never ourselves (a loop); IPv4 only: the relay's socket is udp4.
    const usable = all.filter((a) => a !== this.vip && /^\d+\.\d+\.\d+\.\d+$/.test(a));
    const skipped = all.filter((a) => !usable.includes(a) && a !== this.vip);
    if (skipped.length) this.log(`dns: nameservers ${skipped.join(', ')} are not IPv4 and are not used for relaying`);
    this.upstreams = usable.map((address) => ({ address, port }));
    return this.upstreams;
  }

  private async startServer(port: number, table: NameTable, upstreams: Upstream[]): Promise<void> {
    const tries = [port, ...(this.options.fallbackPorts ?? FALLBACK_PORTS).filter((p) => p !== port)];
    let firstProblem: string | undefined;
    for (const p of tries) {
      const server = new DnsServer(table, upstreams, {
        vip: this.vip,
        log: this.log,
        ...this.options.relay,
      });
      try {
        this.boundPort = await server.listen(p);
        this.server = server;
        break;
      } catch (error) {
        await server.close();
        firstProblem ??= describeListenError(error);
      }
    }
    const relayTo = upstreams.length ? `other names go to ${upstreams.map((u) => u.address).join(', ')}` : 'no other nameserver is known, so other names get SERVFAIL';
    if (this.boundPort === undefined) {
      this.log(`dns: warning: the DNS server cannot listen on ${this.vip} (${firstProblem ?? 'no port'}); names are not served here, and the mesh itself is unaffected`);
      return;
    }
    if (this.boundPort !== port) {
      this.log(`dns: warning: cannot listen on ${this.vip}:${port} (${firstProblem ?? '?'}); serving DNS on ${this.vip}:${this.boundPort} instead (\`dig -p ${this.boundPort} @${this.vip} NAME\`). /etc/resolv.conf is left alone, as it cannot name a port. The mesh itself is unaffected.`);
    }
    this.log(`dns: serving ${table.size} names on ${this.vip}:${this.boundPort} (UDP and TCP); ${relayTo}`);
  }

  private applyResolvConf(next: AgentDns | undefined): void {
    const mode = next?.resolvConf;
    const possible = this.boundPort === RESOLV_PORT;
    if (this.resolv && (!mode || !possible)) {
      this.log(`dns: ${this.resolv.restore()}`);
      this.resolv = undefined;
    }
    if (!mode || this.resolv) return;
    if (!possible) {
      // The fallback warning already said why; a configured port other than 53 is said here.
      if (this.boundPort !== undefined && next?.port !== RESOLV_PORT && this.current?.port !== next?.port) {
        this.log(`dns: /etc/resolv.conf is left alone: the DNS server is on port ${this.boundPort}, and resolv.conf can only point at port 53`);
      }
      return;
    }
    if (mode === 'auto' && isRoutersResolvConf(this.paths.resolvConf, this.options.routerMachine)) {
      this.log(`dns: ${this.paths.resolvConf} is the router machine's own file (this host shares its /etc), so resolvConf: auto leaves it alone; the names still answer at ${this.vip}:53`);
      return;
    }
    const original = ResolvConfPatch.readOriginal(this.paths.resolvConf);
    try {
      if (original === undefined) throw Object.assign(new Error('unreadable'), { code: 'ENOENT' });
      this.resolv = ResolvConfPatch.apply(this.paths.resolvConf, original, this.vip);
      this.log(`dns: ${this.paths.resolvConf} points at ${this.vip} until this agent exits`);
    } catch (error) {
      const what = `${this.paths.resolvConf} is not patched: ${describeFsError(error)}. The names still answer at ${this.vip}:53 (\`dig @${this.vip} NAME\`)${next?.etcHosts ? ' and through /etc/hosts' : ''}; the mesh itself is unaffected`;
      this.log(mode === 'true' ? `dns: warning: ${what}` : `dns: ${what} (resolvConf: auto)`);
    }
  }

  private applyHosts(next: AgentDns | undefined): void {
    if (!next?.etcHosts) {
      if (this.hosts) this.log(`dns: ${this.hosts.remove()}`);
      this.hosts = undefined;
      this.hostsContent = '';
      return;
    }
    const content = JSON.stringify([next.names, next.domain]);
    if (this.hosts && content === this.hostsContent) return;
    try {
      this.hosts = HostsBlock.write(this.paths.hosts, this.vip, next.names, next.domain);
      this.hostsContent = content;
      this.log(`dns: ${this.paths.hosts} lists ${next.names.length} names until this agent exits`);
    } catch (error) {
      this.log(`dns: warning: ${this.paths.hosts} is not written: ${describeFsError(error)}; ${next.port !== undefined ? 'the DNS server still answers the names' : 'the names are not known on this host'}, and the mesh itself is unaffected`);
    }
  }
}

function describeListenError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EACCES') return 'permission denied: ports below 1024 need root or CAP_NET_BIND_SERVICE';
  if (code === 'EADDRINUSE') return 'the port is in use';
  if (code === 'EADDRNOTAVAIL') return 'the address is not on this host';
  return error instanceof Error ? error.message : String(error);
}
