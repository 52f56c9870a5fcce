// src/net/udp-share.ts: datagrams may hold only their share of a link's FIFO queue, counted by
// where each one stands in it; TCP bytes in the queue do not count against them; and while TCP
// frames wait, datagrams get only the budget those frames earn.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Writable } from 'node:stream';
import { UdpShare } from '../../src/net/udp-share.js';
import { FramedStream } from '../../src/link/index.js';
import { PROTO_TCP, PROTO_UDP, type FrameHeader } from '../../src/protocol/index.js';
import { UDP_BUSY_BURST, UDP_BUSY_SHARE, UDP_DATAGRAM_CHARGE, UDP_MAX_BACKLOG, UDP_MAX_QUEUED, UDP_STREAM_BUSY } from '../../src/net/udp-limits.js';

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

// While TCP frames wait in the link, datagrams get only the budget those frames earn
// (UDP_BUSY_SHARE, UDP_DATAGRAM_CHARGE, UDP_BUSY_BURST): counted in bytes and datagrams, never in time.
test('stream and datagram frames interleaved on a busy link: datagrams never take more than their budget', () => {
  const link = new FakeLink();
  const share = new UdpShare();
  const DATAGRAM = 1200;
  const FRAME = 64 * 1024;
  let stream = 0;
  let sent = 0;
  let busySent = 0;
  let refused = 0;
  for (let i = 0; i < 2000; i++) {
    link.queue(FRAME); // a TCP frame; the output takes nothing: the link stays busy
    stream += FRAME;
    for (let j = 0; j < 10; j++) {
      const why = share.refuse(link);
      if (why) {
        refused++;
        assert.match(why, /TCP frames waiting/);
        continue;
      }
      if (share.streamWaiting(link) > UDP_STREAM_BUSY) busySent++;
      link.queue(DATAGRAM);
      share.sent(link, DATAGRAM);
      sent++;
    }
    // The output takes what was queued before this frame: TCP frames keep waiting, datagrams leave.
    link.taken = Math.max(link.taken, link.queuedBytes - 4 * FRAME);
  }
  assert.ok(sent - busySent <= 10, 'only the first frame left the link not busy');
  const charged = busySent * (DATAGRAM + UDP_DATAGRAM_CHARGE);
  const earned = UDP_BUSY_BURST + stream / UDP_BUSY_SHARE;
  assert.ok(charged <= earned + DATAGRAM + UDP_DATAGRAM_CHARGE, `${sent} datagrams charged ${charged} bytes of a budget of ${earned}`);
  // ... and they get it: the budget is spent, not withheld (a DNS query during a download still goes).
  assert.ok(charged > earned - 2 * (DATAGRAM + UDP_DATAGRAM_CHARGE), `${sent} datagrams charged ${charged} bytes of a budget of ${earned}`);
  assert.ok(refused > sent, `${refused} refused, ${sent} sent: a flood is mostly dropped while TCP waits`);
  assert.ok(share.queued(link) <= UDP_MAX_QUEUED);
});

test('a link whose output keeps up with TCP (little waiting) does not budget datagrams; the queue share still holds', () => {
  const link = new FakeLink();
  const share = new UdpShare();
  let sent = 0;
  for (let i = 0; i < 1000; i++) {
    link.queue(32 * 1024); // TCP, taken at once
    link.taken = link.queuedBytes - UDP_STREAM_BUSY;
    for (let j = 0; j < 10; j++) {
      if (share.refuse(link) !== undefined) continue;
      link.queue(1200);
      share.sent(link, 1200);
      sent++;
    }
    link.taken = link.queuedBytes;
  }
  assert.equal(sent, 10_000);
  assert.equal(share.streamWaiting(link), 0);
});

test('the budget grows only with TCP bytes queued, up to UDP_BUSY_BURST', () => {
  const link = new FakeLink();
  const share = new UdpShare();
  link.queue(8 * 1024 * 1024);
  assert.equal(share.budget(link), UDP_BUSY_BURST, 'capped');
  while (share.refuse(link) === undefined) {
    link.queue(1200);
    share.sent(link, 1200);
  }
  assert.ok(share.budget(link) <= 0);
  link.queue(UDP_BUSY_SHARE * (1200 + UDP_DATAGRAM_CHARGE));
  assert.ok(share.budget(link) > 0, 'one more datagram earned');
  assert.equal(share.refuse(link), undefined);
});

test('on a real FramedStream whose reader has stopped: behind waiting TCP frames, datagrams stay within the budget', async () => {
  // The output takes nothing (one write held pending): everything queued stays in the backlog.
  let held: (() => void) | undefined;
  const out = new Writable({ highWaterMark: 1 << 20, writev(_chunks, cb) { held = cb; }, write(_c, _e, cb) { held = cb; } });
  const link = new FramedStream(new PassThrough(), out, { onFrame: () => {}, onError: () => {}, onInputEnd: () => {} }, { schedule: { kind: 'turn' }, inputOnClose: 'pause' });
  const share = new UdpShare();
  const TCP: FrameHeader = { srcIP: 1, srcPort: 1000, dstIP: 2, dstPort: 80, proto: PROTO_TCP, flags: 0 };
  const UDP: FrameHeader = { ...TCP, proto: PROTO_UDP };
  const chunk = Buffer.alloc(64 * 1024 - 20);
  const datagram = Buffer.alloc(1200);
  let sent = 0;
  for (let i = 0; i < 200; i++) {
    link.send(TCP, chunk);
    for (let j = 0; j < 20; j++) {
      if (share.refuse(link) !== undefined) continue;
      link.send(UDP, datagram);
      share.sent(link, 20 + datagram.length);
      sent++;
    }
    if (i % 10 === 0) await new Promise((resolve) => process.nextTick(resolve)); // a flush: the bytes move to the stream's own buffer
  }
  const stream = 200 * 64 * 1024;
  // The first frame's datagrams go before the link is busy (one frame waiting is not a backlog).
  const free = 20;
  const budget = Math.ceil((UDP_BUSY_BURST + stream / UDP_BUSY_SHARE) / (1220 + UDP_DATAGRAM_CHARGE)) + 1;
  assert.ok(sent <= free + budget, `${sent} datagrams sent behind ${stream} bytes of TCP frames; the budget allows ${budget}`);
  assert.ok(sent >= budget - 1, `${sent} datagrams: the budget (${budget}) is spent`);
  assert.ok(share.queued(link) <= UDP_MAX_QUEUED + 1220);
  held?.();
  link.close();
});
