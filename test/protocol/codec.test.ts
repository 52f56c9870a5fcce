import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  FLAG_ABORT, FLAG_CLOSE_READ, FLAG_CLOSE_WRITE, FLAG_FROM_ACCEPTOR, FLAG_OPEN, FLAG_OPEN_OK, FLAG_WINDOW,
  FrameDecoder, FrameEncoder, MAX_DATA_PAYLOAD, MAX_FRAME_LEN, PROTO_CONTROL, PROTO_TCP, ProtocolError,
  encodeFrame, encodeControl, checkFrame, ipFromString, ipToString, type Frame, type FrameHeader,
} from '../../src/protocol/index.js';
import { prng } from './prng.js';

/** The slow reference decoder: whole buffer in, every frame out, payloads copied. */
function referenceDecode(all: Buffer): Frame[] {
  const out: Frame[] = [];
  let off = 0;
  while (off < all.length) {
    const len = all.readUInt32LE(off);
    out.push({
      srcIP: all.readUInt32BE(off + 4), srcPort: all.readUInt16LE(off + 8),
      dstIP: all.readUInt32BE(off + 10), dstPort: all.readUInt16LE(off + 14),
      proto: all.readUInt16LE(off + 16), flags: all.readUInt16LE(off + 18),
      payload: Buffer.from(all.subarray(off + 20, off + 4 + len)),
    });
    off += 4 + len;
  }
  return out;
}

type Rand = ReturnType<typeof prng>;

function randomFrame(r: Rand): { header: FrameHeader; payload: Buffer } {
  const f = r.next() < 0.5 ? FLAG_FROM_ACCEPTOR : 0;
  const tcp = (flags: number, payload: Buffer) => ({
    header: { srcIP: r.int(1, 0xffffffff), srcPort: r.int(1, 65535), dstIP: r.int(1, 0xffffffff), dstPort: r.int(1, 65535), proto: PROTO_TCP, flags },
    payload,
  });
  const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => r.int(0, 255)));
  // Sizes skewed to small, with some at and around the copy threshold and the 64 KiB cap.
  const size = () => r.pick([1, 2, 19, 20, 100, r.int(1, 4096), 16 * 1024, 16 * 1024 + 1, r.int(1, MAX_DATA_PAYLOAD), MAX_DATA_PAYLOAD]);
  switch (r.int(0, 6)) {
    case 0: return tcp(FLAG_OPEN, bytes(4));
    case 1: return tcp(FLAG_OPEN_OK | FLAG_FROM_ACCEPTOR, bytes(4));
    case 2: return tcp(FLAG_WINDOW | f, bytes(4));
    case 3: return tcp(FLAG_ABORT | f, bytes(r.int(2, 40)));
    case 4: return tcp(FLAG_CLOSE_WRITE | f, bytes(r.pick([0, 0, size()])));
    case 5: return { header: { srcIP: 0, srcPort: 0, dstIP: 0, dstPort: 0, proto: PROTO_CONTROL, flags: 0 }, payload: bytes(r.int(1, 300)) };
    default: return tcp(f, bytes(size()));
  }
}

function rechunk(r: Rand, all: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let off = 0;
  while (off < all.length) {
    const n = r.pick([1, 3, 19, 20, 21, r.int(1, 100), r.int(1, 70000), r.int(1, 300000)]);
    out.push(all.subarray(off, off + n));
    off += n;
  }
  return out;
}

function decodeAll(chunks: Buffer[], zeroCopyData = false): { frames: Frame[]; errors: ProtocolError[] } {
  const frames: Frame[] = [];
  const errors: ProtocolError[] = [];
  const d = new FrameDecoder({ onFrame: (f) => frames.push(f), onError: (e) => errors.push(e) }, { zeroCopyData });
  for (const c of chunks) d.push(c);
  d.end();
  return { frames, errors };
}

function plain(f: Frame) {
  const { rest, ...header } = f;
  return { ...header, payload: Buffer.concat([f.payload, ...(rest ?? [])]).toString('hex') };
}

test('random frames through FrameEncoder and random re-chunking decode like the reference', () => {
  for (let seed = 1; seed <= 60; seed++) {
    const r = prng(seed);
    const enc = new FrameEncoder();
    const expected: Frame[] = [];
    const stream: Buffer[] = [];
    const count = r.int(1, 80);
    for (let i = 0; i < count; i++) {
      const { header, payload } = randomFrame(r);
      assert.equal(checkFrame(header, payload.length), undefined, `seed ${seed}: generator made an illegal frame`);
      expected.push({ ...header, payload });
      if (r.next() < 0.7) enc.add(header, payload);
      else { stream.push(...enc.take(), encodeFrame(header, payload)); }
      if (r.next() < 0.1) stream.push(...enc.take());
    }
    stream.push(...enc.take());
    const all = Buffer.concat(stream);
    const ref = referenceDecode(all);
    assert.deepEqual(ref.map(plain), expected.map(plain), `seed ${seed}: encoder output`);
    const { frames, errors } = decodeAll(rechunk(r, all));
    assert.deepEqual(errors, [], `seed ${seed}`);
    assert.deepEqual(frames.map(plain), ref.map(plain), `seed ${seed}`);
  }
});

test('a payload within one chunk is a slice of it (no copy); a spanning one is its own buffer', () => {
  const h: FrameHeader = { srcIP: 1, srcPort: 2, dstIP: 3, dstPort: 4, proto: PROTO_TCP, flags: 0 };
  const one = encodeFrame(h, Buffer.alloc(10_000, 1)); // above the Buffer pool size: its own ArrayBuffer
  const frames: Frame[] = [];
  const d = new FrameDecoder({ onFrame: (f) => frames.push(f), onError: (e) => assert.fail(e) });
  d.push(one);
  d.push(one.subarray(0, 5000));
  d.push(one.subarray(5000));
  assert.equal(frames.length, 2);
  assert.equal(frames[0]?.payload.buffer, one.buffer);
  assert.equal(frames[0]?.payload.byteOffset, one.byteOffset + 20);
  assert.notEqual(frames[1]?.payload.buffer, one.buffer);
  assert.deepEqual(frames[1]?.payload, Buffer.alloc(10_000, 1));
});

test('FrameEncoder passes large payloads by reference and coalesces small frames', () => {
  const h: FrameHeader = { srcIP: 1, srcPort: 2, dstIP: 3, dstPort: 4, proto: PROTO_TCP, flags: 0 };
  const big = Buffer.alloc(MAX_DATA_PAYLOAD, 9);
  const enc = new FrameEncoder();
  for (let i = 0; i < 10; i++) enc.add(h, Buffer.alloc(10, i));
  enc.add(h, big);
  enc.add(h, Buffer.alloc(10));
  assert.equal(enc.pendingBytes, 12 * 20 + 11 * 10 + big.length);
  const chunks = enc.take();
  assert.equal(chunks.length, 3, 'small frames + header, the big payload itself, the trailing small frame');
  assert.equal(chunks[1], big);
  assert.equal(enc.pendingBytes, 0);
  assert.deepEqual(enc.take(), []);
});

test('ip helpers round-trip', () => {
  assert.equal(ipFromString('127.0.42.101'), 0x7f002a65);
  assert.equal(ipToString(0x7f002a65), '127.0.42.101');
  assert.equal(ipToString(0xffffffff), '255.255.255.255');
  for (const bad of ['1.2.3', '1.2.3.256', 'a.b.c.d', '1.2.3.4.5', '']) assert.equal(ipFromString(bad), undefined);
});

function header(fields: Partial<FrameHeader>): FrameHeader {
  return { srcIP: 1, srcPort: 1, dstIP: 2, dstPort: 2, proto: PROTO_TCP, flags: 0, ...fields };
}

function rawFrame(len: number, h: FrameHeader, payload: Buffer): Buffer {
  const b = encodeFrame(h, payload);
  b.writeUInt32LE(len, 0);
  return b;
}

const CONTROL: FrameHeader = { srcIP: 0, srcPort: 0, dstIP: 0, dstPort: 0, proto: PROTO_CONTROL, flags: 0 };

const malformed: [string, Buffer, ProtocolError['code']][] = [
  ['Len above the maximum', rawFrame(MAX_FRAME_LEN + 1, header({}), Buffer.alloc(4)), 'frame-too-large'],
  ['Len 0xffffffff', rawFrame(0xffffffff, header({}), Buffer.alloc(0)), 'frame-too-large'],
  ['Len below 16', rawFrame(15, header({}), Buffer.alloc(0)), 'frame-too-short'],
  ['unknown proto', encodeFrame(header({ proto: 18 }), Buffer.alloc(4)), 'unknown-proto'],
  ['unknown flag bit', encodeFrame(header({ flags: 0x0100 }), Buffer.alloc(4)), 'illegal-flags'],
  ['CLOSE_READ (reserved)', encodeFrame(header({ flags: FLAG_CLOSE_READ }), Buffer.alloc(0)), 'illegal-flags'],
  ['OPEN | ABORT', encodeFrame(header({ flags: FLAG_OPEN | FLAG_ABORT }), Buffer.alloc(4)), 'illegal-flags'],
  ['OPEN | CLOSE_WRITE', encodeFrame(header({ flags: FLAG_OPEN | FLAG_CLOSE_WRITE }), Buffer.alloc(4)), 'illegal-flags'],
  ['OPEN from the acceptor', encodeFrame(header({ flags: FLAG_OPEN | FLAG_FROM_ACCEPTOR }), Buffer.alloc(4)), 'illegal-flags'],
  ['OPEN_OK from the initiator', encodeFrame(header({ flags: FLAG_OPEN_OK }), Buffer.alloc(4)), 'illegal-flags'],
  ['OPEN with 3 bytes', encodeFrame(header({ flags: FLAG_OPEN }), Buffer.alloc(3)), 'bad-payload'],
  ['WINDOW with 5 bytes', encodeFrame(header({ flags: FLAG_WINDOW }), Buffer.alloc(5)), 'bad-payload'],
  ['ABORT with 1 byte', encodeFrame(header({ flags: FLAG_ABORT }), Buffer.alloc(1)), 'bad-payload'],
  ['empty data frame', encodeFrame(header({}), Buffer.alloc(0)), 'bad-payload'],
  ['data frame over 64 KiB', encodeFrame(header({}), Buffer.alloc(MAX_DATA_PAYLOAD + 1)), 'bad-payload'],
  // §13: DstPort 0 marks a routed connection; the initiator's own port is never 0.
  ['TCP initiator port 0', encodeFrame(header({ srcPort: 0 }), Buffer.alloc(1)), 'bad-address'],
  ['TCP initiator port 0 from the acceptor', encodeFrame(header({ dstPort: 0, flags: FLAG_FROM_ACCEPTOR }), Buffer.alloc(1)), 'bad-address'],
  ['routed OPEN without a destination', encodeFrame(header({ dstPort: 0, flags: FLAG_OPEN }), Buffer.alloc(4)), 'bad-payload'],
  ['routed OPEN with a 256-byte host', encodeFrame(header({ dstPort: 0, flags: FLAG_OPEN }), Buffer.alloc(6 + 256)), 'bad-payload'],
  ['control with flags', encodeFrame({ ...CONTROL, flags: FLAG_CLOSE_WRITE }, Buffer.alloc(1)), 'illegal-flags'],
  ['control with addresses', encodeFrame({ ...CONTROL, dstIP: 5 }, Buffer.alloc(1)), 'bad-address'],
  ['empty control', encodeFrame(CONTROL, Buffer.alloc(0)), 'bad-payload'],
  ['truncated header', encodeFrame(header({}), Buffer.alloc(10)).subarray(0, 13), 'truncated'],
  ['truncated payload', encodeFrame(header({}), Buffer.alloc(10)).subarray(0, 25), 'truncated'],
];

for (const [name, bytes, code] of malformed) {
  test(`malformed: ${name} → ${code}, reported once, then the decoder is dead`, () => {
    const good = encodeControl({ type: 'ping', nonce: 1n });
    for (const split of [false, true]) {
      const input = Buffer.concat([good, bytes, good]);
      const chunks = split ? rechunk(prng(code.length), input) : [input];
      const frames: Frame[] = [];
      const errors: ProtocolError[] = [];
      const d = new FrameDecoder({ onFrame: (f) => frames.push(f), onError: (e) => errors.push(e) });
      // truncation only shows at end of stream: drop the trailing good frame for those cases
      const last = code === 'truncated' ? Buffer.concat(chunks).subarray(0, good.length + bytes.length) : undefined;
      for (const c of last ? [last] : chunks) assert.doesNotThrow(() => d.push(c));
      d.end();
      assert.equal(errors.length, 1, `${errors.map((e) => e.message)}`);
      assert.equal(errors[0]?.code, code);
      assert.ok(errors[0] instanceof ProtocolError);
      assert.equal(frames.length, 1, 'the good frame before the bad one, nothing after');
      assert.equal(d.live, false);
      d.push(good);
      assert.equal(frames.length, 1);
    }
  });
}

test('oversized Len is rejected from its header alone, before the payload arrives', () => {
  const errors: ProtocolError[] = [];
  const d = new FrameDecoder({ onFrame: () => assert.fail('no frame expected'), onError: (e) => errors.push(e) });
  d.push(rawFrame(MAX_FRAME_LEN + 1, header({}), Buffer.alloc(0)));
  assert.equal(errors[0]?.code, 'frame-too-large');
  assert.equal(d.bufferedBytes, 0);
});

test('random garbage never throws and never buffers more than one frame', () => {
  for (let seed = 1; seed <= 200; seed++) {
    const r = prng(seed * 7919);
    const bytes = Buffer.from(Array.from({ length: r.int(0, 400) }, () => r.int(0, 255)));
    const d = new FrameDecoder({ onFrame: () => {}, onError: () => {} });
    for (const c of rechunk(r, bytes)) {
      assert.doesNotThrow(() => d.push(c));
      assert.ok(d.bufferedBytes <= MAX_FRAME_LEN + 4);
    }
    assert.doesNotThrow(() => d.end());
  }
});

test('a bad Len is reported as soon as its 4 bytes are in, even if the stream then stalls', () => {
  // Regression: a peer that is not a norouter (an HTTP request, a shell banner shorter than a
  // header) left the decoder waiting for 20 header bytes and the agent hung.
  const errors: ProtocolError[] = [];
  const d = new FrameDecoder({ onFrame: () => assert.fail('no frame expected'), onError: (e) => errors.push(e) });
  d.push(Buffer.from('GET / HT'));
  assert.equal(errors[0]?.code, 'frame-too-large');
});

test('zeroCopyData: random frames and re-chunking decode like the reference, split payloads as slices', () => {
  for (let seed = 1; seed <= 60; seed++) {
    const r = prng(seed);
    const enc = new FrameEncoder();
    const sent: { header: FrameHeader; payload: Buffer }[] = [];
    for (let i = 0; i < 40; i++) {
      const f = randomFrame(r);
      sent.push(f);
      enc.add(f.header, f.payload);
    }
    const all = Buffer.concat(enc.take());
    const chunks = rechunk(r, all);
    const { frames, errors } = decodeAll(chunks, true);
    assert.deepEqual(errors, [], `seed ${seed}`);
    assert.deepEqual(frames.map(plain), referenceDecode(all).map(plain), `seed ${seed}`);
    for (const f of frames) {
      // Only stream data may come in pieces, and stream data is never copied: every piece is a
      // view of the input (all chunks here are views of `all`).
      const data = f.proto === PROTO_TCP && (f.flags & (FLAG_OPEN | FLAG_OPEN_OK | FLAG_WINDOW | FLAG_ABORT)) === 0;
      if (f.rest) assert.ok(data, `seed ${seed}: a control frame came in pieces`);
      if (!data) continue;
      for (const part of [f.payload, ...(f.rest ?? [])]) {
        if (part.length) assert.ok(part.buffer === all.buffer, `seed ${seed}: a data payload piece was copied`);
      }
    }
  }
});
