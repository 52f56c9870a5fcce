// The credit and half-close rules (src/protocol/stream-rules.ts), directly by a table of cases,
// then as their two users apply them: seeded random frame sequences on one connection, one end a
// real Mux and the other a random (sometimes misbehaving) peer, every frame also through the
// router's ConnTrack. The rules, the Mux and ConnTrack must give the same verdict and message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  FLAG_CLOSE_WRITE, FLAG_FROM_ACCEPTOR, FLAG_OPEN, FLAG_OPEN_OK, FLAG_WINDOW, INITIAL_WINDOW, MAX_DATA_PAYLOAD, MAX_WINDOW,
  PRE_OPEN_WINDOW, PROTO_TCP, applyData, applyOpenOk, applyWindow, bothClosed, frameTuple, openBooks, openWindowBreak,
  payloadLength, readU32Payload, tcpKind, u32Payload, type Frame, type FrameHeader, type StreamBooks, type StreamBreak,
} from '../../src/protocol/index.js';
import { Mux, type MuxConnection } from '../../src/mux/index.js';
import { ConnTrack } from '../../src/router/conntrack.js';
import { prng } from './prng.js';

type Step =
  | ['open-ok', number]
  | ['window', 'i' | 'a', number]
  | ['data', 'i' | 'a', number, boolean?];

function run(openWindow: number, steps: Step[]): { books: StreamBooks; result: StreamBreak | undefined } {
  const books = openBooks(openWindow);
  for (const [i, step] of steps.entries()) {
    const result = step[0] === 'open-ok' ? applyOpenOk(books, step[1])
      : step[0] === 'window' ? applyWindow(books, step[1] === 'a', step[2])
      : applyData(books, step[1] === 'a', step[2], step[3] ?? false);
    if (result) {
      assert.equal(i, steps.length - 1, `a break before the last step: ${result.what}`);
      return { books, result };
    }
  }
  return { books, result: undefined };
}

test('the rules, case by case: the code of each break, and the books left as they were', () => {
  const cases: [string, number, Step[], string | undefined][] = [
    ['a whole life', INITIAL_WINDOW, [['data', 'i', PRE_OPEN_WINDOW], ['open-ok', INITIAL_WINDOW], ['data', 'a', INITIAL_WINDOW, true], ['window', 'i', 10], ['data', 'i', INITIAL_WINDOW - PRE_OPEN_WINDOW, true]], undefined],
    ['pre-open overrun', INITIAL_WINDOW, [['data', 'i', PRE_OPEN_WINDOW], ['data', 'i', 1]], 'window-overrun'],
    ['acceptor overrun', PRE_OPEN_WINDOW, [['open-ok', INITIAL_WINDOW], ['data', 'a', PRE_OPEN_WINDOW + 1]], 'window-overrun'],
    ['a zero-byte CLOSE_WRITE with no credit left', PRE_OPEN_WINDOW, [['data', 'i', PRE_OPEN_WINDOW, true]], undefined],
    ['second OPEN_OK', INITIAL_WINDOW, [['open-ok', INITIAL_WINDOW], ['open-ok', INITIAL_WINDOW]], 'bad-state'],
    ['OPEN_OK window below PRE_OPEN_WINDOW', INITIAL_WINDOW, [['open-ok', PRE_OPEN_WINDOW - 1]], 'bad-payload'],
    ['OPEN_OK window above MAX_WINDOW', INITIAL_WINDOW, [['open-ok', MAX_WINDOW + 1]], 'bad-payload'],
    ['OPEN_OK after the initiator granted itself nothing: MAX_WINDOW exactly', INITIAL_WINDOW, [['open-ok', MAX_WINDOW]], undefined],
    ['acceptor WINDOW before OPEN_OK', INITIAL_WINDOW, [['window', 'a', 1]], 'bad-state'],
    ['initiator WINDOW before OPEN_OK is fine', INITIAL_WINDOW, [['window', 'i', 1]], undefined],
    ['acceptor data before OPEN_OK', INITIAL_WINDOW, [['data', 'a', 1]], 'bad-state'],
    ['WINDOW overflow', INITIAL_WINDOW, [['open-ok', INITIAL_WINDOW], ['window', 'a', MAX_WINDOW]], 'window-overflow'],
    ['WINDOW up to MAX_WINDOW exactly', INITIAL_WINDOW, [['window', 'i', MAX_WINDOW - INITIAL_WINDOW]], undefined],
    ['WINDOW past MAX_WINDOW by one', INITIAL_WINDOW, [['window', 'i', MAX_WINDOW - INITIAL_WINDOW + 1]], 'window-overflow'],
    ['data after CLOSE_WRITE', INITIAL_WINDOW, [['data', 'i', 1, true], ['data', 'i', 1]], 'bad-state'],
    ['CLOSE_WRITE twice', INITIAL_WINDOW, [['data', 'i', 0, true], ['data', 'i', 0, true]], 'bad-state'],
    ['the other direction may go on after one CLOSE_WRITE', INITIAL_WINDOW, [['data', 'i', 0, true], ['open-ok', INITIAL_WINDOW], ['data', 'a', 5]], undefined],
  ];
  for (const [name, window, steps, code] of cases) {
    const before = steps.slice(0, -1);
    const { books, result } = run(window, steps);
    assert.equal(result?.code, code, `${name}: ${result?.what ?? 'no break'}`);
    // A break changes nothing: the books equal those of the steps before it.
    if (result) assert.deepEqual(books, run(window, before).books, `${name}: the books changed`);
  }
  const done = run(INITIAL_WINDOW, [['open-ok', INITIAL_WINDOW], ['data', 'i', 0, true], ['data', 'a', 0, true]]);
  assert.ok(bothClosed(done.books));
  assert.equal(openWindowBreak(PRE_OPEN_WINDOW), undefined);
  assert.equal(openWindowBreak(MAX_WINDOW), undefined);
  assert.equal(openWindowBreak(PRE_OPEN_WINDOW - 1)?.code, 'bad-payload');
  assert.equal(openWindowBreak(MAX_WINDOW + 1)?.code, 'bad-payload');
});

const A = 0x7f002a64; // 127.0.42.100, the initiator
const B = 0x7f002a65; // 127.0.42.101, the acceptor

/**
 * One connection between a real Mux (`real` side) and a random peer. Returns how the sequence
 * ended, for the test's count of what was covered.
 */
function sequence(seed: number, real: 'initiator' | 'acceptor'): string {
  const r = prng(seed);
  const track = new ConnTrack();
  const out: Frame[] = [];
  let conn: MuxConnection | undefined;
  let stuck = false;
  const window = r.pick([PRE_OPEN_WINDOW, INITIAL_WINDOW, MAX_WINDOW - PRE_OPEN_WINDOW]);
  const mux = new Mux({
    localIP: real === 'initiator' ? A : B,
    initialWindow: window === MAX_WINDOW - PRE_OPEN_WINDOW ? PRE_OPEN_WINDOW : window,
    handlers: {
      send: (h: FrameHeader, p?: Buffer) => out.push({ ...h, payload: p ?? Buffer.alloc(0) }),
      onOpen: (c) => { conn = c; },
      onData: () => {},
      onEnd: () => {},
      onAbort: () => {},
      onWritable: () => { stuck = false; },
    },
  });
  // The reference: the rules applied to the test's own books, frame by frame, as the router sees them.
  let books: StreamBooks | undefined;
  const reference = (f: Frame): StreamBreak | undefined => {
    const fromAcceptor = (f.flags & FLAG_FROM_ACCEPTOR) !== 0;
    switch (tcpKind(f.flags)) {
      case 'open': {
        const window = readU32Payload(f.payload);
        const broken = openWindowBreak(window);
        if (!broken) books = openBooks(window);
        return broken;
      }
      case 'open-ok': return applyOpenOk(books!, readU32Payload(f.payload));
      case 'window': return applyWindow(books!, fromAcceptor, readU32Payload(f.payload));
      default: return applyData(books!, fromAcceptor, payloadLength(f), tcpKind(f.flags) === 'close-write');
    }
  };
  /** The real side's frames: legal by every account. */
  const flushOut = (): void => {
    for (const f of out.splice(0)) {
      const broken = reference(f);
      assert.equal(broken, undefined, `seed ${seed}: the Mux sent a frame the rules refuse: ${broken?.what}`);
      const v = track.check(f);
      assert.equal(v.kind, 'forward', `seed ${seed}: ConnTrack refused the Mux's own frame`);
    }
  };
  const peerFrame = (flags: number, payload: Buffer): Frame => (real === 'initiator'
    ? { srcIP: B, srcPort: 80, dstIP: A, dstPort: conn!.srcPort, proto: PROTO_TCP, flags: flags | FLAG_FROM_ACCEPTOR, payload }
    : { srcIP: A, srcPort: 5000, dstIP: B, dstPort: 80, proto: PROTO_TCP, flags, payload });
  /** A peer frame judged three ways; returns the verdict's code, or undefined when all forwarded it. */
  const deliver = (f: Frame): string | undefined => {
    const expected = reference(f);
    const v = track.check(f);
    const got = mux.receive(f);
    const where = `seed ${seed} (${real} real), ${tcpKind(f.flags)} ${payloadLength(f)}B`;
    assert.equal(v.kind === 'violation' ? v.error.code : v.kind, expected ? expected.code : 'forward', `${where}: ConnTrack`);
    assert.equal(got?.kind === 'peer-violation' ? got.code : got?.kind, expected?.code, `${where}: Mux`);
    if (expected && v.kind === 'violation' && got) {
      const message = `${expected.what} on ${frameTuple(f)}`;
      assert.equal(v.error.message, message, `${where}: ConnTrack's message`);
      assert.equal(got.message, message, `${where}: Mux's message`);
    }
    // After a violation the Mux answers ABORT on the tuple; the router closed the link already.
    if (expected) out.length = 0;
    flushOut();
    return expected?.code;
  };

  if (real === 'initiator') {
    conn = mux.open(B, 80);
    flushOut();
  } else {
    const openWindow = r.next() < 0.1 ? r.pick([PRE_OPEN_WINDOW - 1, MAX_WINDOW + 1]) : window;
    const code = deliver(peerFrame(FLAG_OPEN, u32Payload(openWindow)));
    if (code) return `open ${code}`;
  }
  const c = conn!;
  for (let round = 0; round < 400; round++) {
    if (!books || bothClosed(books) || c.closed) return 'closed';
    // The real side acts: accepts, writes within what write() allows, grants, ends.
    const roll = r.next();
    if (real === 'acceptor' && c.state === 'accepting' && roll < 0.2) mux.accept(c);
    else if (c.state !== 'accepting' && !c.endRequested && roll < 0.5 && !stuck) {
      stuck = !mux.write(c, Buffer.alloc(r.pick([1, 1000, MAX_DATA_PAYLOAD, 200_000])));
    } else if (roll < 0.7 && c.state !== 'accepting' && c.unconsumed > 0) mux.consumed(c, r.int(1, c.unconsumed));
    else if (c.state !== 'accepting' && !c.endRequested && roll < 0.72) mux.end(c);
    flushOut();
    if (!books || bothClosed(books) || c.closed) return 'closed';
    // The peer acts, mostly within the rules, sometimes just past them.
    const peerIsAcceptor = real === 'initiator';
    const mine = peerIsAcceptor ? books.fromAcceptor : books.fromInitiator;
    const theirs = peerIsAcceptor ? books.fromInitiator : books.fromAcceptor;
    const p = r.next();
    let f: Frame | undefined;
    if (peerIsAcceptor && books.opening && p < 0.3) {
      f = peerFrame(FLAG_OPEN_OK, u32Payload(r.next() < 0.1 ? r.pick([PRE_OPEN_WINDOW - 1, MAX_WINDOW]) : window));
    } else if (p < 0.5) {
      const n = r.next() < 0.05 ? Math.min(mine.credit + 1, MAX_DATA_PAYLOAD) : Math.min(r.int(1, Math.max(1, mine.credit)), MAX_DATA_PAYLOAD);
      f = peerFrame(r.next() < 0.05 ? FLAG_CLOSE_WRITE : 0, Buffer.alloc(n));
    } else if (p < 0.7) {
      const inc = r.next() < 0.05 ? MAX_WINDOW - theirs.credit + 1 : r.int(1, 100_000);
      f = peerFrame(FLAG_WINDOW, u32Payload(inc));
    } else if (p < 0.73) {
      f = peerFrame(peerIsAcceptor && r.next() < 0.5 ? FLAG_OPEN_OK : FLAG_CLOSE_WRITE, peerIsAcceptor ? u32Payload(window) : Buffer.alloc(0));
    }
    if (f) {
      const code = deliver(f);
      if (code) return code;
    }
  }
  return 'ran out';
}

test('seeded random sequences: the rules, the Mux and ConnTrack agree on every frame', () => {
  const endings = new Map<string, number>();
  for (let seed = 1; seed <= 400; seed++) {
    for (const real of ['initiator', 'acceptor'] as const) {
      const how = sequence(seed, real);
      endings.set(how, (endings.get(how) ?? 0) + 1);
    }
  }
  // Every kind of break was met, and some sequences ended cleanly.
  for (const code of ['window-overrun', 'window-overflow', 'bad-state', 'bad-payload', 'closed']) {
    assert.ok([...endings.keys()].some((k) => k.endsWith(code)), `no sequence ended with ${code}: ${JSON.stringify([...endings])}`);
  }
});
