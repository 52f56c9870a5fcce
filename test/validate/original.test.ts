// The original NoRouter's keys, checked one by one (the whole manifests of its docs are run through
// the real CLI in test/compile/norouter-original.test.ts). Before, each of these was an error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Manifest } from '../../generated/manifest.js';
import { compile } from '../../src/compile/compile.js';
import { loadManifest } from '../../src/manifest/load.js';
import { buildAgentConfig, formatAgentArgs } from '../../src/plan/agent-args.js';

const codes = (yaml: string) => loadManifest(yaml, 'm.yaml').diagnostics.map((d) => `${d.code} ${d.pointer}`);

test('aliases on a host are dns.aliases: both add up, and a name twice is one error', () => {
  const yaml = 'hosts:\n  a: {vip: 127.0.42.1, aliases: [x, y], dns: {aliases: [z]}}\n  b: {vip: 127.0.42.2, cmd: c, aliases: [X]}\n';
  assert.deepEqual(codes(yaml), ['E310 /hosts/b/aliases/0']);
  const ok = loadManifest('hosts:\n  a: {vip: 127.0.42.1, aliases: [x], dns: {aliases: [z]}}\n', 'm.yaml');
  assert.ok(ok.ok && ok.manifest);
  const plan = compile(ok.manifest, { self: ['norouter'] });
  assert.deepEqual(plan.hosts[0]?.agent.dns?.names.map((n) => n.name), ['a', 'x', 'z']);
});

test('aliases alone do not turn DNS on (the original had no such switch; dns does)', () => {
  const r = loadManifest('hosts:\n  a: {vip: 127.0.42.1, aliases: [x]}\n', 'm.yaml');
  assert.ok(r.ok && r.manifest);
  assert.equal(compile(r.manifest, { self: ['norouter'] }).hosts[0]?.agent.dns, undefined);
});

test('a route via a VIP goes to the host with that VIP; a VIP of no host is E314', () => {
  const yaml = (via: string) => `hosts:\n  a: {vip: 127.0.42.1, http: {listen: "127.0.0.1:18080"}}\n  b: {vip: 127.0.42.2, cmd: c}\nroutes:\n  - {via: "${via}", to: ["10.0.0.0/8"]}\n`;
  const r = loadManifest(yaml('127.0.42.2'), 'm.yaml');
  assert.ok(r.ok && r.manifest);
  const [a, b] = compile(r.manifest, { self: ['norouter'] }).hosts;
  assert.deepEqual(a?.agent.routes, [{ via: '127.0.42.2', to: ['10.0.0.0/8'] }]);
  assert.deepEqual(b?.agent.routes, [{ via: '127.0.42.2', to: ['10.0.0.0/8'] }]);
  assert.deepEqual(codes(yaml('127.0.42.9')), ['E314 /routes/0/via']);
});

test('http: {} is off, and on a host turns hostTemplate\'s proxy off', () => {
  const r = loadManifest('hostTemplate: {http: {listen: "127.0.0.1:18080"}, socks: {}}\nhosts:\n  a: {vip: 127.0.42.1}\n  b: {vip: 127.0.42.2, cmd: c, http: {}}\n', 'm.yaml');
  assert.deepEqual(r.diagnostics, []);
  assert.ok(r.manifest);
  const [a, b] = compile(r.manifest, { self: ['norouter'] }).hosts;
  assert.deepEqual(a?.agent.proxy?.http, '127.0.0.1:18080');
  assert.equal(a?.agent.proxy?.socks, undefined);
  assert.equal(b?.agent.proxy, undefined);
});

test('host names with _ reach the agent, which accepts them', () => {
  const manifest: Manifest = { hosts: { local: { vip: '127.0.42.100', http: { listen: '127.0.0.1:18080' } }, aws_bastion: { vip: '127.0.42.101', cmd: ['ssh', 'x'] } }, routes: [{ via: 'aws_bastion', to: ['*.internal'] }] };
  for (const host of compile(manifest, { self: ['norouter'] }).hosts) {
    const args = formatAgentArgs(host.agent).slice(2);
    const flag = (name: string) => args.flatMap((a, i) => (a === name ? [args[i + 1] ?? ''] : []));
    const parsed = buildAgentConfig(flag('--me')[0] ?? '', flag('--forward'), flag('--other'), { names: flag('--dns-name') }, { http: flag('--http-proxy')[0], routes: flag('--route') });
    assert.ok(parsed.ok, parsed.ok ? '' : JSON.stringify(parsed.byFlag));
    assert.deepEqual(parsed.value, host.agent);
  }
});

test("the original's keys that norouter does not take say what they were", () => {
  const r = loadManifest('hostTemplate: {vip: 127.0.42.1}\nhosts:\n  a: {vip: 127.0.42.2, stateDir: {disable: true}}\n', 'm.yaml');
  assert.deepEqual(r.diagnostics.map((d) => d.message), ['unknown key "vip" in hostTemplate: a vip belongs to one host (the original NoRouter refused it in hostTemplate too); set vip on each host']);
});
