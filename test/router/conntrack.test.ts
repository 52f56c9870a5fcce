import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  FLAG_ABORT, FLAG_CLOSE_WRITE, FLAG_FROM_ACCEPTOR, FLAG_OPEN, FLAG_OPEN_OK, FLAG_WINDOW, INITIAL_WINDOW,
  MAX_DATA_PAYLOAD, MAX_WINDOW, PRE_OPEN_WINDOW, PROTO_TCP, abortPayload, u32Payload, type Frame,
} from '../../src/protocol/index.js';
import { ConnTrack, type Verdict } from '../../src/router/conntrack.js';
import { Endpoint } from '../mux/harness.js';
import { prng } from '../protocol/prng.js';

const A = 0x7f002a64; // 127.0.42.100
const B = 0x7f002a65; // 127.0.42.101
const C = 0x7f002a66; // 127.0.42.102

/** Frames of the connection A:port -> B:80, from either side. */
function conn(port = 5000, acceptor = B) {
  const fromInitiator = (flags: number, payload: Buffer = Buffer.alloc(0)): Frame =>
    ({ srcIP: A, srcPort: port, dstIP: acceptor, dstPort: 80, proto: PROTO_TCP, flags, payload });
  const fromAcceptor = (flags: number, payload: Buffer = Buffer.alloc(0)): Frame =>
    ({ srcIP: acceptor, srcPort: 80, dstIP: A, dstPort: port, proto: PROTO_TCP, flags: flags | FLAG_FROM_ACCEPTOR, payload });
  return {
    open: (window = INITIAL_WINDOW) => fromInitiator(FLAG_OPEN, u32Payload(window)),
    openOk: (window = INITIAL_WINDOW) => fromAcceptor(FLAG_OPEN_OK, u32Payload(window)),
    data: (n: number, side: 'i' | 'a' = 'i', close = false) => (side === 'i' ? fromInitiator : fromAcceptor)(close ? FLAG_CLOSE_WRITE : 0, Buffer.alloc(n)),
    window: (inc: number, side: 'i' | 'a') => (side === 'i' ? fromInitiator : fromAcceptor)(FLAG_WINDOW, u32Payload(inc)),
    abort: (side: 'i' | 'a') => (side === 'i' ? fromInitiator : fromAcceptor)(FLAG_ABORT, abortPayload('reset')),
  };
}

function kind(v: Verdict): string {
  return v.kind === 'violation' ? `violation ${v.error.code}` : v.kind;
}

test('a connection\'s whole life is forwarded and leaves nothing behind', () => {
  const t = new ConnTrack();
  const c = conn();
  assert.equal(kind(t.check(c.open())), 'forward');
  assert.equal(t.size, 1);
  assert.equal(t.between(A, B), 1);
  assert.equal(kind(t.check(c.data(PRE_OPEN_WINDOW))), 'forward', 'the pre-open window');
  assert.equal(kind(t.check(c.openOk())), 'forward');
  assert.equal(kind(t.check(c.data(INITIAL_WINDOW - PRE_OPEN_WINDOW))), 'forward', 'the rest of the acceptor\'s window');
  assert.equal(kind(t.check(c.window(1000, 'a'))), 'forward');
  assert.equal(kind(t.check(c.data(1000, 'i', true))), 'forward', 'exactly the credit, with CLOSE_WRITE');
  assert.equal(kind(t.check(c.data(INITIAL_WINDOW, 'a'))), 'forward');
  assert.equal(kind(t.check(c.window(5, 'i'))), 'forward');
  assert.equal(kind(t.check(c.data(5, 'a', true))), 'forward');
  assert.equal(t.size, 0);
  assert.equal(t.between(A, B), 0);
  assert.equal(kind(t.check(c.data(1, 'a'))), 'drop', 'a frame of a finished connection');
  assert.equal(kind(t.check(c.open())), 'forward', 'the source port is free again');
});

test('every per-connection violation is caught before it is forwarded', () => {
  const cases: [string, (t: ConnTrack) => Verdict, string][] = [
    ['pre-open overrun', (t) => { const c = conn(); t.check(c.open()); t.check(c.data(PRE_OPEN_WINDOW)); return t.check(c.data(1)); }, 'window-overrun'],
    ['overrun after OPEN_OK', (t) => { const c = conn(); t.check(c.open()); t.check(c.openOk(PRE_OPEN_WINDOW * 2)); t.check(c.data(MAX_DATA_PAYLOAD)); return t.check(c.data(MAX_DATA_PAYLOAD + 1)); }, 'window-overrun'],
    ['acceptor overrun', (t) => { const c = conn(); t.check(c.open(PRE_OPEN_WINDOW)); t.check(c.openOk()); return t.check(c.data(PRE_OPEN_WINDOW + 1, 'a')); }, 'window-overrun'],
    ['duplicate OPEN', (t) => { const c = conn(); t.check(c.open()); return t.check(c.open()); }, 'bad-state'],
    ['duplicate source port to another host', (t) => { t.check(conn(5000, B).open()); return t.check(conn(5000, C).open()); }, 'bad-state'],
    ['OPEN window below 64 KiB', (t) => t.check(conn().open(1)), 'bad-payload'],
    ['OPEN_OK window below 64 KiB', (t) => { const c = conn(); t.check(c.open()); return t.check(c.openOk(PRE_OPEN_WINDOW - 1)); }, 'bad-payload'],
    ['second OPEN_OK', (t) => { const c = conn(); t.check(c.open()); t.check(c.openOk()); return t.check(c.openOk()); }, 'bad-state'],
    ['acceptor data before OPEN_OK', (t) => { const c = conn(); t.check(c.open()); return t.check(c.data(1, 'a')); }, 'bad-state'],
    ['acceptor WINDOW before OPEN_OK', (t) => { const c = conn(); t.check(c.open()); return t.check(c.window(1, 'a')); }, 'bad-state'],
    ['WINDOW overflow', (t) => { const c = conn(); t.check(c.open()); t.check(c.openOk()); return t.check(c.window(MAX_WINDOW, 'a')); }, 'window-overflow'],
    ['OPEN_OK overflow after WINDOWs', (t) => { const c = conn(); t.check(c.open()); t.check(c.openOk(MAX_WINDOW)); return t.check(c.window(PRE_OPEN_WINDOW, 'a')); }, 'window-overflow'],
    ['data after CLOSE_WRITE', (t) => { const c = conn(); t.check(c.open()); t.check(c.data(1, 'i', true)); return t.check(c.data(1)); }, 'bad-state'],
  ];
  for (const [name, run, code] of cases) {
    const t = new ConnTrack();
    assert.equal(kind(run(t)), `violation ${code}`, name);
  }
});

test('ABORT from either side forgets the connection; late frames are dropped, not forwarded', () => {
  for (const side of ['i', 'a'] as const) {
    const t = new ConnTrack();
    const c = conn();
    t.check(c.open());
    t.check(c.openOk());
    assert.equal(kind(t.check(c.abort(side))), 'forward');
    assert.equal(t.size, 0);
    for (const f of [c.data(1, 'i'), c.data(1, 'a'), c.window(1, 'i'), c.openOk(), c.abort('a')]) assert.equal(kind(t.check(f)), 'drop');
  }
  const t = new ConnTrack();
  assert.equal(kind(t.check(conn().data(10))), 'drop', 'data for a tuple that was never opened');
});

test('live connections per peer are capped; the cap frees as connections end', () => {
  const t = new ConnTrack({ perPeer: 3 });
  for (let p = 1; p <= 3; p++) assert.equal(kind(t.check(conn(p).open())), 'forward');
  const refused = t.check(conn(4).open());
  assert.equal(refused.kind, 'refuse');
  assert.match(refused.kind === 'refuse' ? refused.text : '', /more than 3 live connections to 127\.0\.42\.101/);
  assert.equal(kind(t.check(conn(5, C).open())), 'forward', 'another peer has its own count');
  t.check(conn(2).abort('a'));
  assert.equal(kind(t.check(conn(4).open())), 'forward');
  assert.equal(t.between(A, B), 3);
});

test('a link going down forgets the connections it initiated and those it accepted', () => {
  const t = new ConnTrack();
  t.check(conn(1, B).open());
  t.check(conn(2, C).open());
  const fromB: Frame = { srcIP: B, srcPort: 7, dstIP: C, dstPort: 80, proto: PROTO_TCP, flags: FLAG_OPEN, payload: u32Payload(INITIAL_WINDOW) };
  t.check(fromB);
  assert.equal(t.size, 3);
  t.linkDown(B);
  assert.equal(t.size, 1);
  assert.equal(t.between(A, C), 1);
  assert.equal(kind(t.check(conn(1, B).data(1))), 'drop');
  assert.equal(kind(t.check(conn(1, B).open())), 'forward', 'the port is free again');
});

// The router ends a connection whose acceptor has not answered when its data would be queued
// for a link that is not being read: only pre-open data from the initiator may be shed that way.
test('abortOpening: pre-open data from the initiator only; the connection is forgotten', () => {
  const t = new ConnTrack();
  const c = conn(1);
  t.check(c.open());
  const data = c.data(100);
  t.check(data);
  assert.equal(t.abortOpening(c.window(10, 'i')), false, 'not data');
  assert.equal(t.abortOpening(data), true);
  assert.equal(t.size, 0);
  assert.equal(kind(t.check(c.data(1))), 'drop', 'later frames of it are dropped');
  const d = conn(2);
  t.check(d.open());
  t.check(d.openOk());
  const answered = d.data(100);
  t.check(answered);
  assert.equal(t.abortOpening(answered), false, 'an answered connection is not shed');
  assert.equal(t.abortOpening(d.data(10, 'a')), false, 'nor the acceptor\'s data');
  assert.equal(t.size, 1);
});

// Two real multiplexers with random writers and slow random consumers, every frame through the
// tracker: correct agents never trip it, and it ends with the books empty.
test('real multiplexers never trip the tracker, whatever the interleaving', () => {
  for (let seed = 1; seed <= 20; seed++) {
    const r = prng(seed);
    const t = new ConnTrack();
    const window = r.pick([PRE_OPEN_WINDOW, INITIAL_WINDOW, 100_000]);
    const a = new Endpoint(A, window);
    const b = new Endpoint(B, window);
    const owed: { side: Endpoint; conn: Parameters<Endpoint['onData']>[0]; n: number }[] = [];
    for (const e of [a, b]) e.onData = (conn, d) => owed.push({ side: e, conn, n: d.length });
    const dialling: Parameters<Endpoint['onOpen']>[0][] = [];
    b.onOpen = (c) => dialling.push(c);
    const planned = new Map<unknown, number>();
    const blocked = new Set<unknown>();
    const queued = new Map<Endpoint, Frame[]>([[a, []], [b, []]]);
    let forwarded = 0;
    const pumpSome = (max: number) => {
      for (const from of [a, b]) {
        const q = queued.get(from)!;
        q.push(...from.drainOutbox());
        while (q.length && max-- > 0) {
          const f = q.shift()!;
          const v = t.check(f);
          assert.equal(kind(v), kind(v) === 'drop' ? 'drop' : 'forward', `seed ${seed}: ${kind(v)} ${v.kind === 'violation' ? v.error.message : ''}`);
          if (v.kind === 'forward') {
            forwarded++;
            (f.dstIP === A ? a : b).mux.receive(f);
          }
        }
      }
    };
    const settle = () => {
      for (;;) {
        for (const e of [a, b]) queued.get(e)!.push(...e.drainOutbox());
        if (!queued.get(a)!.length && !queued.get(b)!.length) return;
        pumpSome(Infinity);
      }
    };
    for (let round = 0; round < 4000; round++) {
      const roll = r.next();
      if (roll < 0.05 && a.mux.size < 8) {
        const c = a.mux.open(B, 80);
        if (c) planned.set(c, r.int(0, 300_000));
      } else if (roll < 0.1 && dialling.length) {
        const c = dialling.splice(r.int(0, dialling.length - 1), 1)[0]!;
        if (r.next() < 0.15) b.mux.abort(c, 'refused');
        else {
          b.mux.accept(c);
          planned.set(c, r.int(0, 300_000));
        }
      } else if (roll < 0.12) {
        const live = [...a.mux.connections(), ...b.mux.connections()].filter((c) => c.state === 'open');
        const c = live.length ? r.pick(live) : undefined;
        if (c) (c.role === 'initiator' ? a : b).mux.abort(c, 'reset');
      }
      // A writer waits for onWritable after write() returned false, as the bridge does.
      for (const e of [a, b]) for (const c of e.events.writable.splice(0)) blocked.delete(c);
      for (const [e, c] of [...a.mux.connections()].map((c) => [a, c] as const).concat([...b.mux.connections()].map((c) => [b, c] as const))) {
        const left = planned.get(c);
        if (left === undefined || c.state === 'accepting' || c.endRequested || blocked.has(c)) continue;
        if (left === 0) { e.mux.end(c); continue; }
        const n = Math.min(left, r.pick([1, 1000, 65536, 100_000]));
        planned.set(c, left - n);
        if (!e.mux.write(c, Buffer.alloc(n, seed))) blocked.add(c);
      }
      pumpSome(r.int(1, 30));
      for (let k = r.int(0, 4); k > 0 && owed.length > 0; k--) {
        const i = r.int(0, owed.length - 1);
        const o = owed[i]!;
        const n = r.next() < 0.5 ? o.n : r.int(1, o.n);
        o.side.mux.consumed(o.conn, n);
        o.n -= n;
        if (o.n === 0) owed.splice(i, 1);
      }
    }
    // Wind down: refuse the dials left, consume everything, abort what is still open.
    for (const c of dialling.splice(0)) b.mux.abort(c, 'refused');
    for (const o of owed.splice(0)) o.side.mux.consumed(o.conn, o.n);
    settle();
    for (const c of [...a.mux.connections()]) a.mux.abort(c, 'reset');
    for (const c of [...b.mux.connections()]) b.mux.abort(c, 'reset');
    settle();
    assert.equal(t.size, 0, `seed ${seed}: the tracker still holds ${t.size} connections`);
    assert.ok(forwarded > 500 && b.events.closed.length > 0, `seed ${seed}: only ${forwarded} frames, ${b.events.closed.length} clean closes`);
  }
});
