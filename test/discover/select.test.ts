// Which listeners a discovering host publishes and at which address each is dialled
// (src/discover/select.ts), and the two-miss rule for withdrawals (src/discover/presence.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { selectPorts } from '../../src/discover/select.js';
import { MISSES_TO_WITHDRAW, Presence } from '../../src/discover/presence.js';
import type { Listener } from '../../src/discover/proc-net-tcp.js';

const l = (address: string, port: number, inode = port): Listener => ({ address, port, family: address.includes(':') ? 6 : 4, inode });
const ALL = { include: [[1, 65535]] as [number, number][], exclude: [[22, 22]] as [number, number][] };
const ex = (own: number[] = [], ipv6Loopback = true) => ({ meshAddresses: new Set(['127.0.42.101', '127.0.42.102']), isOwn: (i: number) => own.includes(i), ipv6Loopback });

test('loopback and any addresses are dialled on the loopback; others as themselves', () => {
  assert.deepEqual(selectPorts([l('127.0.0.1', 80), l('0.0.0.0', 81), l('::1', 82), l('::', 83), l('10.1.2.3', 84), l('fd00::2', 85), l('127.0.0.53', 86)], ALL, ex()), [
    { port: 80, host: '127.0.0.1' }, { port: 81, host: '127.0.0.1' }, { port: 82, host: '::1' }, { port: 83, host: '::1' },
    { port: 84, host: '10.1.2.3' }, { port: 85, host: 'fd00::2' }, { port: 86, host: '127.0.0.53' },
  ]);
});

test('a :: listener is dialled at 127.0.0.1 where the loopback has no IPv6', () => {
  assert.deepEqual(selectPorts([l('::', 83)], ALL, ex([], false)), [{ port: 83, host: '127.0.0.1' }]);
});

test('the mesh\'s VIP listeners, the agent\'s own sockets, link-local addresses and filtered ports are left out', () => {
  const found = selectPorts([l('127.0.42.101', 8080), l('127.0.42.102', 9090), l('127.0.0.1', 18080, 7), l('fe80::1', 90), l('0.0.0.0', 22), l('127.0.0.1', 3000)], ALL, ex([7]));
  assert.deepEqual(found, [{ port: 3000, host: '127.0.0.1' }]);
  assert.deepEqual(selectPorts([l('127.0.0.1', 22), l('127.0.0.1', 8080)], { include: [[22, 22]], exclude: [] }, ex()), [{ port: 22, host: '127.0.0.1' }]);
});

test('several listeners on one port: IPv4 loopback or any first, then IPv6, then other addresses', () => {
  assert.deepEqual(selectPorts([l('10.0.0.5', 80), l('::', 80), l('0.0.0.0', 80)], ALL, ex()), [{ port: 80, host: '127.0.0.1' }]);
  assert.deepEqual(selectPorts([l('10.0.0.5', 80), l('::1', 80)], ALL, ex()), [{ port: 80, host: '::1' }]);
  assert.deepEqual(selectPorts([l('fd00::5', 80), l('10.0.0.5', 80)], ALL, ex()), [{ port: 80, host: '10.0.0.5' }]);
});

test('presence: a port appears at once and goes only after two scans without it', () => {
  const p = new Presence();
  const a = { port: 80, host: '127.0.0.1' };
  const b = { port: 81, host: '::1' };
  assert.deepEqual(p.observe([a, b]), { published: [a, b], appeared: [a, b], withdrawn: [], moved: [] });
  assert.equal(p.observe([a, b]), undefined);
  for (let i = 1; i < MISSES_TO_WITHDRAW; i++) assert.equal(p.observe([a]), undefined, 'one missed read withdraws nothing');
  assert.deepEqual(p.observe([a]), { published: [a], appeared: [], withdrawn: [b], moved: [] });
  // A miss followed by a sighting starts the count again.
  assert.equal(p.observe([]), undefined);
  assert.equal(p.observe([a]), undefined);
  assert.equal(p.observe([]), undefined);
  const moved = { port: 80, host: '::1' };
  assert.deepEqual(p.observe([moved]), { published: [moved], appeared: [], withdrawn: [], moved: [moved] });
});
