// UDP port discovery's pure parts (docs/discovery.md, "UDP"): the /proc/net/udp{,6} parser
// (src/discover/proc-net-udp.ts) on rows captured from this kernel, split at random places, keeping
// only unconnected sockets; and the rules that tell a server from a client's socket
// (src/discover/udp-candidates.ts): the ephemeral range, and two scans in a row.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UdpRows } from '../../src/discover/proc-net-udp.js';
import { UdpCandidates, UDP_CONFIRM_SCANS, readEphemeralRange } from '../../src/discover/udp-candidates.js';
import type { Listener } from '../../src/discover/proc-net-tcp.js';
import { prng } from '../protocol/prng.js';

// A server on 127.0.0.1:7300, a client connected to it, a server on 0.0.0.0:5000, and a socket in teardown (inode 0).
const UDP = `   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
 6051: 0100007F:1C84 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 3865320 2 00000000de78c8c0 0
 6159: 0100007F:9CF0 0100007F:1C84 01 00000000:00000000 00:00000000 00000000     0        0 3865321 2 000000006265e0ef 0
  100: 00000000:1388 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 3865400 2 000000006265e0ef 0
  101: 00000000:1389 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 0 2 000000006265e0ef 0
`;
const UDP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
 6052: 00000000000000000000000001000000:1C85 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 3865322 2 000000005559f666 0`;

test('the unconnected UDP sockets, IPv4 and IPv6, whatever the chunks', () => {
  const random = prng(17);
  for (let round = 0; round < 50; round++) {
    const rows = new UdpRows(4);
    let rest = UDP;
    while (rest.length) {
      const n = random.int(1, 40);
      assert.equal(rows.push(rest.slice(0, n)), true, 'the whole file is read: rows are in hash order');
      rest = rest.slice(n);
    }
    assert.deepEqual(rows.end(), [{ address: '127.0.0.1', port: 7300, family: 4, inode: 3865320 }, { address: '0.0.0.0', port: 5000, family: 4, inode: 3865400 }]);
  }
  const six = new UdpRows(6);
  six.push(UDP6);
  assert.deepEqual(six.end(), [{ address: '::1', port: 7301, family: 6, inode: 3865322 }]);
});

const listener = (port: number): Listener => ({ address: '127.0.0.1', port, family: 4, inode: port });
const ALL = { include: [[1, 65535]] as [number, number][], exclude: [] as [number, number][] };

test('a port in the ephemeral range is left out unless include names it', () => {
  const c = new UdpCandidates([32768, 60999]);
  assert.deepEqual(c.eligible([listener(7300), listener(40000), listener(32768), listener(61000)], ALL).map((l) => l.port), [7300, 61000]);
  assert.deepEqual(c.eligible([listener(40000), listener(40001)], { include: [[40000, 40000], [1, 65535]], exclude: [] }).map((l) => l.port), [40000]);
});

test(`a port is published once ${UDP_CONFIRM_SCANS} scans in a row saw it; one seen once, then gone, never is; a published one is not held back by a missed read`, () => {
  const c = new UdpCandidates([32768, 60999]);
  const p = (port: number) => ({ port, host: '127.0.0.1' });
  assert.deepEqual(c.confirm([p(7300), p(9000)]), []);
  assert.equal(c.pending, true, 'the next poll scans');
  assert.deepEqual(c.confirm([p(7300)]), [p(7300)], '9000 was a client\'s socket that came and went');
  assert.equal(c.pending, false);
  assert.deepEqual(c.confirm([]), []);
  assert.deepEqual(c.confirm([p(7300)], new Set([7300])), [p(7300)], 'published already: it stays');
});

test('the ephemeral range is read from the namespace, with a default where it cannot be', () => {
  const [low, high] = readEphemeralRange();
  assert.ok(low >= 1 && low <= high && high <= 65535);
  assert.deepEqual(readEphemeralRange('/nonexistent'), [32768, 60999]);
});
