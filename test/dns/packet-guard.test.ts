// The guard in front of dns2: dns2 3.0.0 stalls for seconds on a 12-byte packet whose
// header claims 65,535 records; such packets must never reach it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspectQuery, servfailFor } from '../../src/dns/packet-guard.js';

function query(name: string, qtype = 1, id = 0x1234): Buffer {
  const labels = name.split('.').flatMap((l) => [l.length, ...Buffer.from(l)]);
  return Buffer.from([id >> 8, id & 0xff, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, ...labels, 0, 0, qtype, 0, 1]);
}

test('a standard query: its name lower-cased, its type and where the question ends', () => {
  const q = query('Host2.Mesh');
  assert.deepEqual(inspectQuery(q), { kind: 'query', name: 'host2.mesh', qtype: 1, qclass: 1, questionEnd: q.length });
});

test('the 12-byte packet claiming 65,535 records is dropped', () => {
  const bomb = Buffer.from([0, 1, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
  assert.equal(inspectQuery(bomb).kind, 'drop');
  assert.equal(inspectQuery(Buffer.from([0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10])).kind, 'drop');
});

test('responses, short packets, bad labels and truncated questions are dropped', () => {
  const response = query('a');
  response[2] = 0x81;
  for (const packet of [response, Buffer.alloc(11), Buffer.from([...query('a').subarray(0, 12), 0xc0, 0x0c, 0, 1, 0, 1]), query('abc').subarray(0, 15)]) {
    assert.equal(inspectQuery(packet).kind, 'drop');
  }
});

test('other opcodes and several questions are relayed untouched', () => {
  const notify = query('a');
  notify[2] = 0x20;
  assert.equal(inspectQuery(notify).kind, 'other');
});

test('SERVFAIL keeps the id, RD and the question', () => {
  const q = query('example.org');
  const r = servfailFor(q, q.length);
  assert.equal(r.readUInt16BE(0), 0x1234);
  assert.equal(r[2], 0x81);
  assert.equal((r[3] ?? 0) & 0x0f, 2);
  assert.deepEqual(r.subarray(12), q.subarray(12));
});
