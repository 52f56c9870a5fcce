// DISCOVERED (docs/protocol.md §4.9) and the `discover` member of CONFIG: untrusted input from an
// agent, every port of which becomes a listener on every other host, so its bounds are pinned here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  HEADER_LEN, MAX_DISCOVERED_PORTS, ProtocolError, agentConfigProblems, decodeControl, encodeControl, FrameDecoder, type Frame,
} from '../../src/protocol/index.js';

const body = (v: unknown) => Buffer.from([9, ...Buffer.from(JSON.stringify(v))]);

test('DISCOVERED round-trips, IPv4 and IPv6 addresses alike', () => {
  const msg = { type: 'discovered' as const, ports: [{ port: 8080, host: '127.0.0.1' }, { port: 9000, host: '::1' }, { port: 5432, host: '10.1.2.3' }] };
  const frames: Frame[] = [];
  new FrameDecoder({ onFrame: (f) => frames.push(f), onError: (e) => assert.fail(e) }).push(encodeControl(msg));
  assert.deepEqual(decodeControl(frames[0]!.payload), msg);
  assert.deepEqual(decodeControl(body({ ports: [] })), { type: 'discovered', ports: [] });
});

test('a DISCOVERED that is not bounded, distinct ports on literal addresses is bad-control', () => {
  const many = Array.from({ length: MAX_DISCOVERED_PORTS + 1 }, (_, i) => ({ port: i + 1, host: '127.0.0.1' }));
  const cases: [unknown, RegExp][] = [
    [{ ports: many }, /lists 4097 ports \(at most 4096\)/],
    [{ ports: [{ port: 0, host: '127.0.0.1' }] }, /port is not a port number/],
    [{ ports: [{ port: 65536, host: '127.0.0.1' }] }, /port is not a port number/],
    [{ ports: [{ port: 80.5, host: '127.0.0.1' }] }, /port is not a port number/],
    [{ ports: [{ port: '80', host: '127.0.0.1' }] }, /port is not a port number/],
    [{ ports: [{ port: 80, host: 'localhost' }] }, /host is not an IPv4 or IPv6 address/],
    [{ ports: [{ port: 80, host: '127.0.042.1' }] }, /host is not an IPv4 or IPv6 address/],
    [{ ports: [{ port: 80, host: '127.0.0.1' }, { port: 80, host: '::1' }] }, /lists port 80 twice/],
    [{ ports: [{ port: 80, host: '127.0.0.1', extra: 1 }] }, /is not \{port, host\}/],
    [{ ports: [], more: 1 }, /unknown member "more"/],
    [{ ports: 'all' }, /is not \{ports/],
    [[], /is not \{ports/],
  ];
  for (const [v, why] of cases) {
    const r = decodeControl(body(v));
    assert.ok(r instanceof ProtocolError, JSON.stringify(v).slice(0, 80));
    assert.equal(r.code, 'bad-control');
    assert.match(r.message, why);
  }
  const notJson = decodeControl(Buffer.from([9, ...Buffer.from('{ports')]));
  assert.ok(notJson instanceof ProtocolError && notJson.code === 'bad-control');
});

test('CONFIG: discover is {include, exclude} of [LOW, HIGH] port ranges; an IPv6 connect host is taken', () => {
  const base = { me: '127.0.42.101', forwards: [{ listenPort: 80, connectHost: '::1', connectPort: 80, proto: 'tcp' }], others: [] };
  assert.deepEqual(agentConfigProblems({ ...base, discover: { include: [[1, 65535]], exclude: [[22, 22], [2375, 2376]] } }), []);
  assert.deepEqual(agentConfigProblems({ ...base, discover: { include: [], exclude: [] } }), []);
  const problems = (discover: unknown) => agentConfigProblems({ ...base, discover }).map((p) => `${p.path}: ${p.message}`);
  assert.deepEqual(problems({ include: [[9, 8]], exclude: [] }), ['discover.include[0]: 9-8 is not a range (LOW above HIGH)']);
  assert.deepEqual(problems({ include: [[0, 8]], exclude: [[1]] }), ['discover.include[0][0]: 0 is not a port number (1-65535)', 'discover.exclude[0]: is not [LOW, HIGH]']);
  assert.deepEqual(problems({ include: [] }), ['discover.exclude: is missing']);
  assert.deepEqual(problems(true), ['discover: is not an object']);
  assert.deepEqual(agentConfigProblems({ ...base, forwards: [{ listenPort: 80, connectHost: '[::1]', connectPort: 80, proto: 'tcp' }] }).map((p) => p.path), ['forwards[0].connectHost']);
});

test('DISCOVERED\'s `udp` member (from an agent that saw `discover-udp`): same shape and bounds as `ports`, checked apart', () => {
  const msg = { type: 'discovered' as const, ports: [{ port: 53, host: '127.0.0.1' }], udp: [{ port: 53, host: '127.0.0.1' }, { port: 7300, host: '::1' }] };
  assert.deepEqual(decodeControl(encodeControl(msg).subarray(HEADER_LEN)), msg, 'a TCP and a UDP port of one number are two ports');
  for (const [v, why] of [
    [{ ports: [], udp: 'all' }, /udp is not \[\{port, host\}\]/],
    [{ ports: [], udp: [{ port: 7, host: '127.0.0.1' }, { port: 7, host: '::1' }] }, /lists UDP port 7 twice/],
    [{ ports: [], udp: [{ port: 7, host: 'h' }] }, /udp\[0\]\.host is not an IPv4 or IPv6 address/],
  ] as const) {
    const r = decodeControl(body(v));
    assert.ok(r instanceof ProtocolError && why.test(r.message), `${JSON.stringify(v)}: ${r instanceof ProtocolError ? r.message : 'accepted'}`);
  }
  assert.deepEqual(agentConfigProblems({ me: '127.0.42.1', forwards: [], others: [], discover: { include: [[1, 65535]], exclude: [], udp: 'yes' } }).map((p) => p.path), ['discover.udp']);
});
