// docs/reliability.md, bug 1: a TCP frame whose state was wrong for its connection (a window
// overrun, a second OPEN for a live tuple…) was link-fatal, so a hostile or buggy agent could make
// any other agent exit and reset all of its connections. It is now connection-fatal (§8.1): the
// receiver answers ABORT `protocol-error` on that tuple only and goes on with the others.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  FLAG_ABORT, FLAG_FROM_ACCEPTOR, FLAG_OPEN, FLAG_OPEN_OK, FLAG_WINDOW, MAX_DATA_PAYLOAD, MAX_WINDOW, PRE_OPEN_WINDOW,
  PROTO_TCP, FrameDecoder, encodeFrame, readAbortPayload, replyHeader, u32Payload,
  type Frame, type FrameHeader, type ProtocolErrorCode,
} from '../../src/protocol/index.js';
import { type MuxConnection, type PeerViolation } from '../../src/mux/index.js';
import { Endpoint, pump, type Side } from './harness.js';
import { prng } from '../protocol/prng.js';

const A = 0x7f002a64; // 127.0.42.100, the initiator
const B = 0x7f002a65; // 127.0.42.101, the acceptor

interface World {
  a: Endpoint;
  b: Endpoint;
  /** The connection the bad frame is about (a's end, and b's). */
  victim: MuxConnection<Side>;
  victimB: MuxConnection<Side>;
  /** A bystander on the same pair of agents. */
  other: MuxConnection<Side>;
  otherB: MuxConnection<Side>;
}

type Raw = { header: FrameHeader; payload: Buffer };

/** Frames as the initiator (A) sends them on `c`'s tuple, or as the acceptor (B) does, swapped. */
const fromA = (c: MuxConnection<Side>, flags: number, payload: Buffer): Raw => ({
  header: { srcIP: c.srcIP, srcPort: c.srcPort, dstIP: c.dstIP, dstPort: c.dstPort, proto: PROTO_TCP, flags },
  payload,
});
const fromB = (c: MuxConnection<Side>, flags: number, payload: Buffer): Raw => ({
  header: { srcIP: c.dstIP, srcPort: c.dstPort, dstIP: c.srcIP, dstPort: c.srcPort, proto: PROTO_TCP, flags: flags | FLAG_FROM_ACCEPTOR },
  payload,
});

/** Data frames that fill `allowed` bytes of window, then one byte more. */
function overrun(allowed: number, frame: (payload: Buffer) => Raw): Raw[] {
  const frames: Raw[] = [];
  let left = allowed;
  for (; left >= MAX_DATA_PAYLOAD; left -= MAX_DATA_PAYLOAD) frames.push(frame(Buffer.alloc(MAX_DATA_PAYLOAD, 1)));
  frames.push(frame(Buffer.alloc(left + 1, 2)));
  return frames;
}

interface Case {
  name: string;
  code: ProtocolErrorCode;
  /** The endpoint that receives the bad frame. */
  at: 'a' | 'b';
  /** The acceptor holds the victim's dial: a's end stays opening, b's accepting. */
  opening?: boolean;
  /** False when the bad frame's tuple has no connection (nothing to forget, only the ABORT). */
  live: boolean;
  before?: (w: World) => void;
  /** The frames to inject; the last one is the violation. */
  frames: (w: World) => Raw[];
}

const NEW_TUPLE = { srcIP: A, srcPort: 60000, dstIP: B, dstPort: 80, proto: PROTO_TCP };

const CASES: Case[] = [
  { name: 'window overrun at the acceptor', code: 'window-overrun', at: 'b', live: true, frames: (w) => overrun(w.victimB.recvAllowed, (p) => fromA(w.victim, 0, p)) },
  { name: 'window overrun at the initiator', code: 'window-overrun', at: 'a', live: true, frames: (w) => overrun(w.victim.recvAllowed, (p) => fromB(w.victim, 0, p)) },
  { name: 'window overrun while the acceptor dials', code: 'window-overrun', at: 'b', opening: true, live: true, frames: (w) => overrun(PRE_OPEN_WINDOW, (p) => fromA(w.victim, 0, p)) },
  { name: 'a second OPEN for a live tuple', code: 'bad-state', at: 'b', live: true, frames: (w) => [fromA(w.victim, FLAG_OPEN, u32Payload(1 << 20))] },
  { name: 'OPEN with a window below PRE_OPEN_WINDOW', code: 'bad-payload', at: 'b', live: false, frames: () => [{ header: { ...NEW_TUPLE, flags: FLAG_OPEN }, payload: u32Payload(1) }] },
  {
    name: 'routed OPEN with port 0 in its payload', code: 'bad-payload', at: 'b', live: false,
    frames: () => {
      const payload = Buffer.alloc(7);
      payload.writeUInt32LE(1 << 20, 0);
      payload.write('x', 6);
      return [{ header: { ...NEW_TUPLE, dstPort: 0, flags: FLAG_OPEN }, payload }];
    },
  },
  { name: 'OPEN_OK twice', code: 'bad-state', at: 'a', live: true, frames: (w) => [fromB(w.victim, FLAG_OPEN_OK, u32Payload(1 << 20))] },
  { name: 'OPEN_OK with a window below PRE_OPEN_WINDOW', code: 'bad-payload', at: 'a', opening: true, live: true, frames: (w) => [fromB(w.victim, FLAG_OPEN_OK, u32Payload(PRE_OPEN_WINDOW - 1))] },
  { name: 'WINDOW before OPEN_OK', code: 'bad-state', at: 'a', opening: true, live: true, frames: (w) => [fromB(w.victim, FLAG_WINDOW, u32Payload(1))] },
  { name: 'data before OPEN_OK', code: 'bad-state', at: 'a', opening: true, live: true, frames: (w) => [fromB(w.victim, 0, Buffer.from('early'))] },
  { name: 'WINDOW past MAX_WINDOW', code: 'window-overflow', at: 'a', live: true, frames: (w) => [fromB(w.victim, FLAG_WINDOW, u32Payload(MAX_WINDOW))] },
  { name: 'WINDOW past MAX_WINDOW towards the acceptor', code: 'window-overflow', at: 'b', live: true, frames: (w) => [fromA(w.victim, FLAG_WINDOW, u32Payload(MAX_WINDOW))] },
  {
    name: 'data after CLOSE_WRITE', code: 'bad-state', at: 'b', live: true,
    before: (w) => { w.a.mux.end(w.victim); pump([w.a, w.b]); },
    frames: (w) => [fromA(w.victim, 0, Buffer.from('late'))],
  },
];

function world(c: Case): World {
  const a = new Endpoint(A);
  const b = new Endpoint(B);
  const victim = a.mux.open(B, 80)!;
  const other = a.mux.open(B, 80)!;
  // The acceptor holds the victim's dial when the case wants it opening; it never consumes the
  // victim's data, so that its window is not refilled while the overrun arrives.
  b.onOpen = (conn) => { if (!c.opening || conn.srcPort !== victim.srcPort) b.mux.accept(conn); };
  b.onData = (conn, d) => { if (conn.srcPort !== victim.srcPort) b.mux.consumed(conn, d.length); };
  a.onData = (conn, d) => { if (conn !== victim) a.mux.consumed(conn, d.length); };
  pump([a, b]);
  const [victimB, otherB] = b.events.accepted as [MuxConnection<Side>, MuxConnection<Side>];
  assert.equal(victim.state, c.opening ? 'opening' : 'open');
  return { a, b, victim, victimB, other, otherB };
}

/** Encodes the frames, cuts the bytes at random, decodes them as a link would, and receives each. */
function inject(to: Endpoint, raws: Raw[], seed: number): { frame: Frame; result: ReturnType<Endpoint['mux']['receive']> }[] {
  const r = prng(seed);
  const all = Buffer.concat(raws.map((f) => encodeFrame(f.header, f.payload)));
  const out: { frame: Frame; result: ReturnType<Endpoint['mux']['receive']> }[] = [];
  const dec = new FrameDecoder({ onFrame: (frame) => out.push({ frame, result: to.mux.receive(frame) }), onError: (e) => assert.fail(e) }, { zeroCopyData: true });
  for (let off = 0; off < all.length;) {
    const n = r.pick([1, 19, 20, 21, r.int(1, 100), r.int(1, 70_000), r.int(1, 300_000)]);
    dec.push(all.subarray(off, off + n));
    off += n;
  }
  return out;
}

/** Every live connection of the pair still carries data both ways and ends cleanly. */
function stillFlowing(w: World, what: string): void {
  const pairs = [[w.victim, w.victimB], [w.other, w.otherB]].filter(([x]) => !x!.closed) as [MuxConnection<Side>, MuxConnection<Side>][];
  for (const [x, y] of pairs) {
    if (y.state === 'accepting') w.b.mux.accept(y);
    pump([w.a, w.b]);
    if (!x.endRequested) w.a.mux.write(x, Buffer.from('ping'));
    w.b.mux.write(y, Buffer.from('pong'));
    w.a.mux.end(x);
    w.b.mux.end(y);
  }
  pump([w.a, w.b]);
  for (const [x, y] of pairs) {
    assert.ok(w.a.received(x).toString().endsWith('pong'), `${what}: ${x} answered`);
    assert.ok(y.closed && x.closed, `${what}: ${x} ended`);
  }
  assert.equal(w.a.mux.size + w.b.mux.size, 0, `${what}: state freed`);
}

test('each kind of per-connection violation aborts that tuple only, with protocol-error', () => {
  for (const c of CASES) {
    for (let seed = 1; seed <= 8; seed++) {
      const what = `${c.name} (seed ${seed})`;
      const w = world(c);
      c.before?.(w);
      const [receiver, violator] = c.at === 'b' ? [w.b, w.a] : [w.a, w.b];
      const [mine, theirs] = c.at === 'b' ? [w.victimB, w.victim] : [w.victim, w.victimB];
      const mineBefore = c.live ? mine : undefined;
      // Bystander data from the violator, before and after the bad frames, in the same stream.
      const by = (text: string) => (c.at === 'b' ? fromA(w.other, 0, Buffer.from(text)) : fromB(w.other, 0, Buffer.from(text)));
      const bad = c.frames(w);
      const results = inject(receiver, [by('before '), ...bad, by('after')], seed);
      const errors = results.filter((x) => x.result !== undefined);
      assert.equal(errors.length, 1, `${what}: ${errors.map((e) => e.result?.message).join('; ')}`);
      const [{ frame, result }] = errors as [{ frame: Frame; result: PeerViolation }];
      assert.equal(result.kind, 'peer-violation', `${what}: connection-fatal, not link-fatal`);
      assert.equal(result.code, c.code, what);
      assert.equal(result.peerIP, c.at === 'b' ? A : B, what);
      assert.equal(results.indexOf(errors[0]!), bad.length, `${what}: the last bad frame is the violation`);

      // Exactly one ABORT protocol-error, on the bad frame's tuple.
      const sent = receiver.drainOutbox();
      const aborts = sent.filter((f) => f.flags & FLAG_ABORT);
      assert.equal(aborts.length, 1, what);
      const { payload, rest, ...header } = aborts[0]!;
      assert.equal(rest, undefined);
      assert.deepEqual(header, replyHeader(frame, FLAG_ABORT), what);
      assert.equal(readAbortPayload(payload).reason, 'protocol-error', what);
      for (const f of sent) assert.equal(violator.mux.receive(f), undefined, what);

      if (c.live) {
        assert.ok(mineBefore?.closed && theirs.closed, `${what}: the connection is gone at both ends`);
        assert.equal(receiver.events.aborted.length, 1, what);
        assert.equal(receiver.events.aborted[0]?.conn, mineBefore, what);
        assert.equal(receiver.events.aborted[0]?.violation, result, `${what}: onAbort names the violation`);
        assert.deepEqual(violator.events.aborted.map((e) => [e.conn, e.reason]), [[theirs, 'protocol-error']], what);
      } else {
        assert.deepEqual([receiver.events.aborted, violator.events.aborted], [[], []], `${what}: no connection had that tuple`);
        assert.equal(receiver.mux.size, 2, `${what}: no connection was created`);
      }
      const bystander = c.at === 'b' ? w.otherB : w.other;
      assert.equal(receiver.received(bystander).toString(), 'before after', `${what}: the bystander's data around the violation`);
      stillFlowing(w, what);
    }
  }
});

test('frames for a tuple the receiver does not have are still dropped silently (§5.9)', () => {
  const b = new Endpoint(B);
  const a = new Endpoint(A);
  const ca = a.mux.open(B, 80)!;
  pump([a, b]);
  for (const [to, raw] of [
    [b, fromA(ca, 0, Buffer.from('x'))],
    [b, fromA(ca, FLAG_WINDOW, u32Payload(MAX_WINDOW))],
    [a, fromB(ca, FLAG_OPEN_OK, u32Payload(1))],
  ] as const) {
    const stray = { ...raw.header, srcPort: raw.header.srcPort + 1, dstPort: raw.header.dstPort + 1 };
    assert.equal(to.mux.receive({ ...stray, payload: raw.payload }), undefined);
    assert.equal(to.drainOutbox().length, 0, 'no ABORT for a stray frame');
  }
  assert.equal(ca.state, 'open');
});
