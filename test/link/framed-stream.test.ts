/**
 * src/link/framed-stream.ts over real streams: what leaves in one write, the backpressure
 * signal, the end of the input, and close().
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Writable } from 'node:stream';
import { FrameDecoder, PROTO_TCP, encodeFrame, type Frame, type FrameHeader } from '../../src/protocol/index.js';
import { FramedStream, type InputEnd } from '../../src/link/index.js';
import { waitFor } from '../helpers/wait.js';

const H: FrameHeader = { srcIP: 1, srcPort: 1000, dstIP: 2, dstPort: 80, proto: PROTO_TCP, flags: 0 };

/** A writable that records each write it is given (a corked batch arrives as one writev); `hold` keeps the next write pending. */
function recorder(highWaterMark = 1 << 20) {
  const writes: Buffer[][] = [];
  const state: { hold: boolean; held: (() => void) | undefined } = { hold: false, held: undefined };
  const done = (cb: () => void): void => {
    if (state.hold) state.held = cb;
    else cb();
  };
  const out = new Writable({
    highWaterMark,
    writev(chunks, cb) { writes.push(chunks.map((c) => c.chunk as Buffer)); done(cb); },
    write(chunk: Buffer, _enc, cb) { writes.push([chunk]); done(cb); },
  });
  const release = (): void => {
    state.hold = false;
    const cb = state.held;
    state.held = undefined;
    cb?.();
  };
  return { out, writes, state, release };
}

function frames(writes: Buffer[][]): Frame[] {
  const got: Frame[] = [];
  const dec = new FrameDecoder({ onFrame: (f) => got.push({ ...f, payload: Buffer.from(f.payload) }), onError: (e) => assert.fail(e) });
  for (const w of writes) for (const c of w) dec.push(c);
  return got;
}

test('frames queued in one turn leave as one corked write, in order, byte for byte (turn schedule)', async () => {
  const { out, writes } = recorder();
  const s = new FramedStream(new PassThrough(), out, { onFrame: () => {}, onError: () => {}, onInputEnd: () => {} }, { schedule: { kind: 'turn' }, inputOnClose: 'drain' });
  for (let i = 0; i < 10; i++) s.send({ ...H, srcPort: 1000 + i }, Buffer.from(`frame ${i}`));
  assert.equal(writes.length, 0, 'nothing written before the end of the turn');
  assert.equal(s.backlog, 10 * 20 + 10 * 7);
  await new Promise((r) => process.nextTick(r));
  assert.equal(writes.length, 1);
  const expected = Buffer.concat(Array.from({ length: 10 }, (_, i) => encodeFrame({ ...H, srcPort: 1000 + i }, Buffer.from(`frame ${i}`))));
  assert.deepEqual(Buffer.concat(writes[0]!), expected);
});

test('the immediate schedule waits for the IO phase, but writes at once past its threshold', async () => {
  const { out, writes } = recorder();
  const s = new FramedStream(new PassThrough(), out, { onFrame: () => {}, onError: () => {}, onInputEnd: () => {} }, { schedule: { kind: 'immediate', thresholdBytes: 1024 }, inputOnClose: 'pause' });
  s.send(H, Buffer.alloc(100));
  await new Promise((r) => process.nextTick(r));
  assert.equal(writes.length, 0, 'not at the end of the turn');
  s.send(H, Buffer.alloc(1000));
  assert.equal(writes.length, 1, 'past the threshold: written at once');
  s.send(H, Buffer.alloc(10));
  await new Promise((r) => setImmediate(r));
  assert.equal(writes.length, 2);
  assert.deepEqual(frames(writes).map((f) => f.payload.length), [100, 1000, 10]);
});

test('send() says false while the output is full, and onDrain says when it took everything', async () => {
  const rec = recorder(64);
  let drained = 0;
  const s = new FramedStream(new PassThrough(), rec.out, { onFrame: () => {}, onError: () => {}, onInputEnd: () => {}, onDrain: () => drained++ }, { schedule: { kind: 'immediate', thresholdBytes: 1 }, inputOnClose: 'pause' });
  rec.state.hold = true;
  assert.equal(s.send(H, Buffer.alloc(100)), false, 'the write went over the high-water mark');
  assert.equal(s.blocked, true);
  assert.ok(s.waiting > 0);
  rec.release();
  await waitFor(() => drained === 1, { what: 'drain' });
  assert.equal(s.blocked, false);
  assert.equal(s.send(H, Buffer.alloc(1)), true);
});

test('with blockAtBytes, the output counts as full only once that much waits in it, not at its own high-water mark', async () => {
  const rec = recorder(64);
  let drained = 0;
  const s = new FramedStream(new PassThrough(), rec.out, { onFrame: () => {}, onError: () => {}, onInputEnd: () => {}, onDrain: () => drained++ }, { schedule: { kind: 'immediate', thresholdBytes: 1 }, inputOnClose: 'pause', blockAtBytes: 1000 });
  rec.state.hold = true;
  assert.equal(s.send(H, Buffer.alloc(100)), true, '120 bytes wait: over the output\'s 64, under 1000');
  assert.equal(s.blocked, false);
  assert.equal(s.send(H, Buffer.alloc(900)), false, '1,040 bytes wait');
  assert.equal(s.blocked, true);
  rec.release();
  await waitFor(() => drained === 1, { what: 'drain' });
  assert.equal(s.blocked, false);
  assert.deepEqual(frames(rec.writes).map((f) => f.payload.length), [100, 900]);
});

test('frames are decoded from the input; its end is reported once, after a frame cut short', async () => {
  const input = new PassThrough();
  const got: Frame[] = [];
  const errors: string[] = [];
  const ends: InputEnd[] = [];
  const s = new FramedStream(input, new PassThrough(), {
    onFrame: (f) => got.push(f), onError: (e) => errors.push(e.code), onInputEnd: (e) => ends.push(e),
  }, { schedule: { kind: 'turn' }, inputOnClose: 'drain' });
  const frame = encodeFrame(H, Buffer.from('hello'));
  input.write(frame);
  input.write(frame.subarray(0, 7));
  input.end();
  await waitFor(() => ends.length > 0, { what: 'the end of the input' });
  await new Promise((r) => setImmediate(r));
  assert.equal(got.length, 1);
  assert.deepEqual(errors, ['truncated']);
  assert.deepEqual(ends.map((e) => e.kind), ['ended']);
  assert.ok(s.lastReceived > 0);
});

test('close() flushes what is queued, ends the output once, and nothing is sent after it', async () => {
  const { out, writes } = recorder();
  const s = new FramedStream(new PassThrough(), out, { onFrame: () => {}, onError: () => {}, onInputEnd: () => {} }, { schedule: { kind: 'turn' }, inputOnClose: 'pause' });
  s.send(H, Buffer.from('last'));
  s.close();
  s.close();
  assert.equal(s.send(H, Buffer.from('after')), false);
  await waitFor(() => out.writableFinished, { what: 'the output finished' });
  assert.deepEqual(frames(writes).map((f) => f.payload.toString()), ['last']);
});
