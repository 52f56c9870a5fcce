// The router's side of port discovery (src/router/discovery.ts): one log line per appearance and
// withdrawal, reports kept across a reload (a new base) for hosts that still discover, and CONFIG's
// `discover` member sent only to agents that announced the feature.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compile } from '../../src/compile/compile.js';
import { loadManifest } from '../../src/manifest/load.js';
import { RouterDiscovery } from '../../src/router/discovery.js';
import { waitFor } from '../helpers/wait.js';
import { FEATURE_DISCOVER, FEATURE_DISCOVER_UDP } from '../../src/protocol/index.js';
import type { Plan } from '../../src/plan/types.js';

function plan(yaml: string): Plan {
  const r = loadManifest(yaml, 'm.yaml');
  assert.ok(r.manifest, JSON.stringify(r.diagnostics));
  return compile(r.manifest, { self: ['norouter'] });
}

const YAML = 'hosts:\n  a: {vip: 127.0.42.101, discover: true, ports: ["9000:127.0.0.1:9000"]}\n  b: {vip: 127.0.42.102, cmd: x}\n';

test('appearances, moves and withdrawals are one line each; an unchanged report changes nothing', () => {
  const lines: string[] = [];
  const d = new RouterDiscovery(plan(YAML), (l) => lines.push(l));
  const p1 = d.report('a', [{ port: 8080, host: '127.0.0.1' }, { port: 9000, host: '127.0.0.1' }]);
  assert.ok(p1);
  assert.deepEqual(p1.hosts[1]!.agent.others.map((o) => o.port), [9000, 8080]);
  assert.equal(d.report('a', [{ port: 8080, host: '127.0.0.1' }, { port: 9000, host: '127.0.0.1' }]), undefined);
  assert.ok(d.report('a', [{ port: 8080, host: '::1' }]));
  assert.ok(d.report('a', []));
  assert.deepEqual(lines, [
    'a: discovered port 8080 (listening at 127.0.0.1:8080): published as 127.0.42.101:8080',
    'a: discovered port 9000 not published: the host publishes it in its ports already',
    'a: discovered port 8080 now dialled at [::1]:8080',
    'a: discovered port 8080 withdrawn (no longer listening)',
  ]);
  assert.equal(d.plan.hosts[1]!.agent.others.length, 1);
});

test('a report from a host that does not discover is ignored', () => {
  const d = new RouterDiscovery(plan(YAML), () => {});
  assert.equal(d.report('b', [{ port: 8080, host: '127.0.0.1' }]), undefined);
  assert.equal(d.report('nobody', [{ port: 8080, host: '127.0.0.1' }]), undefined);
});

test('a reload keeps the discovered ports of hosts that still discover, and withdraws the others\'', () => {
  const lines: string[] = [];
  const d = new RouterDiscovery(plan(YAML), (l) => lines.push(l));
  d.report('a', [{ port: 8080, host: '127.0.0.1' }]);
  const since = d.entries().get('a')![0]!.since;
  const kept = d.setBase(plan(`${YAML}  c: {vip: 127.0.42.103, cmd: y}\n`));
  assert.deepEqual(kept.hosts[2]!.agent.others.map((o) => o.port), [9000, 8080]);
  assert.deepEqual(d.entries().get('a'), [{ port: 8080, host: '127.0.0.1', since }]);
  const off = d.setBase(plan(YAML.replace('discover: true', 'discover: false')));
  assert.deepEqual(off.hosts[1]!.agent.others.map((o) => o.port), [9000]);
  assert.equal(lines.at(-1), 'a: discovered port 8080 withdrawn (the manifest changed)');
  assert.deepEqual(d.entries(), new Map());
});

test('CONFIG carries `discover` only to an agent that announced the feature', () => {
  const agent = plan(YAML).hosts[0]!.agent;
  assert.equal(RouterDiscovery.configFor(agent, new Set([FEATURE_DISCOVER])), agent);
  const { discover: _gone, ...rest } = agent;
  assert.deepEqual(RouterDiscovery.configFor(agent, new Set()), rest);
});

// Regression: every DISCOVERED rebuilt the plan and sent CONFIG to every agent at once, so an
// agent sending reports in a loop made the router do that at the rate it sent. Reports are now
// applied at most once per DISCOVERY_APPLY_MS (the first at once), the latest of each host counting.
test('a flood of reports is applied at most once per window, the first at once and the last in the end', async () => {
  const d = new RouterDiscovery(plan(YAML), () => {});
  const applied: Plan[] = [];
  try {
    for (let i = 0; i < 1000; i++) d.offer('a', [{ port: 10_000 + i, host: '127.0.0.1' }], (p) => applied.push(p));
    assert.equal(applied.length, 1, 'the first report is applied at once, the others wait');
    await waitFor(() => applied.length === 2, { what: 'the waiting reports applied together' });
    const b = applied[1]?.hosts.find((h) => h.name === 'b');
    assert.deepEqual(b?.agent.others.map((o) => o.port).sort((x, y) => x - y), [9000, 10_999], 'the last report is what b listens on');
    // Reports that change nothing apply nothing.
    d.offer('a', [{ port: 10_999, host: '127.0.0.1' }], (p) => applied.push(p));
    await waitFor(() => d.waiting === 0, { what: 'the unchanged report taken' });
    assert.equal(applied.length, 2);
  } finally {
    d.close();
  }
});

test('UDP ports: one line each, marked /udp; CONFIG carries `discover.udp` only to an agent that announced `discover-udp`', () => {
  const lines: string[] = [];
  const d = new RouterDiscovery(plan('hosts:\n  a: {vip: 127.0.42.101, discover: {udp: true}}\n  b: {vip: 127.0.42.102, cmd: x}\n'), (l) => lines.push(l));
  assert.ok(d.report('a', [{ port: 7300, host: '127.0.0.1' }, { port: 7300, host: '127.0.0.1', proto: 'udp' }]));
  assert.deepEqual(d.of('a'), [{ port: 7300, host: '127.0.0.1', since: d.of('a')[0]!.since }, { port: 7300, proto: 'udp', host: '127.0.0.1', since: d.of('a')[1]!.since }]);
  assert.ok(d.report('a', [{ port: 7300, host: '127.0.0.1' }]));
  assert.deepEqual(lines, [
    'a: discovered port 7300 (listening at 127.0.0.1:7300): published as 127.0.42.101:7300',
    'a: discovered port 7300/udp (listening at 127.0.0.1:7300): published as 127.0.42.101:7300/udp',
    'a: discovered port 7300/udp withdrawn (no longer listening)',
  ]);
  const agent = d.plan.hosts[0]!.agent;
  assert.equal(agent.discover?.udp, true);
  assert.equal(RouterDiscovery.configFor(agent, new Set([FEATURE_DISCOVER, FEATURE_DISCOVER_UDP])), agent);
  assert.deepEqual(RouterDiscovery.configFor(agent, new Set([FEATURE_DISCOVER])).discover, { include: agent.discover.include, exclude: agent.discover.exclude });
});
