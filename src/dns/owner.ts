/**
 * Who changed a shared host file, and is that agent still alive? Several agents can share one
 * /etc/resolv.conf or /etc/hosts (two meshes with agents in one container, the same manifest
 * started twice, a restart while another runs): each change records its owner, and a change
 * belongs to its owner until the owner exits (docs/reliability.md, "DNS: shared files and the
 * upstream time budget"). An owner is a process named so that a reused pid is not mistaken for
 * it: pid plus start time (/proc/PID/stat field 22, clock ticks since boot), the kernel's boot id,
 * and the pid and network namespaces it ran in.
 */
import { readFileSync, readlinkSync } from 'node:fs';
import { endianness } from 'node:os';

export interface Owner {
  vip: string;
  /** The port its DNS server listens on, when it has one (liveness from another pid namespace). */
  port?: number;
  pid: number;
  /** Empty where /proc cannot be read (not Linux), or in a record older than owners. */
  start: string;
  boot: string;
  pidns: string;
  netns: string;
  /** A record written before owners were recorded: only the VIP and pid are known. */
  legacy?: boolean;
}

export type OwnerState = 'self' | 'alive' | 'dead';

const readOr = (read: () => string): string => {
  try {
    return read();
  } catch {
    return '';
  }
};

/**
 * Field 22 of /proc/PID/stat, or '' when the process is gone or a zombie (killed, not yet
 * reaped: it holds no socket and will never restore anything). The name (field 2) may hold
 * spaces and parentheses, so fields are counted from its end.
 */
export function startTimeOf(pid: number | 'self'): string {
  const stat = readOr(() => readFileSync(`/proc/${pid}/stat`, 'latin1'));
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (rest[0] === 'Z' || rest[0] === 'X') return '';
  return rest[19] ?? '';
}

const nsOf = (pid: number | 'self', kind: 'pid' | 'net'): string => readOr(() => readlinkSync(`/proc/${pid}/ns/${kind}`)).replace(/^\w+:\[(\d+)\]$/, '$1');
/** /proc/sys/kernel/random/boot_id: the same for every process of one running kernel ('' where unreadable). */
export const bootId = (): string => readOr(() => readFileSync('/proc/sys/kernel/random/boot_id', 'latin1').trim());

/** The identity of process `pid` (this one by default) as the owner of a change for `vip`. */
export function ownerFor(vip: string, port?: number, pid: number | 'self' = 'self'): Owner {
  return {
    vip,
    ...(port !== undefined ? { port } : {}),
    pid: pid === 'self' ? process.pid : pid,
    start: startTimeOf(pid),
    boot: bootId(),
    pidns: nsOf(pid, 'pid'),
    netns: nsOf(pid, 'net'),
  };
}

/** One line of `key=value` words, safe in a comment of resolv.conf and /etc/hosts. */
export function formatOwner(o: Owner): string {
  const port = o.port !== undefined ? ` port=${o.port}` : '';
  return `vip=${o.vip}${port} pid=${o.pid} start=${o.start || '-'} boot=${o.boot || '-'} pidns=${o.pidns || '-'} netns=${o.netns || '-'}`;
}

export function parseOwner(text: string): Owner | undefined {
  const m = /^vip=(\d+\.\d+\.\d+\.\d+)(?: port=(\d+))? pid=(\d+) start=(\S+) boot=(\S+) pidns=(\S+) netns=(\S+)$/.exec(text.trim());
  if (!m) return undefined;
  const [, vip = '', port, pid = '', start = '', boot = '', pidns = '', netns = ''] = m;
  const none = (s: string): string => (s === '-' ? '' : s);
  return { vip, ...(port ? { port: Number(port) } : {}), pid: Number(pid), start: none(start), boot: none(boot), pidns: none(pidns), netns: none(netns) };
}

export function sameOwner(a: Owner, b: Owner): boolean {
  return !a.legacy && !b.legacy && a.vip === b.vip && a.pid === b.pid && a.start === b.start && a.boot === b.boot && a.pidns === b.pidns;
}

/**
 * Whether the owner of a change still runs, decided without waiting on anything:
 * - another boot id: dead (the machine restarted);
 * - our pid namespace: alive exactly when its pid runs with the same start time;
 * - another pid namespace but our network namespace: alive when its DNS server still listens
 *   (/proc/net/tcp); with no server recorded, assumed alive (nothing tells, so nothing is undone);
 * - another pid and network namespace: dead. That is a container restarted since (Docker keeps
 *   /etc/resolv.conf across `docker restart`, with new namespaces); two live containers
 *   bind-mounting one file is the case this cannot tell apart (docs/reliability.md).
 * Without /proc (not Linux), a signal 0 says whether the pid exists.
 */
export function ownerState(o: Owner, me: Owner = ownerFor(o.vip)): OwnerState {
  if (sameOwner(o, me)) return 'self';
  if (o.legacy) return isListening(o.vip, o.port ?? 53) ? 'alive' : 'dead';
  if (!me.boot || !o.boot) return pidExists(o.pid) ? 'alive' : 'dead';
  if (o.boot !== me.boot) return 'dead';
  if (o.pidns === me.pidns) return startTimeOf(o.pid) === o.start && o.start !== '' ? 'alive' : 'dead';
  if (o.netns === me.netns) return o.port === undefined || isListening(o.vip, o.port) ? 'alive' : 'dead';
  return 'dead';
}

function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** /proc/net/tcp's spelling of an IPv4 address and port: the address as the host's u32 (`0100007F:0035` is 127.0.0.1:53 on x86). */
function procNetKey(vip: string, port: number): string {
  const bytes = Buffer.from(vip.split('.').map(Number));
  const host = endianness() === 'LE' ? bytes.readUInt32LE(0) : bytes.readUInt32BE(0);
  return `${host.toString(16).toUpperCase().padStart(8, '0')}:${port.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * Is something listening on TCP vip:port in this network namespace? A read of /proc/net/tcp can
 * miss entries while connections come and go, so "no" needs three reads that all say no.
 */
export function isListening(vip: string, port: number): boolean {
  const key = procNetKey(vip, port);
  for (let i = 0; i < 3; i++) {
    const table = readOr(() => readFileSync('/proc/net/tcp', 'latin1'));
    if (table.split('\n').some((line) => line.trim().split(/\s+/)[1] === key && line.trim().split(/\s+/)[3] === '0A')) return true;
  }
  return false;
}
