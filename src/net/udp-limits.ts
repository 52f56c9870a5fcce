/**
 * Bounds on what datagrams may hold (docs/protocol.md §14.4): UDP never gets an unbounded
 * queue, and never delays TCP frames on a link by more than a small, fixed amount.
 */

/**
 * A datagram is dropped rather than queued when datagrams already hold this much of a link's
 * output queue (src/net/udp-share.ts): TCP frames then wait behind at most 256 KiB of datagrams,
 * about a millisecond at the mesh's rates.
 */
export const UDP_MAX_QUEUED = 256 * 1024;
/**
 * ... or when the whole queue holds this much: the link is congested whatever fills it (the
 * router takes no new TCP connection towards such a link either: src/router/host-link.ts's
 * MAX_OPEN_BACKLOG). Far above what TCP alone keeps queued on a busy link (one connection's
 * window is INITIAL_WINDOW, 4 MiB), so a download does not starve a DNS query.
 */
export const UDP_MAX_BACKLOG = 16 * 1024 * 1024;
/**
 * While more than this many bytes of TCP and control frames wait in a link's output queue, the
 * link is busy with TCP and datagrams get only a budget (src/net/udp-share.ts). The queue
 * includes the frames of the current turn not yet written, so this also says "a TCP transfer is
 * pushing data through this process now": on 2 vCPUs a flood costs TCP CPU in the same event loop
 * long before TCP frames wait in a pipe (docs/benchmarks.md, "UDP"). An interactive session or a
 * DNS answer queues less than this in a turn.
 */
export const UDP_STREAM_BUSY = 16 * 1024;
/**
 * The budget: every UDP_BUSY_SHARE bytes of TCP and control frames queued on a busy link earn
 * datagrams one byte, up to UDP_BUSY_BURST; each datagram sent while the link is busy costs its
 * frame's bytes plus UDP_DATAGRAM_CHARGE. The charge is what a datagram costs the processes on
 * its path beyond its bytes (a read, a frame, an event in each): on the 2-vCPU bench a 1,200-byte
 * datagram took the router and the two agents about as much CPU as 10 to 20 KiB of a TCP
 * transfer (docs/benchmarks.md, "UDP"), so the budget shares CPU rather than bytes. With 1/16, a
 * UDP flood takes at most about 6% of what the link's TCP traffic costs while that traffic waits.
 */
export const UDP_BUSY_SHARE = 16;
export const UDP_DATAGRAM_CHARGE = 16 * 1024;
export const UDP_BUSY_BURST = 64 * 1024;
/**
 * How long a client-side UDP socket stops reading after the link refused one of its datagrams
 * (src/net/udp-read-pause.ts): the kernel drops what overflows its receive buffer meanwhile,
 * instead of this process reading each datagram only to drop it.
 */
export const UDP_READ_PAUSE_MS = 1;
/** A local UDP socket's send queue (bytes the kernel has not taken yet) past which datagrams are dropped. */
export const UDP_MAX_SEND_QUEUE = 1024 * 1024;
/** Datagrams a new flow holds while its target's name resolves and its socket connects. */
export const UDP_MAX_PENDING = 64;
/** Flow ports an initiator picks from (as TCP source ports, §5.8). */
export const FIRST_FLOW_PORT = 1024;
export const LAST_FLOW_PORT = 65535;
/** How often idle flows are looked for: a quarter of the idle time, within these bounds. */
export function sweepEvery(idleMs: number): number {
  return Math.max(10, Math.min(1000, Math.floor(idleMs / 4)));
}

/**
 * SO_RCVBUF and SO_SNDBUF asked for on every UDP socket of a flow or listener: a datagram that
 * arrives while the event loop is busy waits in the kernel, and the default (rmem_default, about
 * 208 KiB: some 100 datagrams of 1,200 bytes) overflows in a few milliseconds of a burst. Linux
 * caps the value at rmem_max / wmem_max without an error.
 */
export const UDP_SOCKET_BUFFER = 4 * 1024 * 1024;
