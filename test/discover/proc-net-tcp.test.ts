// The /proc/net/tcp{,6} parser (src/discover/proc-net-tcp.ts): rows captured from this kernel,
// split at random places (reads of a proc file end anywhere), LISTEN rows only, and the stop at
// the first row in another state (the established table follows the listening one).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ListenRows, ipv4Of, ipv6Of } from '../../src/discover/proc-net-tcp.js';
import { prng } from '../protocol/prng.js';

const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F40 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 202840 1 00000000928f9147 100 0 0 10 0
   1: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 202841 1 000000001a2aa319 100 0 0 10 0
   2: 652A007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 202842 1 000000001a2aa319 100 0 0 10 0
   3: 0100007F:1F40 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 202843 1 000000001a2aa319 20 4 30 10 -1
   4: 0100007F:2328 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 202844 1 000000001a2aa319 100 0 0 10 0
`;

const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:1F41 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 301 1 0000000000000000 100 0 0 10 0
   1: 00000000000000000000000001000000:1F42 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 302 1 0000000000000000 100 0 0 10 0
   2: 0000000000000000FFFF00000100007F:1F43 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 303 1 0000000000000000 100 0 0 10 0
   3: 000000FD000000000000000002000000:1F44 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 304 1 0000000000000000 100 0 0 10 0`;

const V4 = [
  { address: '127.0.0.1', port: 8000, family: 4, inode: 202840 },
  { address: '0.0.0.0', port: 22, family: 4, inode: 202841 },
  { address: '127.0.42.101', port: 8080, family: 4, inode: 202842 },
];

test('IPv4: the LISTEN rows before the first row in another state', () => {
  const rows = new ListenRows(4);
  assert.equal(rows.push(TCP), false, 'the reader may stop at the established row');
  assert.deepEqual(rows.end(), V4);
});

test('IPv6: any, loopback, an IPv4-mapped address and a unique local one; a last row without its newline', () => {
  const rows = new ListenRows(6);
  assert.equal(rows.push(TCP6), true);
  assert.deepEqual(rows.end().map((l) => `${l.address} ${l.port} ${l.inode}`), ['::  8001 301'.replace('  ', ' '), '::1 8002 302', '127.0.0.1 8003 303', 'fd00::2 8004 304']);
});

test('any chunking gives the same listeners (seeded)', () => {
  for (let seed = 1; seed <= 200; seed++) {
    const r = prng(seed);
    for (const [text, family, want] of [[TCP, 4, V4.length], [TCP6, 6, 4]] as const) {
      const rows = new ListenRows(family);
      let at = 0;
      while (at < text.length && rows.push(text.slice(at, at += r.int(1, 200))));
      assert.equal(rows.end().length, want, `seed ${seed}`);
    }
  }
});

test('addresses in the kernel\'s word order, little- and big-endian machines', () => {
  assert.equal(ipv4Of('0100007F'), '127.0.0.1');
  assert.equal(ipv4Of('7F000001', false), '127.0.0.1');
  assert.equal(ipv6Of('00000000000000000000000001000000'), '::1');
  assert.equal(ipv6Of('00000000000000000000000000000001', false), '::1');
  assert.equal(ipv6Of('B80D0120000000000000000001000000'), '2001:db8::1');
  assert.equal(ipv6Of('zz'), undefined);
  assert.equal(ipv4Of('0100007'), undefined);
});

test('malformed rows are skipped, not thrown', () => {
  const rows = new ListenRows(4);
  rows.push('header\n  0: nonsense\n  1: 0100007F:0000 00000000:0000 0A 0 0 0 0 0 0 5\n  2: XYZ:1F40 00000000:0000 0A 0 0 0 0 0 0 6\n');
  assert.deepEqual(rows.end(), []);
});
