/**
 * The books of `norouter status` (src/status/accounting.ts) against the router's own connection
 * tracking: fed the frames conntrack forwards, they count every payload byte once, per host and
 * direction, and hold exactly the connections conntrack holds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  FLAG_ABORT, FLAG_CLOSE_WRITE, FLAG_FROM_ACCEPTOR, FLAG_OPEN, FLAG_OPEN_OK, INITIAL_WINDOW, PROTO_TCP, PROTO_UDP,
  abortPayload, u32Payload, type Frame,
} from '../../src/protocol/index.js';
import { ConnTrack } from '../../src/router/conntrack.js';
import { Accounting } from '../../src/status/accounting.js';
import { prng } from '../protocol/prng.js';

const HOSTS = [{ name: 'a', vip: '127.0.42.100' }, { name: 'b', vip: '127.0.42.101' }, { name: 'c', vip: '127.0.42.102' }];
const IP = [0x7f002a64, 0x7f002a65, 0x7f002a66];

function frame(src: number, srcPort: number, dst: number, dstPort: number, flags: number, payload: Buffer = Buffer.alloc(0)): Frame {
  return { srcIP: src, srcPort, dstIP: dst, dstPort, proto: PROTO_TCP, flags, payload };
}

function books(now = () => 0) {
  const acct = new Accounting({ manifest: '/m.yaml', version: 'test', now });
  acct.plan(HOSTS);
  return acct;
}

test('a connection: bytes each way, per host and direction, and nothing left after both close', () => {
  const acct = books();
  const [a, b] = [IP[0]!, IP[1]!];
  acct.forwarded(frame(a, 5000, b, 80, FLAG_OPEN, u32Payload(INITIAL_WINDOW)));
  acct.forwarded(frame(b, 80, a, 5000, FLAG_OPEN_OK | FLAG_FROM_ACCEPTOR, u32Payload(INITIAL_WINDOW)));
  acct.forwarded(frame(a, 5000, b, 80, 0, Buffer.alloc(1000)));
  acct.forwarded(frame(b, 80, a, 5000, FLAG_FROM_ACCEPTOR, Buffer.alloc(300)));
  let s = acct.snapshot();
  assert.deepEqual(s.hosts.map((h) => [h.name, h.bytes, h.connections]), [
    ['a', { in: 300, out: 1000 }, { in: 0, out: 1 }],
    ['b', { in: 1000, out: 300 }, { in: 1, out: 0 }],
    ['c', { in: 0, out: 0 }, { in: 0, out: 0 }],
  ]);
  assert.deepEqual(s.connections.map((c) => [c.from, c.to, c.sent, c.received]), [[{ host: 'a', address: '127.0.42.100:5000' }, { host: 'b', address: '127.0.42.101:80' }, 1000, 300]]);
  acct.forwarded(frame(a, 5000, b, 80, FLAG_CLOSE_WRITE, Buffer.alloc(24)));
  assert.equal(acct.connections, 1, 'half-closed is still live');
  acct.forwarded(frame(b, 80, a, 5000, FLAG_CLOSE_WRITE | FLAG_FROM_ACCEPTOR));
  s = acct.snapshot();
  assert.equal(acct.connections, 0);
  assert.equal(s.totals.connections, 0);
  assert.equal(s.totals.bytes, 1324);
  assert.deepEqual(s.hosts.map((h) => h.connections), [{ in: 0, out: 0 }, { in: 0, out: 0 }, { in: 0, out: 0 }]);
  assert.deepEqual(s.hosts.map((h) => h.opened), [{ in: 0, out: 1 }, { in: 1, out: 0 }, { in: 0, out: 0 }]);
});

test('aborts are counted by reason; a link that goes down takes its connections along', () => {
  const acct = books();
  const [a, b, c] = [IP[0]!, IP[1]!, IP[2]!];
  acct.forwarded(frame(a, 1, b, 80, FLAG_OPEN, u32Payload(INITIAL_WINDOW)));
  acct.forwarded(frame(a, 2, c, 80, FLAG_OPEN, u32Payload(INITIAL_WINDOW)));
  acct.forwarded(frame(c, 3, b, 80, FLAG_OPEN, u32Payload(INITIAL_WINDOW)));
  acct.forwarded(frame(b, 80, a, 1, FLAG_ABORT | FLAG_FROM_ACCEPTOR, abortPayload('refused', 'nothing listens')));
  assert.equal(acct.connections, 2);
  assert.deepEqual(acct.snapshot().aborts, { refused: 1 });
  acct.linkDown(c);
  assert.equal(acct.connections, 0);
  assert.deepEqual(acct.snapshot().hosts.map((h) => h.connections.in + h.connections.out), [0, 0, 0]);
});

test('states, restarts, refusals and reloads, as status shows them', () => {
  let t = 1_000;
  const acct = books(() => t);
  acct.starting('a');
  acct.up('a');
  t += 5_000;
  acct.down('a', 'agent exited with status 1');
  acct.starting('a');
  acct.starting('b');
  acct.givenUp('b', 'command not found');
  acct.down('b', 'ignored: given up on');
  acct.refused('c', 'open-flood');
  acct.refused('c', 'open-flood');
  acct.reloaded('SIGHUP', 'invalid');
  acct.reloaded('file changed', 'unchanged-text');
  const s = acct.snapshot();
  assert.deepEqual(s.hosts.map((h) => [h.name, h.state, h.why, h.restarts]), [
    ['a', 'starting', undefined, 1], ['b', 'given-up', 'command not found', 0], ['c', 'starting', undefined, 0],
  ]);
  assert.deepEqual(s.hosts[2]?.refused, { 'open-flood': 2 });
  assert.deepEqual(s.reloads, { count: 1, last: { at: new Date(t).toISOString(), trigger: 'SIGHUP', result: 'invalid' } });
  assert.deepEqual(s.events.filter((e) => e.kind === 'refused').map((e) => e.count), [2], 'refusals in a row are one event');
});

test('rates come from the one-second samples; the history keeps the last minute', () => {
  const acct = books();
  const [a, b] = [IP[0]!, IP[1]!];
  acct.forwarded(frame(a, 5000, b, 80, FLAG_OPEN, u32Payload(INITIAL_WINDOW)));
  for (let second = 0; second < 70; second++) {
    acct.forwarded(frame(a, 5000, b, 80, 0, Buffer.alloc(second)));
    acct.sample();
  }
  const s = acct.snapshot(true);
  assert.deepEqual(s.hosts[0]?.rate, { in: 0, out: 69 });
  assert.equal(s.hosts[0]?.history?.length, 60);
  assert.equal(s.hosts[0]?.history?.at(-1), 69);
  assert.equal(s.connections[0]?.rate, 69);
  assert.equal(acct.snapshot(false).hosts[0]?.history, undefined, 'history only with detail');
});

test('random traffic: the books hold what conntrack holds and count every forwarded byte once', () => {
  for (const seed of [1, 2, 3, 42, 1234]) {
    const r = prng(seed);
    const track = new ConnTrack();
    const acct = books();
    const sent = [0, 0, 0];
    const received = [0, 0, 0];
    const live: { i: number; a: number; port: number; iClosed: boolean; aClosed: boolean; opened: boolean }[] = [];
    let nextPort = 1;
    const pass = (f: Frame) => {
      const v = track.check(f);
      if (v.kind !== 'forward') return false;
      acct.forwarded(f);
      return true;
    };
    for (let step = 0; step < 3000; step++) {
      const what = r.int(0, 9);
      if (what === 0 || live.length === 0) {
        const i = r.int(0, 2);
        const a = (i + r.int(1, 2)) % 3;
        const port = nextPort++;
        if (pass(frame(IP[i]!, port, IP[a]!, 80, FLAG_OPEN, u32Payload(INITIAL_WINDOW)))) live.push({ i, a, port, iClosed: false, aClosed: false, opened: false });
      } else {
        const k = r.int(0, live.length - 1);
        const c = live[k]!;
        const fromA = r.next() < 0.5;
        const toI = (flags: number, p?: Buffer) => frame(IP[c.a]!, 80, IP[c.i]!, c.port, flags | FLAG_FROM_ACCEPTOR, p);
        const toA = (flags: number, p?: Buffer) => frame(IP[c.i]!, c.port, IP[c.a]!, 80, flags, p);
        if (!c.opened) {
          if (pass(toI(FLAG_OPEN_OK, u32Payload(INITIAL_WINDOW)))) c.opened = true;
          continue;
        }
        if (what === 9) {
          pass(fromA ? toI(FLAG_ABORT, abortPayload('reset')) : toA(FLAG_ABORT, abortPayload('reset')));
          live.splice(k, 1);
          continue;
        }
        if (fromA ? c.aClosed : c.iClosed) continue;
        const n = r.int(0, 2000);
        const close = what === 8;
        const f = fromA ? toI(close ? FLAG_CLOSE_WRITE : 0, Buffer.alloc(n)) : toA(close ? FLAG_CLOSE_WRITE : 0, Buffer.alloc(n));
        if (pass(f)) {
          if (fromA) { sent[c.a]! += n; received[c.i]! += n; } else { sent[c.i]! += n; received[c.a]! += n; }
          if (close) {
            if (fromA) c.aClosed = true; else c.iClosed = true;
            if (c.aClosed && c.iClosed) live.splice(k, 1);
          }
        }
      }
      if (step % 500 === 499) {
        const down = r.int(0, 2);
        track.linkDown(IP[down]!);
        acct.linkDown(IP[down]!);
        for (let j = live.length - 1; j >= 0; j--) if (live[j]!.i === down || live[j]!.a === down) live.splice(j, 1);
      }
      assert.equal(acct.connections, track.size, `seed ${seed}, step ${step}`);
    }
    const s = acct.snapshot();
    assert.deepEqual(s.hosts.map((h) => h.bytes.out), sent, `seed ${seed}`);
    assert.deepEqual(s.hosts.map((h) => h.bytes.in), received, `seed ${seed}`);
    assert.equal(s.hosts.reduce((n, h) => n + h.connections.in + h.connections.out, 0), 2 * track.size, `seed ${seed}`);
  }
});

test('datagrams: counted per host and direction with their payload bytes; a flow\'s end is not a datagram', () => {
  const acct = books();
  const udp = (src: number, dst: number, flags: number, n: number): Frame => ({ srcIP: IP[src]!, srcPort: 5000, dstIP: IP[dst]!, dstPort: 53, proto: PROTO_UDP, flags, payload: Buffer.alloc(n) });
  acct.datagram(udp(0, 1, 0, 100));
  acct.datagram(udp(0, 1, 0, 0));
  acct.datagram(udp(1, 0, FLAG_FROM_ACCEPTOR, 300));
  acct.datagram(udp(0, 1, FLAG_ABORT, 2));
  const [a, b] = acct.snapshot().hosts;
  assert.deepEqual(a?.udp.datagrams, { in: 1, out: 2 });
  assert.deepEqual(a?.udp.bytes, { in: 300, out: 100 });
  assert.deepEqual(b?.udp.datagrams, { in: 2, out: 1 });
  assert.equal(acct.snapshot().totals.datagrams, 3);
  assert.deepEqual(acct.snapshot().hosts[2]?.udp, { datagrams: { in: 0, out: 0 }, bytes: { in: 0, out: 0 }, flows: { clients: 0, targets: 0 }, dropped: { router: {}, agent: {} } });
});

test('datagram drops: the router\'s read from the switch, the agent\'s summed over its runs; flows are the current run\'s', () => {
  const acct = books();
  acct.datagramDrops = () => new Map([['a', new Map([['unpublished-port', 50]])]]);
  acct.starting('a');
  acct.agentCounters('a', { dns: { answered: 0, relayed: 0, dropped: 0 }, udp: { dropped: { 'flow-limit': 3 }, flows: { clients: 2, targets: 1 } } });
  let a = acct.snapshot().hosts[0];
  assert.deepEqual(a?.udp.dropped, { router: { 'unpublished-port': 50 }, agent: { 'flow-limit': 3 } });
  assert.deepEqual(a?.udp.flows, { clients: 2, targets: 1 });
  acct.down('a', 'killed');
  assert.deepEqual(acct.snapshot().hosts[0]?.udp.flows, { clients: 0, targets: 0 }, 'flows go with the agent');
  acct.starting('a');
  acct.agentCounters('a', { dns: { answered: 0, relayed: 0, dropped: 0 }, udp: { dropped: { 'flow-limit': 1, 'no-flow': 2 }, flows: { clients: 1, targets: 0 } } });
  a = acct.snapshot().hosts[0];
  assert.deepEqual(a?.udp.dropped.agent, { 'flow-limit': 4, 'no-flow': 2 });
  assert.equal(acct.snapshot().totals.datagramsDropped, 56);
  // An older agent reports no `udp`: what the books hold stays.
  acct.agentCounters('a', { dns: { answered: 1, relayed: 0, dropped: 0 } });
  assert.deepEqual(acct.snapshot().hosts[0]?.udp.dropped.agent, { 'flow-limit': 4, 'no-flow': 2 });
});

test('agent counters (docs/protocol.md §4.8): a restarted agent counts from zero, the books keep the sum', () => {
  const acct = books();
  acct.starting('a');
  acct.agentCounters('a', { dns: { answered: 5, relayed: 2, dropped: 0 } });
  acct.agentCounters('a', { dns: { answered: 7, relayed: 2, dropped: 1 } });
  assert.deepEqual(acct.snapshot().hosts[0]?.dns, { answered: 7, relayed: 2, dropped: 1 });
  acct.down('a', 'killed');
  acct.starting('a');
  acct.agentCounters('a', { dns: { answered: 1, relayed: 0, dropped: 0 } });
  assert.deepEqual(acct.snapshot().hosts[0]?.dns, { answered: 8, relayed: 2, dropped: 1 });
});

test('a change is announced after its event is recorded: a listener sees state and event together', () => {
  const acct = books();
  const seen: string[] = [];
  acct.onChange = () => {
    const s = acct.snapshot();
    const host = s.hosts.find((h) => h.name === 'a');
    const last = s.events.at(-1);
    seen.push(`${host?.state} / ${last ? `${last.kind} ${last.text}` : 'no event'}`);
  };
  acct.starting('a');
  acct.up('a');
  acct.down('a', 'link closed');
  acct.down('a', 'exited with status 1');
  acct.givenUp('a', 'failed 5 times');
  assert.deepEqual(seen, [
    'starting / no event',
    'up / up up',
    'down / down link closed',
    'down / down exited with status 1',
    'given-up / given-up failed 5 times',
  ]);
});
