/**
 * UDP frames (docs/protocol.md §14.2): what the decoder accepts and refuses, and datagrams
 * mixed with TCP frames through the encoder and random re-chunking (seeded), every boundary kept.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  FLAG_ABORT, FLAG_FROM_ACCEPTOR, FLAG_WINDOW, FrameDecoder, FrameEncoder, MAX_DATAGRAM, PROTO_TCP, PROTO_UDP,
  abortPayload, checkFrame, datagramHeader, flowEndHeader, flowOf, isFlowEnd, isReply, readAbortPayload,
  type Frame, type FrameHeader,
} from '../../src/protocol/index.js';
import { prng } from './prng.js';

const udp = (flags: number, srcPort = 40_000, dstPort = 53): FrameHeader => ({ srcIP: 0x7f002a01, srcPort, dstIP: 0x7f002a02, dstPort, proto: PROTO_UDP, flags });

test('legal UDP frames: datagrams of 0..65,507 bytes either way, flow ends with a reason', () => {
  for (const n of [0, 1, 1200, MAX_DATAGRAM]) {
    assert.equal(checkFrame(udp(0), n), undefined, `a ${n}-byte datagram`);
    assert.equal(checkFrame(udp(FLAG_FROM_ACCEPTOR), n), undefined, `a ${n}-byte reply`);
  }
  assert.equal(checkFrame(udp(FLAG_ABORT), 2), undefined);
  assert.equal(checkFrame(udp(FLAG_ABORT | FLAG_FROM_ACCEPTOR), 2 + 1024), undefined);
});

test('illegal UDP frames are link-fatal errors with the right code', () => {
  const cases: [FrameHeader, number, string][] = [
    [udp(0), MAX_DATAGRAM + 1, 'bad-payload'],
    [udp(FLAG_ABORT), 1, 'bad-payload'],
    [udp(FLAG_ABORT), 2 + 1025, 'bad-payload'],
    [udp(FLAG_WINDOW), 4, 'illegal-flags'],
    [udp(0x0001), 4, 'illegal-flags'],
    [udp(0, 0, 53), 4, 'bad-address'],
    [udp(0, 40_000, 0), 4, 'bad-address'],
    [{ ...udp(0), proto: 18 }, 4, 'unknown-proto'],
  ];
  for (const [h, n, code] of cases) assert.equal(checkFrame(h, n)?.code, code, `${JSON.stringify(h)} with ${n} bytes`);
});

test('a flow named from either side: datagram, reply and end headers agree on the flow (§14.1)', () => {
  const flow = { srcIP: 1, srcPort: 2000, dstIP: 3, dstPort: 53 };
  const out = datagramHeader(flow, false);
  const back = datagramHeader(flow, true);
  assert.deepEqual([out.srcPort, out.dstPort, isReply(out)], [2000, 53, false]);
  assert.deepEqual([back.srcIP, back.srcPort, back.dstIP, back.dstPort, isReply(back)], [3, 53, 1, 2000, true]);
  for (const h of [out, back, flowEndHeader(flow, false), flowEndHeader(flow, true)]) assert.deepEqual(flowOf(h), flow);
  assert.ok(isFlowEnd(flowEndHeader(flow, true)) && !isFlowEnd(back));
  assert.equal(readAbortPayload(abortPayload('timeout')).reason, 'timeout');
});

test('datagrams mixed with TCP frames survive random re-chunking with their boundaries (seeded)', () => {
  for (let seed = 1; seed <= 40; seed++) {
    const r = prng(seed);
    const sent: { h: FrameHeader; p: Buffer }[] = [];
    const enc = new FrameEncoder();
    for (let i = 0; i < 60; i++) {
      const size = r.pick([0, 1, 64, 1200, r.int(0, 20_000), MAX_DATAGRAM]);
      const h = r.next() < 0.2 ? { ...udp(0), proto: PROTO_TCP, dstPort: 80 } : udp(r.next() < 0.5 ? FLAG_FROM_ACCEPTOR : 0, r.int(1, 65535));
      // A TCP data frame carries at least one byte (§5.3); a datagram may be empty.
      const payload = Buffer.alloc(h.proto === PROTO_TCP ? Math.max(1, size) : size, i & 0xff);
      sent.push({ h, p: payload });
      enc.add(h, payload);
    }
    const all = Buffer.concat(enc.take());
    for (const zeroCopyData of [false, true]) {
      const got: Frame[] = [];
      const d = new FrameDecoder({ onFrame: (f) => got.push(f), onError: (e) => assert.fail(`seed ${seed}: ${e.message}`) }, { zeroCopyData });
      let off = 0;
      while (off < all.length) {
        const n = r.pick([1, 19, 20, 21, r.int(1, 3000), r.int(1, 70_000)]);
        d.push(all.subarray(off, off + n));
        off += n;
      }
      d.end();
      assert.equal(got.length, sent.length, `seed ${seed}`);
      got.forEach((f, i) => {
        const s = sent[i]!;
        assert.deepEqual([f.proto, f.flags, f.srcPort, f.dstPort], [s.h.proto, s.h.flags, s.h.srcPort, s.h.dstPort], `seed ${seed} frame ${i}`);
        assert.ok(Buffer.concat([f.payload, ...(f.rest ?? [])]).equals(s.p), `seed ${seed} frame ${i}: payload`);
      });
    }
  }
});
