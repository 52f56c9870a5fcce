import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compile } from '../../src/compile/compile.js';
import { diffPlans, summarizeDiff, commandOf } from '../../src/plan/diff-plan.js';
import type { Manifest } from '../../generated/manifest.js';

const plan = (m: Manifest) => compile(m, { self: ['norouter'] });
const base: Manifest = {
  hosts: {
    host0: { vip: '127.0.42.100' },
    host1: { vip: '127.0.42.101', cmd: ['c1', 'norouter'], ports: ['8080:127.0.0.1:80'] },
    host2: { vip: '127.0.42.102', cmd: 'c2 norouter', ports: ['8080:127.0.0.1:80'] },
  },
};

test('commandOf strips exactly the agent arguments', () => {
  const p = plan(base);
  assert.deepEqual(p.hosts.map(commandOf), [['norouter'], ['c1', 'norouter'], ['c2', 'norouter']]);
});

test('the same plan: no change', () => {
  const d = diffPlans(plan(base), plan(structuredClone(base)));
  assert.equal(summarizeDiff(d), 'no change');
  assert.equal(d.unchanged.length, 3);
});

test('a host added: +host3, and every other host learns its ports through CONFIG', () => {
  const next = structuredClone(base);
  next.hosts.host3 = { vip: '127.0.42.103', cmd: ['c3'], ports: ['9000:127.0.0.1:9000'] };
  const d = diffPlans(plan(base), plan(next));
  assert.equal(summarizeDiff(d), '+host3');
  assert.deepEqual(d.added.map((h) => h.name), ['host3']);
  assert.deepEqual(d.reconfigured.map((r) => r.host.name), ['host0', 'host1', 'host2']);
  assert.ok(d.reconfigured.every((r) => r.published.length === 0 && r.withdrawn.length === 0));
});

test('ports published, withdrawn and retargeted: reconfigured, never restarted', () => {
  const next = structuredClone(base);
  next.hosts.host2!.ports = ['9090:127.0.0.1:90'];
  next.hosts.host1!.ports = ['8080:127.0.0.1:81'];
  const d = diffPlans(plan(base), plan(next));
  assert.equal(d.restarted.length, 0);
  assert.equal(summarizeDiff(d), 'host1: ~8080, host2: +9090 -8080');
});

test('cmd or vip changed: that host alone is restarted', () => {
  const next = structuredClone(base);
  next.hosts.host1!.cmd = ['c1', '--other-flag', 'norouter'];
  next.hosts.host2!.vip = '127.0.42.112';
  const d = diffPlans(plan(base), plan(next));
  assert.deepEqual(d.restarted.map((r) => `${r.host.name} ${r.reason}`), ['host1 cmd changed', 'host2 vip changed']);
  assert.match(summarizeDiff(d), /host1: restarted \(cmd changed\), host2: restarted \(vip changed\)/);
  // host0 learns host2's new VIP through CONFIG.
  assert.deepEqual(d.reconfigured.map((r) => r.host.name), ['host0']);
});

// Both ends read the keepalive once, when the link starts: a new one means a new agent (and a
// new link). The bug: a changed keepalive was taken for a configuration CONFIG could carry.
test('the keepalive changed, set or unset: every host restarts', () => {
  const next: Manifest = { ...structuredClone(base), keepalive: { interval: 1, timeout: 5 } };
  const d = diffPlans(plan(base), plan(next));
  assert.deepEqual(d.restarted.map((r) => `${r.host.name} ${r.reason}`), ['host0 keepalive changed', 'host1 keepalive changed', 'host2 keepalive changed']);
  assert.equal(summarizeDiff(diffPlans(plan(next), plan(structuredClone(next)))), 'no change');
  assert.equal(diffPlans(plan(next), plan(base)).restarted.length, 3);
});

test('a cmd string re-spelled with the same words is not a change', () => {
  const next = structuredClone(base);
  next.hosts.host2!.cmd = "c2   'norouter'";
  assert.equal(summarizeDiff(diffPlans(plan(base), plan(next))), 'no change');
});

test('a host removed: -host2', () => {
  const next = structuredClone(base);
  delete next.hosts.host2;
  const d = diffPlans(plan(base), plan(next));
  assert.equal(summarizeDiff(d), '-host2');
  assert.deepEqual(d.removed.map((h) => h.name), ['host2']);
});
