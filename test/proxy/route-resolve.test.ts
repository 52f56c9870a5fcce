// Regression (docs/protocol.md §13.1): a glob route (`*`, `*.internal`, `localhost`) let a proxy
// client reach the via host's own 127.0.0.1 and ::1, by a name resolving there or by a numeric
// spelling the via host's resolver read as loopback; and the via host checked the text it was
// given, then let connect() resolve it again. The via host now decides once: the addresses it
// returns are the only ones dialled, and a name never yields a loopback, link-local, unspecified
// or IPv4-mapped-loopback address unless a CIDR route names it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RouteTable } from '../../src/proxy/destination.js';
import { checkAddress, ipv6Words, resolveRoute, systemLookup, type LookupAddress } from '../../src/proxy/route-resolve.js';
import { ipFromString } from '../../src/protocol/index.js';

const ME = ipFromString('127.0.42.102') ?? 0;
const table = new RouteTable([{ via: '127.0.42.102', to: ['10.0.0.0/8', '*', '*.internal'] }]);

/** A resolver that answers from a table, as /etc/hosts or DNS would. */
const hosts: Record<string, string[]> = {
  'loop.internal': ['127.0.0.1', '::1'],
  'lo2.internal': ['127.0.0.2'],
  'v6loop.internal': ['::1'],
  'mapped.internal': ['::ffff:127.0.0.1', '::ffff:7f00:1'],
  'zero.internal': ['0.0.0.0', '::'],
  'll.internal': ['169.254.169.254', 'fe80::1', 'fe80::1%eth0'],
  'mixed.internal': ['127.0.0.1', '10.1.2.3', '::1', 'fd00::5'],
  'db.internal': ['10.1.2.3', '2001:db8::1'],
  'public.example': ['93.184.216.34'],
  'multi.internal': ['224.0.0.1', '255.255.255.255', '::127.0.0.1'],
};
const fake = (name: string): Promise<LookupAddress[]> => {
  const list = hosts[name];
  if (!list) return Promise.reject(Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND' }));
  return Promise.resolve(list.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));
};

const decide = (host: string, routes = table) => resolveRoute(routes, ME, { host, port: 80 }, fake);

test('names that resolve only to the via host itself are refused by policy, saying which addresses', async () => {
  for (const name of ['loop.internal', 'lo2.internal', 'v6loop.internal', 'mapped.internal', 'zero.internal', 'll.internal', 'multi.internal', 'LOOP.internal.']) {
    const r = await decide(name);
    assert.equal(r.ok, false, name);
    assert.equal(!r.ok && r.reason, 'policy', name);
    assert.match(!r.ok ? r.why : '', /only a CIDR route names such addresses/, name);
  }
  const r = await decide('loop.internal');
  assert.match(!r.ok ? r.why : '', /127\.0\.0\.1 \(loopback\), ::1 \(loopback\)/);
});

test('the allowed addresses of a name are kept, in order; the others dropped', async () => {
  assert.deepEqual(await decide('mixed.internal'), { ok: true, addresses: ['10.1.2.3', 'fd00::5'] });
  assert.deepEqual(await decide('db.internal'), { ok: true, addresses: ['10.1.2.3', '2001:db8::1'] });
  assert.deepEqual(await decide('public.example'), { ok: true, addresses: ['93.184.216.34'] });
});

test('a CIDR route via this host that names loopback lets a name reach it (dialled as IPv4)', async () => {
  const withLoop = new RouteTable([{ via: '127.0.42.102', to: ['127.0.0.1', '*.internal'] }]);
  assert.deepEqual(await decide('loop.internal', withLoop), { ok: true, addresses: ['127.0.0.1'] });
  assert.deepEqual(await decide('mapped.internal', withLoop), { ok: true, addresses: ['127.0.0.1'] });
  assert.equal((await decide('lo2.internal', withLoop)).ok, false);
  // Another host's CIDR route is not this one's.
  const elsewhere = new RouteTable([{ via: '127.0.42.103', to: ['127.0.0.0/8'] }, { via: '127.0.42.102', to: ['*.internal'] }]);
  assert.equal((await decide('loop.internal', elsewhere)).ok, false);
});

test('numeric spellings are addresses, checked against the CIDRs only, and dialled in dotted-quad form', async () => {
  // `*` matches any name; none of these is a name.
  for (const spelling of ['127.1', '0x7f.1', '2130706433', '0177.0.0.1', '127.0.0.1', '0x7f000001', '127.0.0.1.']) {
    const r = await decide(spelling);
    assert.equal(!r.ok && r.reason, 'policy', `${spelling}: ${JSON.stringify(r)}`);
  }
  assert.deepEqual(await decide('012.1'), { ok: true, addresses: ['10.0.0.1'] });
  assert.deepEqual(await decide('10.1'), { ok: true, addresses: ['10.0.0.1'] });
  // Zero-padded: octal, so 8.0.0.1, outside 10.0.0.0/8.
  assert.equal((await decide('010.0.0.1')).ok, false);
  for (const bad of ['::1', '[::1]', 'fe80::1%eth0', '%31%32%37.0.0.1', '08.0.0.1', '1.2.3.4.5', 'a b']) {
    const r = await decide(bad);
    assert.equal(!r.ok && r.reason, 'policy', bad);
  }
});

test('a name that does not resolve is `unreachable`; one that hangs is a `timeout`', async () => {
  const r = await decide('nowhere.internal');
  assert.deepEqual(r, { ok: false, reason: 'unreachable', why: 'nowhere.internal: ENOTFOUND' });
  const hang = await resolveRoute(table, ME, { host: 'slow.internal', port: 80 }, () => new Promise(() => {}), 50);
  assert.equal(!hang.ok && hang.reason, 'timeout');
});

test('the system resolver: localhost (this machine\'s /etc/hosts) never passes through a glob', async () => {
  const r = await resolveRoute(table, ME, { host: 'localhost', port: 80 }, systemLookup);
  assert.equal(!r.ok && r.reason, 'policy', JSON.stringify(r));
});

test('checkAddress and IPv6 parsing', () => {
  const none = (): boolean => false;
  assert.deepEqual(checkAddress('10.0.0.1', none), { dial: '10.0.0.1' });
  assert.equal(checkAddress('127.255.0.1', none), 'loopback');
  assert.equal(checkAddress('0.1.2.3', none), 'this host (0.0.0.0/8)');
  assert.equal(checkAddress('::ffff:169.254.1.1', none), 'link-local');
  assert.equal(checkAddress('0:0:0:0:0:0:0:1', none), 'loopback');
  assert.equal(checkAddress('FE80::abcd', none), 'link-local');
  assert.equal(checkAddress('febf::1', none), 'link-local');
  assert.equal(checkAddress('ff02::1', none), 'multicast');
  assert.deepEqual(checkAddress('fec0::1', none), 'site-local');
  assert.deepEqual(checkAddress('2001:db8::1', none), { dial: '2001:db8::1' });
  assert.equal(typeof checkAddress('fe80::1%eth0', none), 'string');
  assert.deepEqual(ipv6Words('::ffff:1.2.3.4'), [0, 0, 0, 0, 0, 0xffff, 0x102, 0x304]);
  assert.deepEqual(ipv6Words('1::'), [1, 0, 0, 0, 0, 0, 0, 0]);
  assert.equal(ipv6Words('1:2:3:4:5:6:7:8:9'), undefined);
  assert.equal(ipv6Words('1::2::3'), undefined);
});
