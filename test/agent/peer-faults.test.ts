import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { Socket } from 'node:net';
import { Switch } from './switch.js';
import { dial, freePort, randomBytes, readAll, serve, within } from './helpers.js';
import {
  FLAG_ABORT, FLAG_OPEN, FrameDecoder, PRE_OPEN_WINDOW, PROTO_TCP, encodeFrame, ipFromString, readAbortPayload, u32Payload,
  type Frame,
} from '../../src/protocol/index.js';

const VIP_A = '127.0.42.211';
const VIP_B = '127.0.42.212';

const cleanups: (() => Promise<unknown> | void)[] = [];
after(async () => { for (const c of cleanups.reverse()) await c(); });

/** Agent A listens on B's port; B forwards it to a real server (as in agent.test.ts). */
async function setup(handler: (s: Socket) => void) {
  const target = await serve(handler);
  const port = await freePort(VIP_B);
  const sw = new Switch();
  const a = sw.start({ me: VIP_A, forwards: [], others: [{ vip: VIP_B, port, proto: 'tcp' }] });
  await within(2000, 'A listening', a.listening);
  const b = sw.start({ me: VIP_B, forwards: [{ listenPort: port, connectHost: '127.0.0.1', connectPort: target.port, proto: 'tcp' }], others: [] });
  await within(2000, 'B listening', b.listening);
  let stopped = false;
  const stop = async () => { if (stopped) return; stopped = true; await sw.stopAll(); await target.close(); };
  cleanups.push(stop);
  return { sw, a, b, port, stop };
}

async function echo(port: number, data: Buffer): Promise<Buffer> {
  const c = await dial(VIP_B, port);
  c.end(data);
  return within(5000, 'echo', readAll(c));
}

// docs/reliability.md, bug 1: a window overrun from a peer made the receiving agent exit and
// reset every connection it had. Now only that connection is aborted (§8.1) and it is logged once.
test('a peer that overruns its window loses that connection only: the agent stays up and logs it once', async () => {
  const { b, port, stop } = await setup((s) => s.pipe(s));
  const bystander = await dial(VIP_B, port);
  bystander.write('before ');
  const sent: Frame[] = [];
  const dec = new FrameDecoder({ onFrame: (f) => sent.push(f), onError: (e) => assert.fail(e) });
  b.output.on('data', (c: Buffer) => dec.push(c));

  // As if agent A had sent them and the router forwarded them: 32 OPENs, each followed by more
  // data than PRE_OPEN_WINDOW.
  const me = ipFromString(VIP_A)!;
  const vip = ipFromString(VIP_B)!;
  for (let i = 0; i < 32; i++) {
    const h = { srcIP: me, srcPort: 50_000 + i, dstIP: vip, dstPort: port, proto: PROTO_TCP };
    b.input.write(encodeFrame({ ...h, flags: FLAG_OPEN }, u32Payload(1 << 20)));
    b.input.write(encodeFrame({ ...h, flags: 0 }, Buffer.alloc(PRE_OPEN_WINDOW)));
    b.input.write(encodeFrame({ ...h, flags: 0 }, Buffer.alloc(1)));
  }
  const isAbort = (f: Frame) => f.proto === PROTO_TCP && (f.flags & FLAG_ABORT) !== 0 && f.dstPort >= 50_000;
  await within(2000, '32 ABORTs', (async () => { while (sent.filter(isAbort).length < 32) await once(b.output, 'data'); })());
  for (const f of sent.filter(isAbort)) assert.equal(readAbortPayload(f.payload).reason, 'protocol-error');

  bystander.end('after');
  assert.equal((await within(2000, 'bystander echo', readAll(bystander))).toString(), 'before after');
  assert.deepEqual(await echo(port, Buffer.from('new connection')), Buffer.from('new connection'));
  const lines = b.logs.filter((l) => l.includes('broke the protocol'));
  assert.equal(lines.length, 1, b.logs.join('\n'));
  assert.match(lines[0]!, /^127\.0\.42\.211 broke the protocol \(window-overrun\): /);
  await stop();
  assert.equal(await b.exit, 0, 'the agent was not taken down by its peer');
  assert.ok(b.logs.some((l) => l === '127.0.42.211: connections aborted for protocol violations in all: 32 × window-overrun'), b.logs.join('\n'));
});

// docs/reliability.md observation 10: when the acceptor's write to the target met the target's
// RST, 'end' came first and the bridge relayed CLOSE_WRITE before the ABORT: the client saw a FIN
// (a clean end of a truncated stream) and only then a reset. Whichever of the acceptor's read or
// write meets the RST first, the client must see a reset and never a clean end. (Without the fix
// this fails on some of the rounds, not all: which syscall meets the RST is a race.)
test('a target that resets while the client is still sending: the client sees a reset, never a clean end', async () => {
  const { port, stop } = await setup((s) => { s.once('data', () => setImmediate(() => s.resetAndDestroy())); });
  const chunk = randomBytes(256 * 1024);
  const rounds = await Promise.all(Array.from({ length: 24 }, async () => {
    const c = await dial(VIP_B, port);
    let ended = false;
    c.on('end', () => { ended = true; });
    const error = new Promise<NodeJS.ErrnoException>((resolve) => c.once('error', resolve));
    c.on('data', () => {});
    // Keep sending until the connection fails.
    const pump = () => { while (!c.destroyed && c.write(chunk)); };
    c.on('drain', pump);
    pump();
    const err = await within(5000, 'client reset', error);
    return { ended, code: err.code };
  }));
  for (const r of rounds) {
    assert.equal(r.ended, false, 'the client saw a clean end before the reset');
    assert.ok(r.code === 'ECONNRESET' || r.code === 'EPIPE', String(r.code));
  }
  await stop();
});

// Guards the deferral above: a client that half-closes while a stream towards it is in full
// flow must still get its FIN through. The first form of the fix waited until no write to the
// socket was in flight at all, which a stream that never lets the queue run empty would prevent
// for good; it now waits only for the writes in flight when the client ended. (The first form
// passes this test too: here the queue runs empty between two window grants.)
test('a client that half-closes while a stream towards it is in full flow: the target sees the EOF', async () => {
  const chunk = Buffer.alloc(64 * 1024, 7);
  let targetSawEnd = false;
  let targetBlocked: () => void = () => {};
  const blocked = new Promise<void>((resolve) => { targetBlocked = resolve; });
  const { port, stop } = await setup((s) => {
    let open = true;
    s.on('data', () => {});
    s.on('end', () => { targetSawEnd = true; open = false; s.end(); });
    s.on('error', () => {});
    const pump = () => {
      while (open && s.write(chunk));
      if (!open) return;
      targetBlocked();
      s.once('drain', pump);
    };
    pump();
  });
  const c = await dial(VIP_B, port);
  c.pause();
  c.write('go');
  // Every buffer on the way is full (the agent has writes towards the client in flight) when
  // the client half-closes; then it reads slower than the stream comes (about 12 MB/s).
  await within(5000, 'the stream to fill every buffer', blocked);
  c.end();
  c.on('data', () => {
    c.pause();
    setTimeout(() => c.resume(), 5);
  });
  c.resume();
  const ended = new Promise<void>((resolve) => c.once('end', () => resolve()));
  await within(10_000, 'the stream to end after the client\'s half-close', ended);
  assert.ok(targetSawEnd);
  c.destroy();
  await stop();
});
