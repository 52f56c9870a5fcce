/**
 * The IO around proc-net-tcp.ts: watches what the host listens on and says when the set of
 * published ports changes.
 *
 * Reading /proc/net/tcp is not cheap even on an idle host: the kernel walks its whole
 * established-connection hash table (shared by every namespace: 262,144 buckets on this 24 GiB
 * machine) to find the end of the file, about 2 ms of CPU per file, so polling both files four
 * times a second cost 2% of a CPU (docs/benchmarks.md, "Port discovery"). So every POLL_MS only
 * /proc/net/sockstat and sockstat6 are read (about 10 µs): their `TCP: inuse` and `TCP6: inuse`
 * count this namespace's hashed TCP sockets, and listen() and close() change them. The tables
 * are read when a count changed, while a withdrawal waits for its confirming scan, and every
 * FULL_SCAN_MS in any case, for a listener that closed while another socket opened in the same
 * poll. Each file is opened once and read from its start with positioned reads into one reused
 * buffer, stopping at the first row that is not a listener.
 *
 * The agent's own sockets are told apart by inode: an inode not seen before is looked up among the
 * links of /proc/self/fd (`socket:[INODE]`), read only when such an inode appears, so the cost
 * does not grow with the agent's own descriptors at every poll. Addresses alone would not do: a
 * proxy of this agent listens on an ordinary address such as 127.0.0.1:18080.
 *
 * With `udp` in the filter, /proc/net/udp and udp6 are read too (proc-net-udp.ts), and `UDP:` and
 * `UDP6: inuse` join the counts. A UDP port is published only once two scans in a row saw it
 * (UDP_CONFIRM_SCANS; the next poll scans while one waits), and never from the namespace's
 * ephemeral port range unless `include` names it (udp-candidates.ts): a client's socket lives
 * there, and most live shorter than two polls (docs/discovery.md, "UDP").
 */
import { closeSync, openSync, readdirSync, readFileSync, readlinkSync, readSync } from 'node:fs';
import { endianness } from 'node:os';
import type { AgentDiscover } from '../protocol/agent-config.js';
import type { DiscoveredPort } from '../protocol/control.js';
import { ListenRows, type Listener, type ProcNetRows } from './proc-net-tcp.js';
import { UdpRows } from './proc-net-udp.js';
import { Presence, type PresenceChange } from './presence.js';
import { selectPorts } from './select.js';
import { UdpCandidates, readEphemeralRange } from './udp-candidates.js';

/**
 * 250 ms: a new server is found within a quarter second (the latency goal is under 1 s from
 * listen() to a connection through the mesh, docs/benchmarks.md), at a cost measured as nothing
 * on an idle host.
 */
export const POLL_MS = 250;
/** The full scan however still the counts are: a listener swapped for another socket in one poll is seen within this. */
export const FULL_SCAN_MS = 30_000;
/** One chunk of a proc file: the kernel hands out at most a page per read anyway. */
const CHUNK = 64 * 1024;

export interface WatcherOptions {
  filter: AgentDiscover;
  meshAddresses: ReadonlySet<string>;
  onChange(change: PresenceChange): void;
  /** The same for the UDP ports, with `udp` in the filter. */
  onUdpChange?(change: PresenceChange): void;
  /** The ports held on every address (see `wildcardPorts`, `wildcardUdpPorts`) changed. */
  onWildcardChange?(ports: ReadonlySet<number>): void;
  log(line: string): void;
  /** The files to read (tests give their own); /proc/net/tcp and tcp6 by default. */
  files?: readonly { path: string; family: 4 | 6 }[];
  /** /proc/net/udp and udp6 by default. */
  udpFiles?: readonly { path: string; family: 4 | 6 }[];
  /** The namespace's ephemeral ports; /proc/sys/net/ipv4/ip_local_port_range by default. */
  ephemeral?: [number, number];
  /** The socket counters; /proc/net/sockstat and sockstat6 by default; none: a full scan every poll. */
  sockstatFiles?: readonly string[];
  pollMs?: number;
}

const PROC_FILES = [{ path: '/proc/net/tcp', family: 4 as const }, { path: '/proc/net/tcp6', family: 6 as const }];
const UDP_FILES = [{ path: '/proc/net/udp', family: 4 as const }, { path: '/proc/net/udp6', family: 6 as const }];
const SOCKSTAT_FILES = ['/proc/net/sockstat', '/proc/net/sockstat6'];

export class PortWatcher {
  private filter: AgentDiscover;
  private meshAddresses: ReadonlySet<string>;
  private readonly presence = new Presence();
  private udpPresence = new Presence();
  private udpCandidates: UdpCandidates;
  private readonly ephemeral: [number, number];
  private readonly fds: { fd: number; family: 4 | 6; path: string }[] = [];
  /** Opened when the filter first asks for UDP. */
  private readonly udpFds: { fd: number; family: 4 | 6; path: string }[] = [];
  private udpWildcard = new Set<number>();
  private readonly buf = Buffer.allocUnsafe(CHUNK);
  private readonly littleEndian = endianness() === 'LE';
  /** Inodes already looked up: whether each is one of this process's sockets. */
  private own = new Map<number, boolean>();
  private timer: NodeJS.Timeout | undefined;
  private failed = new Set<string>();
  private wildcard = new Set<number>();
  private readonly counters: number[] = [];
  private lastCounts = '';
  private lastFull = 0;
  /** Polls and full scans so far (tests read them). */
  polls = 0;
  scans = 0;

  constructor(private readonly options: WatcherOptions) {
    this.filter = options.filter;
    this.meshAddresses = options.meshAddresses;
    this.ephemeral = options.ephemeral ?? readEphemeralRange();
    this.udpCandidates = new UdpCandidates(this.ephemeral);
    this.open(options.files ?? PROC_FILES, this.fds);
    if (this.filter.udp) this.open(options.udpFiles ?? UDP_FILES, this.udpFds);
    for (const path of options.sockstatFiles ?? SOCKSTAT_FILES) {
      try {
        this.counters.push(openSync(path, 'r'));
      } catch {
        // Without the counters every poll is a full scan: correct, only dearer.
      }
    }
  }

  /** Scans at once, then polls every POLL_MS. */
  start(): void {
    this.scan();
    this.timer = setInterval(() => this.poll(), this.options.pollMs ?? POLL_MS);
    this.timer.unref();
  }

  private open(files: readonly { path: string; family: 4 | 6 }[], into: { fd: number; family: 4 | 6; path: string }[]): void {
    for (const { path, family } of files) {
      try {
        into.push({ fd: openSync(path, 'r'), family, path });
      } catch (error) {
        // No tcp6 or udp6 where the kernel has no IPv6: nothing listens there either.
        if (family === 4 || (error as NodeJS.ErrnoException).code !== 'ENOENT') this.options.log(`discover: cannot read ${path}: ${(error as Error).message}`);
      }
    }
  }

  /** A full scan when the socket counts moved, a withdrawal or a UDP port waits, or FULL_SCAN_MS passed. */
  private poll(): void {
    this.polls++;
    const counts = this.counts();
    const waiting = this.presence.pending || this.udpPresence.pending || this.udpCandidates.pending;
    if (counts !== undefined && counts === this.lastCounts && !waiting && Date.now() - this.lastFull < FULL_SCAN_MS) return;
    this.scan();
  }

  /** `TCP: inuse N` and `TCP6: inuse N` of this namespace, as one text; undefined without the files. */
  private counts(): string | undefined {
    if (this.counters.length === 0) return undefined;
    let out = '';
    try {
      for (const fd of this.counters) {
        const n = readSync(fd, this.buf, 0, CHUNK, 0);
        const text = this.buf.toString('latin1', 0, n);
        const m = /^TCP6?: inuse ([0-9]+)/m.exec(text);
        out += `${m?.[1] ?? '?'} `;
        if (this.filter.udp) out += `${/^UDP6?: inuse ([0-9]+)/m.exec(text)?.[1] ?? '?'} `;
      }
    } catch {
      return undefined;
    }
    return out;
  }

  /** A new filter or new VIPs (CONFIG): applied from the next scan, which runs now. */
  update(filter: AgentDiscover, meshAddresses: ReadonlySet<string>): void {
    this.filter = filter;
    this.meshAddresses = meshAddresses;
    if (filter.udp && this.udpFds.length === 0) this.open(this.options.udpFiles ?? UDP_FILES, this.udpFds);
    // UDP turned off: what it had seen is forgotten, so that turning it on again starts afresh
    // (and a port that waited for its second scan no longer makes every poll a full scan).
    if (!filter.udp) {
      this.udpPresence = new Presence();
      this.udpCandidates = new UdpCandidates(this.ephemeral);
    }
    if (this.timer) this.scan();
  }

  get published(): DiscoveredPort[] {
    return this.presence.published();
  }

  /** The UDP ports published, with `udp` in the filter; else none. */
  get publishedUdp(): DiscoveredPort[] {
    return this.udpPresence.published();
  }

  /** `wildcardPorts` for UDP: a server on 0.0.0.0:PORT holds the VIP's PORT/udp too. */
  get wildcardUdpPorts(): ReadonlySet<number> {
    return this.udpWildcard;
  }

  /**
   * Ports that something other than the agent listens on at 0.0.0.0 or :: : that socket holds
   * the host's own VIP:PORT too (the whole of 127.0.0.0/8 is on the loopback), so the agent
   * cannot listen there, and need not: the host reaches the server at its VIP directly. (A ::
   * socket with IPV6_V6ONLY does not hold it; /proc does not say which, and dual-stack is the
   * default of Node, Python and Go.)
   */
  get wildcardPorts(): ReadonlySet<number> {
    return this.wildcard;
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    for (const { fd } of this.fds.splice(0)) closeSync(fd);
    for (const { fd } of this.udpFds.splice(0)) closeSync(fd);
    for (const fd of this.counters.splice(0)) closeSync(fd);
  }

  scan(): void {
    // The counts first: a socket opened while the tables are read changes them, and is seen next poll.
    this.lastCounts = this.counts() ?? '';
    this.lastFull = Date.now();
    this.scans++;
    const listeners: Listener[] = [];
    for (const file of this.fds) {
      const rows = this.read(file, new ListenRows(file.family, this.littleEndian));
      if (rows) listeners.push(...rows);
    }
    const udp: Listener[] = [];
    if (this.filter.udp) {
      for (const file of this.udpFds) {
        const rows = this.read(file, new UdpRows(file.family, this.littleEndian));
        if (rows) udp.push(...rows);
      }
    }
    this.lookUpOwn([...listeners, ...udp]);
    const exclusions = {
      meshAddresses: this.meshAddresses,
      isOwn: (inode: number) => this.own.get(inode) === true,
      ipv6Loopback: listeners.some((l) => l.address === '::') || udp.some((l) => l.address === '::') ? hasIPv6Loopback() : true,
    };
    const ports = selectPorts(listeners, this.filter, exclusions);
    const change = this.presence.observe(ports);
    if (change) this.options.onChange(change);
    // Only sockets that may be servers (udp-candidates.ts), for publishing and for the ports held
    // on every address alike: a client's socket bound to 0.0.0.0 (every unconnected sender) is in
    // the ephemeral range, and would change that set, and relisten the agent, with every DNS lookup.
    const eligibleUdp = this.udpCandidates.eligible(udp, this.filter);
    if (this.filter.udp) {
      const udpChange = this.udpPresence.observe(this.udpCandidates.confirm(
        selectPorts(eligibleUdp, this.filter, exclusions),
        new Set(this.udpPresence.published().map((p) => p.port)),
      ));
      if (udpChange) this.options.onUdpChange?.(udpChange);
    }
    const wildcard = this.wildcardOf(listeners);
    const udpWildcard = this.wildcardOf(eligibleUdp);
    if (!sameSet(wildcard, this.wildcard) || !sameSet(udpWildcard, this.udpWildcard)) {
      this.wildcard = wildcard;
      this.udpWildcard = udpWildcard;
      this.options.onWildcardChange?.(wildcard);
    }
  }

  private wildcardOf(listeners: readonly Listener[]): Set<number> {
    const out = new Set<number>();
    for (const l of listeners) if ((l.address === '0.0.0.0' || l.address === '::') && this.own.get(l.inode) !== true) out.add(l.port);
    return out;
  }

  private read(file: { fd: number; family: 4 | 6; path: string }, rows: ProcNetRows): Listener[] | undefined {
    let position = 0;
    try {
      for (;;) {
        const n = readSync(file.fd, this.buf, 0, CHUNK, position);
        if (n === 0) break;
        position += n;
        // latin1: the rows are ASCII, and a chunk may end anywhere.
        if (!rows.push(this.buf.toString('latin1', 0, n))) break;
      }
    } catch (error) {
      if (!this.failed.has(file.path)) this.options.log(`discover: reading ${file.path} failed: ${(error as Error).message}`);
      this.failed.add(file.path);
      return undefined;
    }
    this.failed.delete(file.path);
    return rows.end();
  }

  /** Looks up inodes not seen before among this process's descriptors; forgets inodes gone. */
  private lookUpOwn(listeners: readonly Listener[]): void {
    const now = new Set(listeners.map((l) => l.inode));
    if (listeners.some((l) => !this.own.has(l.inode))) {
      const mine = ownSocketInodes();
      for (const inode of now) if (!this.own.has(inode)) this.own.set(inode, mine.has(inode));
    }
    if (this.own.size > now.size) this.own = new Map([...this.own].filter(([inode]) => now.has(inode)));
  }
}

/** The inodes of this process's sockets, from the links of /proc/self/fd. */
export function ownSocketInodes(): Set<number> {
  const out = new Set<number>();
  let entries: string[];
  try {
    entries = readdirSync('/proc/self/fd');
  } catch {
    return out;
  }
  for (const fd of entries) {
    try {
      const m = /^socket:\[([0-9]+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (m) out.add(Number(m[1]));
    } catch {
      // Closed since the listing (the listing's own descriptor, for one).
    }
  }
  return out;
}

function sameSet(a: ReadonlySet<number>, b: ReadonlySet<number>): boolean {
  return a.size === b.size && [...a].every((p) => b.has(p));
}

/** Whether ::1 is on the loopback of this network namespace (/proc/net/if_inet6). */
function hasIPv6Loopback(): boolean {
  try {
    return /^0{31}1 /m.test(readFileSync('/proc/net/if_inet6', 'latin1'));
  } catch {
    return false;
  }
}
