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
import { ProcNetRows } from './proc-net-tcp.js';

const UNCONNECTED = '07';

export class UdpRows extends ProcNetRows {
  protected row(fields: readonly string[]): void {
    const [, , remote, state] = fields;
    if (remote === undefined || state !== UNCONNECTED || !/^0+:0000$/.test(remote)) return;
    const socket = this.socketOf(fields);
    // Inode 0: a socket being torn down, no longer anyone's.
    if (socket && socket.inode !== 0) this.listeners.push(socket);
  }
}
