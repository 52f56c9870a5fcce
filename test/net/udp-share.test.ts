// src/net/udp-share.ts: datagrams may hold only their share of a link's FIFO queue, counted by
// where each one stands in it; TCP bytes in the queue do not count against them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UdpShare } from '../../src/net/udp-share.js';
import { UDP_MAX_BACKLOG, UDP_MAX_QUEUED } from '../../src/net/udp-limits.js';

class FakeLink {
  queuedBytes = 0;
  taken = 0;
  get backlog(): number {
    return this.queuedBytes - this.taken;
  }
  queue(n: number): void {
    this.queuedBytes += n;
  }
}

test('datagram bytes count until the link has taken them; TCP bytes around them do not', () => {
  const link = new FakeLink();
  const share = new UdpShare();
  link.queue(1_000_000); // a TCP transfer's frames
  assert.equal(share.refuse(link), undefined, 'a queue full of TCP does not starve datagrams');
  for (let i = 0; i < 3; i++) {
    link.queue(1000);
    share.sent(link, 1000);
  }
  link.queue(500_000);
  assert.equal(share.queued(link), 3000);
  link.taken = 1_001_000; // the output took the TCP bytes and the first datagram
  assert.equal(share.queued(link), 2000);
  link.taken = link.queuedBytes;
  assert.equal(share.queued(link), 0);
});

test('past UDP_MAX_QUEUED of datagrams, or past UDP_MAX_BACKLOG in all, a datagram is refused', () => {
  const link = new FakeLink();
  const share = new UdpShare();
  while (share.refuse(link) === undefined) {
    link.queue(1200);
    share.sent(link, 1200);
  }
  assert.ok(share.queued(link) > UDP_MAX_QUEUED && share.queued(link) <= UDP_MAX_QUEUED + 1200);
  link.taken = link.queuedBytes;
  assert.equal(share.refuse(link), undefined);
  link.queue(UDP_MAX_BACKLOG + 1);
  assert.match(share.refuse(link) ?? '', /bytes waiting/);
});
