// The SOCKS handshakes, byte by byte as curl sends them, and split at every boundary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSocks, socksReply, SOCKS4_REJECTED, SOCKS5_REPLY, type SocksStep } from '../../src/proxy/socks.js';

function parseAll(bytes: Buffer, stage: 'start' | 'request'): SocksStep {
  // Every prefix is "more" until the whole message is in.
  for (let n = 0; n < bytes.length; n++) {
    const step = parseSocks(bytes.subarray(0, n), stage);
    assert.equal(step.kind, 'more', `prefix of ${n} bytes`);
  }
  return parseSocks(bytes, stage);
}

test('SOCKS4: IPv4 destination and a user id', () => {
  const req = Buffer.from([4, 1, 0x1f, 0x90, 127, 0, 42, 101, ...Buffer.from('user'), 0, 0xaa]);
  assert.deepEqual(parseAll(req.subarray(0, -1), 'start'), { kind: 'connect', version: 4, host: '127.0.42.101', port: 8080, used: 13 });
  assert.equal((parseSocks(req, 'start') as { used: number }).used, 13);
});

test('SOCKS4a: 0.0.0.x then the host name after the user id', () => {
  const req = Buffer.from([4, 1, 0, 80, 0, 0, 0, 1, 0, ...Buffer.from('web.mesh'), 0]);
  assert.deepEqual(parseAll(req, 'start'), { kind: 'connect', version: 4, host: 'web.mesh', port: 80, used: req.length });
});

test('SOCKS4 BIND is rejected', () => {
  const step = parseSocks(Buffer.from([4, 2, 0, 80, 1, 2, 3, 4, 0]), 'start');
  assert.equal(step.kind === 'error' && step.reply, SOCKS4_REJECTED);
});

test('SOCKS5: greeting, then CONNECT by IPv4 and by name', () => {
  assert.deepEqual(parseAll(Buffer.from([5, 2, 0, 2]), 'start'), { kind: 'greeting', used: 4, noAuth: true });
  assert.deepEqual(parseSocks(Buffer.from([5, 1, 2]), 'start'), { kind: 'greeting', used: 3, noAuth: false });
  const byIp = Buffer.from([5, 1, 0, 1, 10, 0, 0, 5, 0x01, 0xbb]);
  assert.deepEqual(parseAll(byIp, 'request'), { kind: 'connect', version: 5, host: '10.0.0.5', port: 443, used: 10 });
  const byName = Buffer.from([5, 1, 0, 3, 3, ...Buffer.from('web'), 0, 80]);
  assert.deepEqual(parseAll(byName, 'request'), { kind: 'connect', version: 5, host: 'web', port: 80, used: byName.length });
});

test('SOCKS5: IPv6 and UDP ASSOCIATE get their reply codes', () => {
  const v6 = parseSocks(Buffer.from([5, 1, 0, 4, ...new Array(16).fill(0), 0, 80]), 'request');
  assert.equal(v6.kind === 'error' && v6.reply, SOCKS5_REPLY.addressTypeNotSupported);
  const udp = parseSocks(Buffer.from([5, 3, 0, 1, 0, 0, 0, 0, 0, 0]), 'request');
  assert.equal(udp.kind === 'error' && udp.reply, SOCKS5_REPLY.commandNotSupported);
});

test('not SOCKS at all: an error without a reply', () => {
  const step = parseSocks(Buffer.from('GET / HTTP/1.1\r\n'), 'start');
  assert.equal(step.kind === 'error' && step.version, undefined);
});

test('replies: SOCKS5 is 10 bytes with an IPv4 bound address, SOCKS4 8 bytes', () => {
  assert.deepEqual([...socksReply(5, 0)], [5, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual([...socksReply(4, 0x5a)], [0, 0x5a, 0, 0, 0, 0, 0, 0]);
});
