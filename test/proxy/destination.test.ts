// Where a proxy request goes, decided from the agent's configuration alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Directory, RouteTable, type RoutableHost } from '../../src/proxy/destination.js';
import { hostForm } from '../../src/proxy/host-form.js';
import { ipFromString } from '../../src/protocol/index.js';
import type { AgentConfig } from '../../src/plan/types.js';

const ip = (s: string): number => ipFromString(s) ?? -1;
const routable = (s: string): RoutableHost => {
  const form = hostForm(s);
  assert.ok(form.kind === 'ipv4' || form.kind === 'name', s);
  return form;
};
const names = [{ name: 'laptop', vip: '127.0.42.100' }, { name: 'web', vip: '127.0.42.101' }, { name: 'www', vip: '127.0.42.101' }, { name: 'bastion', vip: '127.0.42.102' }];
const config: AgentConfig = {
  me: '127.0.42.100',
  forwards: [{ listenPort: 3000, connectHost: '127.0.0.1', connectPort: 3000, proto: 'tcp' }],
  others: [{ vip: '127.0.42.101', port: 8080, proto: 'tcp' }],
  proxy: { http: '127.0.0.1:18080', domain: 'mesh', names },
  routes: [
    { via: '127.0.42.102', to: ['10.0.0.0/8', '*.internal', '*'] },
    { via: '127.0.42.101', to: ['10.1.0.0/16', 'db-?.prod.internal'] },
  ],
};
const dir = new Directory(config);

test('a host of the mesh by name, alias, domain suffix, any case, trailing dot, or VIP', () => {
  for (const host of ['web', 'WWW', 'web.mesh', 'www.Mesh.', '127.0.42.101']) {
    assert.deepEqual(dir.decide(host, 8080), { kind: 'mesh', vip: ip('127.0.42.101'), port: 8080, label: 'web (127.0.42.101:8080)' }, host);
  }
});

test('the host itself: its own published port, over the mesh like any other', () => {
  assert.equal(dir.decide('laptop', 3000).kind, 'mesh');
});

test('a port the host does not publish is refused by policy, naming the host', () => {
  const d = dir.decide('web', 9999);
  assert.equal(d.kind, 'refuse');
  assert.match(d.kind === 'refuse' ? d.why : '', /host web \(127\.0\.42\.101\) of the mesh publishes no port 9999/);
});

test('CIDRs: the longest prefix wins', () => {
  const a = dir.decide('10.1.2.3', 80);
  const b = dir.decide('10.2.2.3', 80);
  assert.equal(a.kind === 'route' && a.via, ip('127.0.42.101'));
  assert.equal(b.kind === 'route' && b.via, ip('127.0.42.102'));
  // The name is passed on, not resolved here.
  assert.deepEqual(a.kind === 'route' && a.target, { host: '10.1.2.3', port: 80 });
});

test('globs: the most literal characters win; `*` spans dots; names never match CIDRs', () => {
  const db = dir.decide('DB-1.prod.internal', 5432);
  assert.equal(db.kind === 'route' && db.via, ip('127.0.42.101'));
  assert.deepEqual(db.kind === 'route' && db.target, { host: 'db-1.prod.internal', port: 5432 });
  const other = dir.decide('cache.prod.internal', 6379);
  assert.equal(other.kind === 'route' && other.via, ip('127.0.42.102'));
  const anything = dir.decide('example.com', 443);
  assert.equal(anything.kind === 'route' && anything.label, 'example.com:443 via bastion (route *)');
});

test('outside the mesh and every route: refused, saying so', () => {
  const bare = new Directory({ ...config, routes: [] });
  const d = bare.decide('10.9.9.9', 80);
  assert.equal(d.kind, 'refuse');
  assert.match(d.kind === 'refuse' ? d.why : '', /not a host of the mesh and matches no route/);
  assert.equal(bare.decide('::1', 80).kind, 'refuse');
  assert.equal(bare.decide('localhost', 80).kind, 'refuse');
});

test('a tie goes to the route listed first', () => {
  const t = new RouteTable([{ via: '127.0.0.2', to: ['*.a'] }, { via: '127.0.0.3', to: ['x.*'] }]);
  assert.equal(t.pick(routable('x.a'))?.via, ip('127.0.0.2'));
});

test('the acceptor allows only what one of its own routes matches', () => {
  const t = new RouteTable(config.routes ?? []);
  assert.ok(t.allows(ip('127.0.42.101'), routable('10.1.200.1')));
  assert.ok(!t.allows(ip('127.0.42.101'), routable('10.2.0.1')));
  assert.ok(t.allows(ip('127.0.42.101'), routable('db-7.prod.internal')));
  assert.ok(!t.allows(ip('127.0.42.101'), routable('db-17.prod.internal')));
  assert.ok(!t.allows(ip('127.0.42.100'), routable('10.1.0.1')));
});
