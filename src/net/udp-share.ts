/**
 * How much of a link's output queue datagrams may hold (docs/protocol.md §14.4). A datagram is
 * sent when the datagrams already waiting in that queue come to less than UDP_MAX_QUEUED and the
 * whole queue to less than UDP_MAX_BACKLOG; else it is dropped. Counting only the datagrams'
 * own bytes keeps both kinds of traffic going: a TCP transfer that fills the queue does not
 * starve a DNS query, and a UDP flood cannot hold more than UDP_MAX_QUEUED in front of TCP
 * frames (with a cap on the whole queue, UDP fed every TCP connection's frames delay until their
 * throughput collapsed: docs/benchmarks.md, "UDP").
 *
 * The queue is FIFO, so a datagram has left once the link's output has taken every byte queued
 * up to its end: `queuedBytes - backlog` is how far the output has taken.
 */
import { UDP_MAX_BACKLOG, UDP_MAX_QUEUED } from './udp-limits.js';

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

  /** Why a datagram may not go now, or undefined when it may (then call sent() once it is queued). */
  refuse(link: QueuedLink): string | undefined {
    if (link.backlog > UDP_MAX_BACKLOG) return `the link has ${link.backlog} bytes waiting`;
    const mine = this.queued(link);
    if (mine > UDP_MAX_QUEUED) return `the link has ${mine} bytes of datagrams waiting`;
    return undefined;
  }

  /** A datagram was just queued on `link` (its frame is the last `bytes` of queuedBytes). */
  sent(link: QueuedLink, bytes: number): void {
    this.ends.push(link.queuedBytes);
    this.sizes.push(bytes);
    this.waiting += bytes;
  }
}
