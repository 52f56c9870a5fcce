// docs/protocol.md §13: a routed connection (DstPort 0, the destination in OPEN's
// payload) through two multiplexers joined frame by frame, every frame checked as the decoder does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Mux, type MuxConnection } from '../../src/mux/index.js';
import { ROUTED_PORT, checkFrame, ipFromString, type FrameHeader } from '../../src/protocol/index.js';

const A = ipFromString('127.0.42.100') ?? 0;
const B = ipFromString('127.0.42.102') ?? 0;

test('a routed OPEN carries its destination; every frame of the connection passes the decoder\'s checks', () => {
  const opened: MuxConnection[] = [];
  const received: string[] = [];
  let a!: Mux;
  let b!: Mux;
  const wire = (to: () => Mux) => (header: FrameHeader, payload: Buffer = Buffer.alloc(0)): void => {
    assert.equal(checkFrame(header, payload.length), undefined, JSON.stringify(header));
    const err = to().receive({ ...header, payload });
    assert.equal(err, undefined);
  };
  const noop = () => {};
  a = new Mux({ localIP: A, handlers: { send: wire(() => b), onOpen: noop, onData: (_c, d) => received.push(d.toString()), onEnd: noop, onAbort: noop, onWritable: noop } });
  b = new Mux({ localIP: B, handlers: { send: wire(() => a), onOpen: (c) => opened.push(c), onData: noop, onEnd: noop, onAbort: noop, onWritable: noop } });
  const conn = a.open(B, ROUTED_PORT, undefined, { host: 'db.internal', port: 5432 });
  assert.ok(conn);
  assert.equal(opened.length, 1);
  const acc = opened[0]!;
  assert.deepEqual(acc.target, { host: 'db.internal', port: 5432 });
  assert.equal(String(acc), '127.0.42.100:1024 -> 127.0.42.102 (route to db.internal:5432)');
  b.accept(acc);
  b.write(acc, Buffer.from('hello'));
  assert.deepEqual(received, ['hello']);
  a.end(conn);
  b.end(acc);
  assert.equal(a.size + b.size, 0);
});

test('a routed OPEN with port 0 in its payload is a protocol error', () => {
  const b = new Mux({ localIP: B, handlers: { send: () => {}, onOpen: () => {}, onData: () => {}, onEnd: () => {}, onAbort: () => {}, onWritable: () => {} } });
  const payload = Buffer.alloc(7);
  payload.writeUInt32LE(1 << 20, 0);
  payload.write('x', 6);
  const err = b.receive({ srcIP: A, srcPort: 2000, dstIP: B, dstPort: 0, proto: 6, flags: 0x0004, payload });
  assert.equal(err?.code, 'bad-payload');
});
