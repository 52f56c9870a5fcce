/**
 * How much of a link's output queue, and of its traffic, datagrams may take (docs/protocol.md
 * §14.4). A datagram is sent when the datagrams already waiting in that queue come to less than
 * UDP_MAX_QUEUED and the whole queue to less than UDP_MAX_BACKLOG; and, while TCP and control
 * frames wait in the queue (more than UDP_STREAM_BUSY), only within a budget those frames earn
 * (UDP_BUSY_SHARE, UDP_DATAGRAM_CHARGE). Else it is dropped.
 *
 * Counting only the datagrams' own bytes in the queue keeps both kinds of traffic going: a TCP
 * transfer that fills the queue does not starve a DNS query, and a UDP flood cannot hold more than
 * UDP_MAX_QUEUED in front of TCP frames (with a cap on the whole queue, UDP fed every TCP
 * connection's frames delay until their throughput collapsed: docs/benchmarks.md, "UDP"). The
 * budget is what keeps TCP's throughput: on a machine with few cores what a flood costs is CPU in
 * every process on its path, not queue space, so while TCP frames wait, datagrams get a small,
 * fixed share of what the TCP traffic costs, and the rest of the flood is dropped here.
 *
 * The queue is FIFO, so a datagram has left once the link's output has taken every byte queued
 * up to its end: `queuedBytes - backlog` is how far the output has taken. Every datagram on the
 * link goes through its one share (the agent's both sides, the router's per destination link), so
 * `queuedBytes` less the datagrams' bytes is what TCP and control frames queued.
 */
import { UDP_BUSY_BURST, UDP_BUSY_SHARE, UDP_DATAGRAM_CHARGE, UDP_MAX_BACKLOG, UDP_MAX_QUEUED, UDP_STREAM_BUSY } from './udp-limits.js';

/** What a share needs of a link: FramedStream and the router's HostLink both have it. */
export interface QueuedLink {
  readonly backlog: number;
  readonly queuedBytes: number;
}

export class UdpShare {
  /** End positions (in the link's queuedBytes) and sizes of the datagrams still queued, oldest first. */
  private readonly ends: number[] = [];
  private readonly sizes: number[] = [];
  private head = 0;
  private waiting = 0;
  /** Datagram bytes queued through this share since it began. */
  private datagramBytes = 0;
  /** TCP and control bytes queued on the link when the budget last earned from them. */
  private streamSeen = 0;
  /** The budget left while the link is busy (may go below 0 by one datagram). */
  private credit = UDP_BUSY_BURST;

  /** Datagram bytes still in the link's queue. */
  queued(link: QueuedLink): number {
    const taken = link.queuedBytes - link.backlog;
    while (this.head < this.ends.length && (this.ends[this.head] ?? 0) <= taken) {
      this.waiting -= this.sizes[this.head] ?? 0;
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > this.ends.length) {
      this.ends.splice(0, this.head);
      this.sizes.splice(0, this.head);
      this.head = 0;
    }
    return this.waiting;
  }

  /** TCP and control bytes waiting in the link's queue. */
  streamWaiting(link: QueuedLink): number {
    return link.backlog - this.queued(link);
  }

  /** The budget left while the link is busy with TCP (bytes; at most UDP_BUSY_BURST). */
  budget(link: QueuedLink): number {
    this.earn(link);
    return this.credit;
  }

  /** Why a datagram may not go now, or undefined when it may (then call sent() once it is queued). */
  refuse(link: QueuedLink): string | undefined {
    if (link.backlog > UDP_MAX_BACKLOG) return `the link has ${link.backlog} bytes waiting`;
    const mine = this.queued(link);
    if (mine > UDP_MAX_QUEUED) return `the link has ${mine} bytes of datagrams waiting`;
    const stream = link.backlog - mine;
    if (stream > UDP_STREAM_BUSY && this.budget(link) <= 0) return `the link has ${stream} bytes of TCP frames waiting and datagrams took their share of it`;
    return undefined;
  }

  /** A datagram was just queued on `link` (its frame is the last `bytes` of queuedBytes). */
  sent(link: QueuedLink, bytes: number): void {
    const stream = link.backlog - bytes - this.queued(link);
    this.datagramBytes += bytes;
    this.earn(link);
    if (stream > UDP_STREAM_BUSY) this.credit -= bytes + UDP_DATAGRAM_CHARGE;
    this.ends.push(link.queuedBytes);
    this.sizes.push(bytes);
    this.waiting += bytes;
  }

  /** TCP and control bytes queued since the last call earn datagrams 1/UDP_BUSY_SHARE of them. */
  private earn(link: QueuedLink): void {
    const stream = link.queuedBytes - this.datagramBytes;
    if (stream <= this.streamSeen) return;
    this.credit = Math.min(UDP_BUSY_BURST, this.credit + (stream - this.streamSeen) / UDP_BUSY_SHARE);
    this.streamSeen = stream;
  }
}
