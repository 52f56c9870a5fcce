import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  FLAG_CLOSE_WRITE, FLAG_FROM_ACCEPTOR, FLAG_OPEN, FLAG_OPEN_OK, FLAG_WINDOW, INITIAL_WINDOW, MAX_DATA_PAYLOAD,
  PRE_OPEN_WINDOW, PROTO_TCP, u32Payload, type Frame,
} from '../../src/protocol/index.js';
import { FIRST_SOURCE_PORT, LAST_SOURCE_PORT, Mux, type MuxConnection } from '../../src/mux/index.js';
import { Endpoint, pump, type Side } from './harness.js';
import { prng } from '../protocol/prng.js';

const A = 0x7f002a64; // 127.0.42.100
const B = 0x7f002a65; // 127.0.42.101

function pair(window?: number): [Endpoint, Endpoint] {
  return [new Endpoint(A, window), new Endpoint(B, window)];
}

function only<T>(xs: T[]): T {
  assert.equal(xs.length, 1);
  return xs[0] as T;
}

test('open, OPEN_OK, data both ways, then half-close in both orders ends the connection', () => {
  for (const initiatorClosesFirst of [true, false]) {
    const [a, b] = pair();
    const ca = a.mux.open(B, 80)!;
    assert.equal(ca.state, 'opening');
    pump([a, b]);
    const cb = only(b.events.accepted);
    assert.equal(only(a.events.opened), ca);
    assert.equal(ca.state, 'open');
    assert.equal(cb.state, 'open');
    assert.equal(cb.srcPort, ca.srcPort);
    a.mux.write(ca, Buffer.from('request'));
    b.mux.write(cb, Buffer.from('response part 1'));
    pump([a, b]);
    const [first, second] = initiatorClosesFirst ? [[a, ca], [b, cb]] as const : [[b, cb], [a, ca]] as const;
    first[0].mux.end(first[1]);
    pump([a, b]);
    // half-closed: the other direction still flows
    assert.equal(only(second[0].events.ended), second[1]);
    assert.equal(first[1].closed, false);
    second[0].mux.write(second[1], Buffer.from(' and more'));
    second[0].mux.end(second[1]);
    pump([a, b]);
    assert.equal(only(first[0].events.ended), first[1]);
    assert.equal(b.received(cb).toString(), initiatorClosesFirst ? 'request' : 'request and more');
    assert.equal(a.received(ca).toString(), initiatorClosesFirst ? 'response part 1 and more' : 'response part 1');
    assert.ok(ca.closed && cb.closed);
    assert.deepEqual([a.events.closed, b.events.closed], [[ca], [cb]]);
    assert.equal(a.mux.size + b.mux.size, 0);
  }
});

test('data and CLOSE_WRITE sent before OPEN_OK are held by the dialling acceptor and delivered on accept', () => {
  const [a, b] = pair();
  let dialling: MuxConnection<Side> | undefined;
  b.onOpen = (c) => { dialling = c; };
  const ca = a.mux.open(B, 22)!;
  const early = Buffer.alloc(PRE_OPEN_WINDOW, 7);
  assert.equal(a.mux.write(ca, early), false, 'the pre-open window is used up');
  assert.equal(a.mux.write(ca, Buffer.from('x')), false);
  a.mux.end(ca);
  pump([a, b]);
  assert.ok(dialling);
  assert.equal(dialling.state, 'accepting');
  assert.equal(b.events.data.size, 0, 'nothing delivered while dialling');
  b.mux.accept(dialling);
  pump([a, b]);
  assert.deepEqual(b.received(dialling), Buffer.concat([early, Buffer.from('x')]));
  assert.equal(only(b.events.ended), dialling);
  assert.deepEqual(a.events.writable, [], 'the writer ended: no onWritable owed');

  const [c, d] = pair();
  d.onOpen = () => {};
  const cc = c.mux.open(B, 22)!;
  assert.equal(c.mux.write(cc, Buffer.alloc(PRE_OPEN_WINDOW + 1)), false);
  pump([c, d]);
  assert.deepEqual(c.events.writable, []);
  d.mux.accept(only(d.events.accepted));
  pump([c, d]);
  assert.equal(only(c.events.writable), cc, 'OPEN_OK gave credit back');
  assert.equal(d.received(only(d.events.accepted)).length, PRE_OPEN_WINDOW + 1);
});

test('abort in every state: each side sees it once and state is freed', () => {
  type Step = (a: Endpoint, b: Endpoint, ca: MuxConnection<Side>, cb: () => MuxConnection<Side>) => void;
  const scenarios: [string, (a: Endpoint, b: Endpoint) => void, Step][] = [
    ['initiator aborts while opening', (_a, b) => { b.onOpen = () => {}; }, (a, _b, ca) => a.mux.abort(ca, 'shutting-down')],
    ['acceptor refuses while dialling', (_a, b) => { b.onOpen = (c) => b.mux.abort(c, 'refused', 'ECONNREFUSED 127.0.0.1:80'); }, () => {}],
    ['initiator aborts while the acceptor dials, with held data', (_a, b) => { b.onOpen = () => {}; }, (a, b, ca) => { a.mux.write(ca, Buffer.alloc(100)); pump([a, b]); a.mux.abort(ca, 'reset'); }],
    ['initiator aborts when open', () => {}, (a, b, ca) => { pump([a, b]); a.mux.abort(ca, 'reset'); }],
    ['acceptor aborts when open', () => {}, (a, b, _ca, cb) => { pump([a, b]); b.mux.abort(cb(), 'reset'); }],
    ['acceptor aborts after the initiator half-closed', () => {}, (a, b, ca, cb) => { pump([a, b]); a.mux.end(ca); pump([a, b]); b.mux.abort(cb(), 'reset'); }],
    ['initiator aborts after the acceptor half-closed', () => {}, (a, b, ca, cb) => { pump([a, b]); b.mux.end(cb()); pump([a, b]); a.mux.abort(ca, 'timeout'); }],
  ];
  for (const [name, setup, step] of scenarios) {
    const [a, b] = pair();
    setup(a, b);
    const ca = a.mux.open(B, 80)!;
    step(a, b, ca, () => only(b.events.accepted));
    pump([a, b]);
    assert.equal(a.mux.size + b.mux.size, 0, name);
    // Exactly one onAbort, on the side that did not abort: `<= 1` also passed when the abort
    // never reached the other side at all.
    const aborter = /^initiator/.test(name) ? 'a' : 'b';
    assert.deepEqual({ a: a.events.aborted.length, b: b.events.aborted.length }, aborter === 'a' ? { a: 0, b: 1 } : { a: 1, b: 0 }, `${name}: the side that aborted gets no onAbort, the other exactly one`);
    assert.ok(ca.closed, name);
    // frames after the abort are dropped, not errors (§5.9)
    assert.equal(a.mux.write(ca, Buffer.from('late')), false, name);
    a.mux.end(ca);
    a.mux.abort(ca, 'reset');
    pump([a, b]);
  }
  // the refusal reaches the initiator with its reason and text
  const [a, b] = pair();
  b.onOpen = (c) => b.mux.abort(c, 'refused', 'ECONNREFUSED');
  const ca = a.mux.open(B, 80)!;
  pump([a, b]);
  assert.deepEqual(a.events.aborted, [{ conn: ca, reason: 'refused', text: 'ECONNREFUSED' }]);
  // abort after a clean end is a no-op
  const [c, d] = pair();
  const cc = c.mux.open(B, 80)!;
  pump([c, d]);
  c.mux.end(cc);
  d.mux.end(only(d.events.accepted));
  pump([c, d]);
  c.mux.abort(cc, 'reset');
  assert.equal(c.drainOutbox().length, 0);
});

test('random writers and slow random consumers: no overrun, credit respected, bytes intact, memory bounded', () => {
  for (let seed = 1; seed <= 25; seed++) {
    const r = prng(seed);
    const window = r.pick([PRE_OPEN_WINDOW, INITIAL_WINDOW, 100_000]);
    const [a, b] = pair(window);
    const conns = Array.from({ length: r.int(1, 6) }, () => a.mux.open(B, 80)!);
    pump([a, b]);
    const total = new Map(conns.map((c) => [c, r.int(0, 600_000)]));
    const sent = new Map<MuxConnection<Side>, Buffer[]>(conns.map((c) => [c, []]));
    const paused = new Set<MuxConnection<Side>>();
    const owed: { conn: MuxConnection<Side>; n: number }[] = [];
    b.onData = (conn, d) => owed.push({ conn, n: d.length });
    a.events.writable.length = 0;
    for (let round = 0; round < 100_000; round++) {
      for (const c of a.events.writable.splice(0)) paused.delete(c);
      let busy = false;
      for (const c of conns) {
        const left = total.get(c)! - Buffer.concat(sent.get(c)!).length;
        if (left <= 0) {
          if (!c.endRequested) a.mux.end(c);
          continue;
        }
        busy = true;
        if (paused.has(c) || r.next() < 0.3) continue;
        const chunk = Buffer.from(Array.from({ length: Math.min(left, r.pick([1, 100, 65536, 100_000])) }, () => r.int(0, 255)));
        sent.get(c)!.push(chunk);
        if (!a.mux.write(c, chunk)) paused.add(c);
      }
      pump([a, b], r.int(1, 20));
      // the slow consumer accepts a random part of what it was given
      for (let k = r.int(0, 3); k > 0 && owed.length > 0; k--) {
        const i = r.int(0, owed.length - 1);
        const o = owed[i]!;
        const n = r.next() < 0.5 ? o.n : r.int(1, o.n);
        b.mux.consumed(o.conn, n);
        o.n -= n;
        if (o.n === 0) owed.splice(i, 1);
      }
      for (const c of b.events.accepted) assert.ok(c.unconsumed <= window, `seed ${seed}: receiver holds ${c.unconsumed} > window`);
      if (!busy && owed.length === 0 && b.events.ended.length === conns.length) break;
    }
    pump([a, b]);
    for (const [i, c] of conns.entries()) {
      const cb = b.events.accepted[i]!;
      assert.deepEqual(b.received(cb), Buffer.concat(sent.get(c)!), `seed ${seed} conn ${i}`);
    }
    assert.equal(b.events.ended.length, conns.length, `seed ${seed}`);
  }
});

test('a peer that sends past its credit is a window-overrun violation (connection-fatal, §8.1)', () => {
  const b = new Endpoint(B);
  b.onOpen = () => {};
  const open: Frame = { srcIP: A, srcPort: 5000, dstIP: B, dstPort: 80, proto: PROTO_TCP, flags: FLAG_OPEN, payload: u32Payload(INITIAL_WINDOW) };
  assert.equal(b.mux.receive(open), undefined);
  const data = (n: number): Frame => ({ ...open, flags: 0, payload: Buffer.alloc(n) });
  assert.equal(b.mux.receive(data(PRE_OPEN_WINDOW - 1)), undefined);
  assert.equal(b.mux.receive(data(1)), undefined);
  assert.equal(b.mux.receive(data(1))?.code, 'window-overrun', 'pre-open window exceeded while dialling');

  const b2 = new Endpoint(B);
  b2.onData = () => {}; // the consumer never accepts anything: no credit comes back
  assert.equal(b2.mux.receive(open), undefined);
  let total = 0;
  while (total + MAX_DATA_PAYLOAD <= INITIAL_WINDOW) { assert.equal(b2.mux.receive(data(MAX_DATA_PAYLOAD)), undefined); total += MAX_DATA_PAYLOAD; }
  const err = b2.mux.receive(data(INITIAL_WINDOW - total + 1));
  assert.equal(err?.kind, 'peer-violation');
  assert.equal(err.code, 'window-overrun');
  assert.equal(b2.mux.size, 0, 'the connection is forgotten');
});

test('state violations are bad-state errors; frames for unknown connections are dropped', () => {
  const b = new Endpoint(B);
  const open: Frame = { srcIP: A, srcPort: 5000, dstIP: B, dstPort: 80, proto: PROTO_TCP, flags: FLAG_OPEN, payload: u32Payload(INITIAL_WINDOW) };
  assert.equal(b.mux.receive(open), undefined);
  assert.equal(b.mux.receive(open)?.code, 'bad-state', 'duplicate OPEN');
  // §8.1: that ended the live connection too (violations.test.ts); the tuple is free again.
  assert.equal(b.mux.size, 0);
  assert.equal(b.mux.receive(open), undefined);
  assert.equal(b.mux.receive({ ...open, flags: FLAG_CLOSE_WRITE, payload: Buffer.alloc(0) }), undefined);
  assert.equal(b.mux.receive({ ...open, flags: 0, payload: Buffer.alloc(1) })?.code, 'bad-state', 'data after CLOSE_WRITE');
  for (const flags of [0, FLAG_CLOSE_WRITE, FLAG_WINDOW]) {
    assert.equal(b.mux.receive({ ...open, srcPort: 6000, flags, payload: flags === FLAG_WINDOW ? u32Payload(1) : Buffer.alloc(flags ? 0 : 1) }), undefined);
  }
  const a = new Endpoint(A);
  const ca = a.mux.open(B, 80)!;
  const fromB = { srcIP: B, srcPort: 80, dstIP: A, dstPort: ca.srcPort, proto: PROTO_TCP };
  assert.equal(a.mux.receive({ ...fromB, flags: FLAG_FROM_ACCEPTOR, payload: Buffer.alloc(1) })?.code, 'bad-state', 'data before OPEN_OK');
  const a2 = new Endpoint(A);
  const c2 = a2.mux.open(B, 80)!;
  const ok: Frame = { ...fromB, dstPort: c2.srcPort, flags: FLAG_OPEN_OK | FLAG_FROM_ACCEPTOR, payload: u32Payload(INITIAL_WINDOW) };
  assert.equal(a2.mux.receive(ok), undefined);
  assert.equal(a2.mux.receive(ok)?.code, 'bad-state', 'OPEN_OK twice');
  const c2b = a2.mux.open(B, 80)!;
  assert.equal(a2.mux.receive({ ...ok, dstPort: c2b.srcPort }), undefined);
  assert.equal(a2.mux.receive({ ...ok, dstPort: c2b.srcPort, flags: FLAG_WINDOW | FLAG_FROM_ACCEPTOR, payload: u32Payload(0x7fffffff) })?.code, 'window-overflow');
  const a3 = new Endpoint(A);
  const c3 = a3.mux.open(B, 80)!;
  assert.equal(a3.mux.receive({ ...ok, dstPort: c3.srcPort, payload: u32Payload(PRE_OPEN_WINDOW - 1) })?.code, 'bad-payload');
});

test('an agent connecting to its own VIP: FROM_ACCEPTOR keeps initiator and acceptor apart', () => {
  const a = new Endpoint(A);
  // Make the acceptor-side tuple collide with a connection A initiates: A:1024 -> A:1025 and A:1025 -> A:1024.
  const c1 = a.mux.open(A, 1025)!;
  assert.equal(c1.srcPort, FIRST_SOURCE_PORT);
  const c2 = a.mux.open(A, 1024)!;
  assert.equal(c2.srcPort, 1025);
  pump([a]);
  assert.equal(a.events.accepted.length, 2);
  assert.equal(a.mux.size, 4);
  const [acc1, acc2] = a.events.accepted as [MuxConnection<Side>, MuxConnection<Side>];
  a.mux.write(c1, Buffer.from('to acceptor 1'));
  a.mux.write(acc1, Buffer.from('to initiator 1'));
  a.mux.write(c2, Buffer.from('to acceptor 2'));
  a.mux.write(acc2, Buffer.from('to initiator 2'));
  pump([a]);
  assert.equal(a.received(acc1).toString(), 'to acceptor 1');
  assert.equal(a.received(c1).toString(), 'to initiator 1');
  assert.equal(a.received(acc2).toString(), 'to acceptor 2');
  assert.equal(a.received(c2).toString(), 'to initiator 2');
});

test('PEER_DOWN aborts exactly the connections with that VIP, silently', () => {
  const C = B + 1;
  const [a, b] = pair();
  const c = new Endpoint(C);
  const toB = a.mux.open(B, 80)!;
  const toC = a.mux.open(C, 80)!;
  b.mux.open(A, 22);
  pump([a, b, c]);
  assert.equal(a.mux.size, 3);
  a.mux.peerDown(B);
  assert.deepEqual(a.events.aborted.map((e) => [e.conn === toB || e.conn.remoteIP === B, e.reason]), [[true, 'host-down'], [true, 'host-down']]);
  assert.equal(a.mux.size, 1);
  assert.equal(toC.closed, false);
  assert.equal(a.drainOutbox().length, 0, 'nothing sent to a dead peer');
});

test('thousands of connections: unique source ports, all complete, state freed; exhaustion is reported', () => {
  const [a, b] = pair();
  const n = 5000;
  const conns = Array.from({ length: n }, () => a.mux.open(B, 80)!);
  assert.equal(new Set(conns.map((c) => c.srcPort)).size, n);
  pump([a, b]);
  for (const c of conns) { a.mux.write(c, Buffer.from(String(c.srcPort))); a.mux.end(c); }
  for (const c of b.events.accepted) { b.mux.write(c, Buffer.from(`re ${c.srcPort}`)); b.mux.end(c); }
  pump([a, b]);
  for (const c of conns) assert.equal(a.received(c).toString(), `re ${c.srcPort}`);
  for (const c of b.events.accepted) assert.equal(b.received(c).toString(), String(c.srcPort));
  assert.equal(a.mux.size + b.mux.size, 0);

  const sink = new Mux({ localIP: A, handlers: { send() {}, onOpen() {}, onData() {}, onEnd() {}, onAbort() {}, onWritable() {} } });
  const span = LAST_SOURCE_PORT - FIRST_SOURCE_PORT + 1;
  const all = Array.from({ length: span }, () => sink.open(B, 80));
  assert.ok(all.every((c) => c !== undefined));
  assert.equal(sink.open(B, 80), undefined, 'no free port left');
  sink.abort(all[777]!, 'reset');
  assert.equal(sink.open(B, 80)?.srcPort, all[777]!.srcPort, 'a freed port is found again');
});

test('abortAll reports every connection and notifies the peer only when asked', () => {
  const [a, b] = pair();
  a.mux.open(B, 80);
  a.mux.open(B, 81);
  pump([a, b]);
  a.mux.abortAll('shutting-down', 'bye', true);
  assert.equal(a.events.aborted.length, 2);
  pump([a, b]);
  assert.deepEqual(b.events.aborted.map((e) => e.reason), ['shutting-down', 'shutting-down']);
  assert.equal(b.mux.size, 0);
});
