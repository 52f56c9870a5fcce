import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  FrameDecoder, PROTOCOL_VERSION, ProtocolError, abortPayload, abortReply, checkHello, commonFeatures, decodeControl,
  encodeControl, makeHello, readAbortPayload, reasonName, truncateUtf8, FLAG_ABORT, FLAG_FROM_ACCEPTOR, FLAG_OPEN,
  PROTO_TCP, type ControlMessage, type DecodedControl, type Frame,
} from '../../src/protocol/index.js';

function roundTrip(msg: ControlMessage): DecodedControl | ProtocolError {
  const frames: Frame[] = [];
  const d = new FrameDecoder({ onFrame: (f) => frames.push(f), onError: (e) => assert.fail(e) });
  d.push(encodeControl(msg));
  assert.equal(frames.length, 1);
  return decodeControl(frames[0]!.payload);
}

test('every control message round-trips', () => {
  const msgs: ControlMessage[] = [
    { type: 'hello', hello: makeHello('agent', '127.0.42.101', '1.2.3', ['config', 'peer-down']) },
    { type: 'ping', nonce: 0xfedcba9876543210n },
    { type: 'pong', nonce: 0n },
    { type: 'config', config: { me: '127.0.42.101', forwards: [{ listenPort: 80, connectHost: 'localhost', connectPort: 8080, proto: 'tcp' }], others: [{ vip: '127.0.42.102', port: 22, proto: 'tcp' }] } },
    { type: 'config', config: { me: '127.0.42.101', forwards: [], others: [], keepalive: { intervalMs: 500, timeoutMs: 2000 } } },
    { type: 'status', failed: [] },
    { type: 'status', failed: [{ listen: '127.0.42.102:8080', error: 'EADDRINUSE' }] },
    { type: 'counters', counters: { dns: { answered: 12, relayed: 3, dropped: 0 } } },
    { type: 'counters', counters: { dns: { answered: 0, relayed: 0, dropped: 0 }, udp: { dropped: { 'flow-limit': 3, 'no-flow': 1 }, flows: { clients: 2, targets: 0 } } } },
    { type: 'peer-down', vip: 0x7f002a66 },
    { type: 'goodbye', reason: 'version-mismatch', message: 'bye ✓' },
    { type: 'unknown', code: 200 },
  ];
  for (const m of msgs) assert.deepEqual(roundTrip(m), m);
});

test('malformed control bodies are bad-control values, not exceptions', () => {
  const cases: Buffer[] = [
    Buffer.from([1, ...Buffer.from('{not json')]),
    Buffer.from([1, ...Buffer.from('{"protocol":1}')]),
    Buffer.from([2, 1, 2, 3]),
    Buffer.from([4, ...Buffer.from('{"me":')]),
    Buffer.from([7, ...Buffer.from('{"failed":[{"listen":"x"}]}')]),
    Buffer.from([7, ...Buffer.from(JSON.stringify({ failed: [{ listen: 'x'.repeat(257), error: 'E' }] }))]),
    Buffer.from([7, ...Buffer.from(JSON.stringify({ failed: Array.from({ length: 1025 }, () => ({ listen: 'x', error: 'E' })) }))]),
    Buffer.from([5, 1, 2]),
    Buffer.from([6, 1]),
    Buffer.from([8, ...Buffer.from('{"dns":{"answered":-1,"relayed":0,"dropped":0}}')]),
    Buffer.from([8, ...Buffer.from('{"dns":{"answered":1.5,"relayed":0,"dropped":0}}')]),
    Buffer.from([8, ...Buffer.from('{"dns":{"answered":1}}')]),
    Buffer.from([8, ...Buffer.from('[]')]),
    Buffer.from([8, ...Buffer.from('{"dns":{"answered":0,"relayed":0,"dropped":0},"udp":{"dropped":{"flow-limit":-1},"flows":{"clients":0,"targets":0}}}')]),
    Buffer.from([8, ...Buffer.from('{"dns":{"answered":0,"relayed":0,"dropped":0},"udp":{"dropped":{}}}')]),
    Buffer.from([8, ...Buffer.from('{"dns":{"answered":0,"relayed":0,"dropped":0},"udp":[]}')]),
  ];
  // A CONFIG that is JSON but not a valid AgentConfig is refused as data (docs/protocol.md §4.3), not a link error.
  for (const body of ['{"me":"x","forwards":[{"listenPort":0}],"others":[]}', '{"me":"x","forwards":[],"others":[],"keepalive":{"intervalMs":0.5,"timeoutMs":2000}}']) {
    const r = decodeControl(Buffer.from([4, ...Buffer.from(body)]));
    assert.equal(r instanceof ProtocolError ? r.code : r.type, 'config-refused', body);
  }
  for (const c of cases) {
    const r = decodeControl(c);
    assert.ok(r instanceof ProtocolError, `${c.toString('hex')} → ${JSON.stringify(r, (_, v) => (typeof v === 'bigint' ? String(v) : v))}`);
    assert.equal(r.code, 'bad-control');
  }
});

test('COUNTERS (docs/protocol.md §4.8): `udp` is optional, its unknown kinds and members are ignored (a newer agent may count more)', () => {
  const dns = { answered: 1, relayed: 0, dropped: 0 };
  const decode = (body: unknown) => decodeControl(Buffer.from([8, ...Buffer.from(JSON.stringify(body))]));
  assert.deepEqual(decode({ dns, future: 1 }), { type: 'counters', counters: { dns } });
  assert.deepEqual(decode({ dns, udp: { dropped: { 'host-down': 2, 'some-new-kind': 5 }, flows: { clients: 1, targets: 4 }, more: true } }),
    { type: 'counters', counters: { dns, udp: { dropped: { 'host-down': 2 }, flows: { clients: 1, targets: 4 } } } });
});

test('checkHello: a version mismatch names both versions and the fix', () => {
  const mine = makeHello('router', '127.0.42.101', '0.1.0', []);
  const theirs = { ...makeHello('agent', '127.0.42.101', '0.9.0', []), protocol: PROTOCOL_VERSION + 1 };
  const e = checkHello(mine, theirs);
  assert.equal(e?.code, 'version-mismatch');
  assert.match(e!.message, /protocol 2 \(norouter 0\.9\.0\).*protocol 1 \(norouter 0\.1\.0\).*same norouter version/);
  assert.equal(checkHello(mine, makeHello('agent', '127.0.42.101', '0.1.0', [])), undefined);
  assert.equal(checkHello(mine, makeHello('router', '127.0.42.101', '0.1.0', []))?.code, 'bad-control');
  assert.deepEqual([...commonFeatures(makeHello('agent', 'x', 'v', ['a', 'b', 'c']), makeHello('router', 'x', 'v', ['c', 'a', 'z']))], ['a', 'c']);
});

test('abort payloads: unknown reason codes read as unspecified; text is capped on a UTF-8 boundary', () => {
  assert.deepEqual(readAbortPayload(abortPayload('refused', 'nope')), { reason: 'refused', text: 'nope' });
  assert.equal(reasonName(9999), 'unspecified');
  const long = 'é'.repeat(1000);
  const p = abortPayload('policy', long);
  assert.equal(p.length, 2 + 1024);
  assert.equal(readAbortPayload(p).text, 'é'.repeat(512));
  assert.equal(truncateUtf8('aé', 2).toString(), 'a');
});

test('abortReply answers on the other end\'s behalf: addresses swapped, FROM_ACCEPTOR flipped', () => {
  const open: Frame = { srcIP: 1, srcPort: 40000, dstIP: 2, dstPort: 80, proto: PROTO_TCP, flags: FLAG_OPEN, payload: Buffer.alloc(4) };
  const { header, payload } = abortReply(open, 'unreachable', 'no host 0.0.0.2');
  assert.deepEqual(header, { srcIP: 2, srcPort: 80, dstIP: 1, dstPort: 40000, proto: PROTO_TCP, flags: FLAG_ABORT | FLAG_FROM_ACCEPTOR });
  assert.equal(readAbortPayload(payload).reason, 'unreachable');
  const back = abortReply({ ...open, flags: FLAG_FROM_ACCEPTOR }, 'host-down');
  assert.equal(back.header.flags, FLAG_ABORT);
});
