/**
 * The LISTEN rows of /proc/net/tcp and /proc/net/tcp6 (the kernel's proc_net_tcp format), sans-IO:
 * text in, listeners out, in whatever chunks the reads return.
 *
 * A row is `sl local_address rem_address st … uid timeout inode …`; `local_address` is the
 * address as the kernel holds it, printed as 32-bit words in the machine's byte order (8 hex
 * digits for IPv4, four such words for IPv6) then `:PORT` in hex. `st` 0A is TCP_LISTEN.
 *
 * The kernel lists the listening hash table before the established one (net/ipv4/tcp_ipv4.c,
 * tcp_get_idx: listening_get_idx, then established_get_idx), so the first row in another state
 * ends the listeners: the reader stops there and never reads the rows of a busy host's
 * connections, which can be thousands.
 */

export interface Listener {
  /** The listening address, as Node writes it: `127.0.0.1`, `0.0.0.0`, `::`, `::1`, `fd00::2`. */
  address: string;
  port: number;
  family: 4 | 6;
  /** The socket's inode: /proc/PID/fd links read `socket:[INODE]`. */
  inode: number;
}

const LISTEN = '0A';

/**
 * A /proc/net/{tcp,udp}{,6} table read in whatever chunks the reads return: rows split on
 * newlines (a row cut across chunks is joined), the header skipped, each row's fields handed to
 * `row()`, which adds listeners and may end the reading (`done`).
 */
export abstract class ProcNetRows {
  readonly listeners: Listener[] = [];
  /** True once the reader may stop: nothing after this point is a listener. */
  done = false;
  private tail = '';
  private header = true;

  constructor(protected readonly family: 4 | 6, protected readonly littleEndian = true) {}

  /** Takes the next piece of the file; returns false once the reader may stop. */
  push(chunk: string): boolean {
    if (this.done) return false;
    const text = this.tail + chunk;
    let start = 0;
    for (;;) {
      const end = text.indexOf('\n', start);
      if (end < 0) break;
      this.line(text.slice(start, end));
      start = end + 1;
      if (this.done) return false;
    }
    this.tail = text.slice(start);
    return true;
  }

  /** The end of the file: a last row without its newline is still a row. */
  end(): Listener[] {
    if (!this.done && this.tail) this.line(this.tail);
    this.tail = '';
    return this.listeners;
  }

  /** One row's fields (`sl local_address rem_address st … inode …`). */
  protected abstract row(fields: readonly string[]): void;

  /** The socket of a row: its local address, port and inode, or undefined when they do not parse. */
  protected socketOf(fields: readonly string[]): Listener | undefined {
    const local = fields[1] as string;
    const colon = local.indexOf(':');
    const port = Number.parseInt(local.slice(colon + 1), 16);
    const address = this.family === 4 ? ipv4Of(local.slice(0, colon), this.littleEndian) : ipv6Of(local.slice(0, colon), this.littleEndian);
    const inode = Number(fields[9]);
    if (address === undefined || !(port > 0 && port < 65536) || !Number.isSafeInteger(inode)) return undefined;
    return { address, port, family: this.family, inode };
  }

  private line(line: string): void {
    if (this.header) {
      this.header = false;
      return;
    }
    const fields = line.trim().split(/\s+/);
    if (fields[1] === undefined || fields[3] === undefined) return;
    this.row(fields);
  }
}

export class ListenRows extends ProcNetRows {
  protected row(fields: readonly string[]): void {
    if (fields[3] !== LISTEN) {
      this.done = true;
      return;
    }
    const socket = this.socketOf(fields);
    if (socket) this.listeners.push(socket);
  }
}

/** The four bytes of one 32-bit word printed as 8 hex digits, in memory order. */
function wordBytes(hex: string, littleEndian: boolean): number[] | undefined {
  if (!/^[0-9A-Fa-f]{8}$/.test(hex)) return undefined;
  const n = Number.parseInt(hex, 16);
  const big = [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
  return littleEndian ? big.reverse() : big;
}

export function ipv4Of(hex: string, littleEndian = true): string | undefined {
  return wordBytes(hex, littleEndian)?.join('.');
}

export function ipv6Of(hex: string, littleEndian = true): string | undefined {
  if (hex.length !== 32) return undefined;
  const bytes: number[] = [];
  for (let i = 0; i < 32; i += 8) {
    const word = wordBytes(hex.slice(i, i + 8), littleEndian);
    if (!word) return undefined;
    bytes.push(...word);
  }
  // An IPv4-mapped address (a dual-stack socket bound to one IPv4 address) is that address.
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) return bytes.slice(12).join('.');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  return compressIPv6(groups);
}

/** RFC 5952: lower case, the longest run of two or more zero groups as `::`. */
function compressIPv6(groups: readonly number[]): string {
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}
