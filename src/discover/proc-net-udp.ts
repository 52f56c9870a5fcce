/**
 * The unconnected rows of /proc/net/udp and /proc/net/udp6 (the kernel's udp4_format_sock:
 * the same columns as /proc/net/tcp), sans-IO: text in, candidate listeners out.
 *
 * UDP has no LISTEN state: a socket that serves is one bound to a local port and connected to no
 * peer, state 07 (TCP_CLOSE, the state of every unconnected UDP socket) with a remote address of
 * zeros. A connected socket (state 01, a remote address: the per-flow sockets of an agent, a
 * resolver that connect()s) is never a server. A client that sends with sendto() from an
 * unconnected socket looks exactly like a server: select.ts and watcher.ts decide which to trust
 * (docs/discovery.md, "UDP"). Rows are in hash order, not by state: the whole file is read.
 */
import { ipv4Of, ipv6Of, type Listener } from './proc-net-tcp.js';

const UNCONNECTED = '07';

export class UdpRows {
  readonly listeners: Listener[] = [];
  private tail = '';
  private header = true;

  constructor(private readonly family: 4 | 6, private readonly littleEndian = true) {}

  /** Takes the next piece of the file; always true: every row may be a listener. */
  push(chunk: string): boolean {
    const text = this.tail + chunk;
    let start = 0;
    for (;;) {
      const end = text.indexOf('\n', start);
      if (end < 0) break;
      this.row(text.slice(start, end));
      start = end + 1;
    }
    this.tail = text.slice(start);
    return true;
  }

  end(): Listener[] {
    if (this.tail) this.row(this.tail);
    this.tail = '';
    return this.listeners;
  }

  private row(line: string): void {
    if (this.header) {
      this.header = false;
      return;
    }
    const fields = line.trim().split(/\s+/);
    const [, local, remote, state] = fields;
    if (local === undefined || remote === undefined || state !== UNCONNECTED || !/^0+:0000$/.test(remote)) return;
    const colon = local.indexOf(':');
    const port = Number.parseInt(local.slice(colon + 1), 16);
    const address = this.family === 4 ? ipv4Of(local.slice(0, colon), this.littleEndian) : ipv6Of(local.slice(0, colon), this.littleEndian);
    const inode = Number(fields[9]);
    // Inode 0: a socket being torn down, no longer anyone's.
    if (address === undefined || !(port > 0 && port < 65536) || !Number.isSafeInteger(inode) || inode === 0) return;
    this.listeners.push({ address, port, family: this.family, inode });
  }
}
