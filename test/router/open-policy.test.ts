import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compile } from '../../src/compile/compile.js';
import { OPEN_BURST, OPEN_RATE, OpenBucket, OpenPolicy } from '../../src/router/open-policy.js';
import { FLAG_OPEN, PROTO_TCP, ROUTED_PORT, ipFromString } from '../../src/protocol/index.js';
import type { Manifest } from '../../generated/manifest.js';

const manifest: Manifest = {
  hosts: {
    a: { vip: '127.0.42.1' },
    b: { vip: '127.0.42.2', cmd: ['b'], ports: ['8080:127.0.0.1:80'] },
    bastion: { vip: '127.0.42.3', cmd: ['c'] },
  },
};
const open = (dst: string, port: number) => ({
  srcIP: ipFromString('127.0.42.1') ?? 0, srcPort: 40000, dstIP: ipFromString(dst) ?? 0, dstPort: port, proto: PROTO_TCP, flags: FLAG_OPEN,
});

test('an OPEN goes only to a published port', () => {
  const policy = new OpenPolicy(compile(manifest, { self: ['norouter'] }));
  assert.equal(policy.check(open('127.0.42.2', 8080), 'b'), undefined);
  assert.deepEqual(policy.check(open('127.0.42.2', 22), 'b'), { kind: 'unpublished-port', reason: 'policy', text: 'b does not publish port 22' });
  assert.equal(policy.check(open('127.0.42.1', 8080), 'a')?.kind, 'unpublished-port', 'another host\'s port number is not this one\'s');
});

test('a routed OPEN goes only to the via host of some route', () => {
  const policy = new OpenPolicy(compile(manifest, { self: ['norouter'] }));
  assert.equal(policy.check(open('127.0.42.3', ROUTED_PORT), 'bastion')?.kind, 'not-a-route-host');
  const routed = structuredClone(manifest) as Manifest & { routes?: unknown };
  routed.routes = [{ via: 'bastion', to: ['10.0.0.0/8'] }];
  routed.hosts.a = { vip: '127.0.42.1', http: { listen: '127.0.0.1:18080' } } as never;
  const withRoute = new OpenPolicy(compile(routed, { self: ['norouter'] }));
  assert.equal(withRoute.check(open('127.0.42.3', ROUTED_PORT), 'bastion'), undefined);
  assert.equal(withRoute.check(open('127.0.42.2', ROUTED_PORT), 'b')?.kind, 'not-a-route-host');
});

test('the OPEN bucket allows a burst, then its rate', () => {
  const bucket = new OpenBucket();
  const t0 = Date.now();
  let allowed = 0;
  for (let i = 0; i < OPEN_BURST + 10; i++) if (bucket.take(t0)) allowed++;
  assert.equal(allowed, OPEN_BURST);
  assert.equal(bucket.take(t0 + 1000 / OPEN_RATE), true, 'refilled after one interval');
});
