/**
 * The DNS add-on inside one agent: the DNS server on the VIP, /etc/resolv.conf pointed
 * at it, the names in /etc/hosts; started from the command line's configuration, changed live by
 * CONFIG (docs/protocol.md §4.3), undone on exit. Nothing here can fail the mesh: a port that
 * cannot be had, a read-only file, a missing nameserver are each one log line saying why and
 * what still works. Other agents may share the files (host-files.ts): while another live agent's
 * patch is in resolv.conf this one serves on its VIP only, and looks again every
 * TAKEOVER_POLL_MS to take over once that agent is gone.
 */
import { isRoutersResolvConf, type MachineFiles } from './same-machine.js';
import type { AgentDns } from '../plan/types.js';
import { DnsServer } from './dns-server.js';
import { claimResolvConf, describeFsError, describeOwner, HostsBlock, originalResolvConf, recoverStale, SYSTEM_PATHS, type HostFilePaths, type ResolvConfPatch } from './host-files.js';
import { NameTable } from './name-table.js';
import { ownerFor, sameOwner, type Owner } from './owner.js';
import type { RelayTiming, Upstream } from './relay.js';
import { nameserversOf } from './resolv-conf.js';

/** Tried in order when the configured port cannot be had: a fixed one users can type, then any. */
export const FALLBACK_PORTS: readonly number[] = [10053, 0];
/** resolv.conf has no port: only a server on 53 can be the host's nameserver. */
const RESOLV_PORT = 53;
/** How often an agent that found another live agent's patch looks whether that agent is gone. */
export const TAKEOVER_POLL_MS = 1_000;

export interface DnsAddonOptions {
  paths?: HostFilePaths;
  /** The router's machine, from its HELLO: `resolvConf: auto` never patches the router's own file. */
  routerMachine?: MachineFiles;
  fallbackPorts?: readonly number[];
  /** The relay's budget and stagger (relay-schedule.ts); tests shorten them. */
  relay?: RelayTiming;
  /** The upstreams' port; 53 except in tests that cannot bind it. */
  upstreamPort?: number;
  takeoverPollMs?: number;
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
  /** Set while another live agent's patch keeps us from patching: we look again now and then. */
  private takeover: NodeJS.Timeout | undefined;
  private heldBy: Owner | undefined;
  private readonly onExit = (): void => this.restoreFiles();
  /** What servers closed before the current one counted (a port change rebinds). */
  private readonly counted = { answered: 0, relayed: 0, dropped: 0 };

  constructor(private readonly vip: string, private readonly log: (line: string) => void, private readonly options: DnsAddonOptions = {}) {
    this.paths = options.paths ?? SYSTEM_PATHS;
  }

  /** Queries answered, relayed and dropped since this agent started (docs/protocol.md §4.8). */
  get counters(): { answered: number; relayed: number; dropped: number } {
    const c = this.server?.counters;
    return { answered: this.counted.answered + (c?.answered ?? 0), relayed: this.counted.relayed + (c?.relayed ?? 0), dropped: this.counted.dropped + (c?.dropped ?? 0) };
  }

  /** Keeps what a server counted before it goes. */
  private keepCounts(): void {
    const c = this.server?.counters;
    if (!c) return;
    this.counted.answered += c.answered;
    this.counted.relayed += c.relayed;
    this.counted.dropped += c.dropped;
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
    // A configuration being applied when close() came may have patched since.
    this.restoreFiles();
    this.keepCounts();
    await this.server?.close();
    this.server = undefined;
  }

  /** Puts /etc/resolv.conf and /etc/hosts back as they were. Idempotent and synchronous. */
  restoreFiles(): void {
    this.stopTakeover();
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
      this.keepCounts();
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
    this.armExit();
    this.current = next;
  }

  /** This agent as the owner of its changes to the files (owner.ts). */
  private me(): Owner {
    return ownerFor(this.vip, this.boundPort);
  }

  /**
   * At the first configuration: recover what killed agents left, then read the true original:
   * the file, or the original a live agent's patch carries (never the patch: its nameserver is
   * that agent's relay, and two relays pointing at each other answer nothing).
   */
  private readUpstreams(): Upstream[] {
    for (const line of recoverStale(this.vip, this.paths)) this.log(`dns: ${line}`);
    let original = '';
    try {
      original = originalResolvConf(this.paths.resolvConf);
    } catch (error) {
      this.log(`dns: warning: ${this.paths.resolvConf} cannot be read: ${describeFsError(error)}; names outside the mesh get SERVFAIL`);
    }
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
    if (!mode || !possible) this.stopTakeover();
    if (this.resolv && (!mode || !possible)) {
      this.log(`dns: ${this.resolv.restore()}`);
      this.resolv = undefined;
    }
    if (!mode || this.resolv || this.takeover) return;
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
    this.claimResolvConf(mode, next?.etcHosts ?? false);
  }

  /** Patches resolv.conf, or (another live agent's patch is there) waits for its owner to go. */
  private claimResolvConf(mode: 'auto' | 'true', etcHosts: boolean): void {
    const path = this.paths.resolvConf;
    try {
      const claim = claimResolvConf(path, this.me());
      if (claim.kind === 'held') {
        if (!this.heldBy || !sameOwner(this.heldBy, claim.owner)) {
          this.log(`dns: warning: ${path} is patched by another live norouter agent, ${describeOwner(claim.owner)}, and stays its until it exits; then this agent takes over. Meanwhile the names answer at ${this.vip}:53 (\`dig @${this.vip} NAME\`)${etcHosts ? ' and through /etc/hosts' : ''}`);
        }
        this.heldBy = claim.owner;
        this.takeover ??= setInterval(() => this.retryClaim(), this.options.takeoverPollMs ?? TAKEOVER_POLL_MS).unref();
        return;
      }
      this.stopTakeover();
      this.resolv = claim.patch;
      this.armExit();
      if (claim.recoveredFrom) this.log(`dns: ${path}: the agent that patched it, ${describeOwner(claim.recoveredFrom)}, is gone; its original is recovered`);
      this.log(`dns: ${path} points at ${this.vip} until this agent exits`);
    } catch (error) {
      this.stopTakeover();
      const what = `${path} is not patched: ${describeFsError(error)}. The names still answer at ${this.vip}:53 (\`dig @${this.vip} NAME\`)${etcHosts ? ' and through /etc/hosts' : ''}; the mesh itself is unaffected`;
      this.log(mode === 'true' ? `dns: warning: ${what}` : `dns: ${what} (resolvConf: auto)`);
    }
  }

  /** The takeover poll: serialized with configuration changes, and with the configuration as it is now. */
  private retryClaim(): void {
    this.queue = this.queue.then(() => {
      const mode = this.current?.resolvConf;
      if (this.closed || this.resolv || !this.takeover || !mode) return this.stopTakeover();
      this.claimResolvConf(mode, this.current?.etcHosts ?? false);
    });
  }

  /** Exactly one 'exit' handler while something is to be restored, none otherwise. */
  private armExit(): void {
    process.off('exit', this.onExit);
    if (this.resolv || this.hosts) process.on('exit', this.onExit);
  }

  private stopTakeover(): void {
    if (this.takeover) clearInterval(this.takeover);
    this.takeover = undefined;
    this.heldBy = undefined;
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
      const { block, removed } = HostsBlock.write(this.paths.hosts, this.me(), next.names, next.domain);
      this.hosts = block;
      this.hostsContent = content;
      if (removed) this.log(`dns: ${this.paths.hosts}: removed ${removed === 1 ? 'a block' : `${removed} blocks`} of agents that are gone`);
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
