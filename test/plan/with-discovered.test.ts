// withDiscovered (src/plan/with-discovered.ts): discovered ports become forwards of their host and
// `others` of every other host, as if the manifest had listed them; the filter is applied again,
// explicit ports win, limits hold; the command lines stay what the agent parses back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compile } from '../../src/compile/compile.js';
import { loadManifest } from '../../src/manifest/load.js';
import { buildAgentConfig } from '../../src/plan/agent-args.js';
import { commandOf, diffPlans } from '../../src/plan/diff-plan.js';
import { withDiscovered } from '../../src/plan/with-discovered.js';
import { MAX_AGENT_COMMAND_BYTES } from '../../src/plan/limits.js';
import type { Plan } from '../../src/plan/types.js';

function plan(yaml: string): Plan {
  const r = loadManifest(yaml, 'm.yaml');
  assert.ok(r.manifest, JSON.stringify(r.diagnostics));
  return compile(r.manifest, { self: ['node', 'norouter.cjs'] });
}

const BASE = plan(`hosts:
  a: {vip: 127.0.42.101, discover: true, ports: ["9000:127.0.0.1:9000", "8443:127.0.0.1:443"]}
  b: {vip: 127.0.42.102, cmd: "ssh b -- norouter", ports: ["5432:127.0.0.1:5432"]}
  c: {vip: 127.0.42.103, cmd: "ssh c -- norouter", discover: {include: ["3000-3999"]}}
`);

/** What `internal agent` makes of a host's argv (after its cmd): must be the plan's own config. */
function reparsed(argv: readonly string[], cmdLength: number) {
  const words = argv.slice(cmdLength + 2);
  const flags = new Map<string, string[]>();
  for (let i = 0; i < words.length; i += 2) flags.set(words[i]!, [...(flags.get(words[i]!) ?? []), words[i + 1]!]);
  const one = (f: string) => flags.get(f)?.[0];
  return buildAgentConfig(one('--me')!, flags.get('--forward') ?? [], flags.get('--other') ?? [], {}, {}, undefined, { include: one('--discover'), exclude: one('--discover-exclude') });
}

test('nothing discovered: the base plan itself', () => {
  assert.equal(withDiscovered(BASE, new Map()).plan, BASE);
  assert.equal(withDiscovered(BASE, new Map([['a', []]])).plan, BASE);
});

test('a discovered port is a forward of its host and an `other` of every other host; command lines parse back', () => {
  const r = withDiscovered(BASE, new Map([['a', [{ port: 8080, host: '127.0.0.1' }, { port: 7000, host: '::1' }]], ['c', [{ port: 3000, host: '10.0.0.3' }]]]));
  const [a, b, c] = r.plan.hosts;
  assert.deepEqual(a!.agent.forwards.slice(2), [
    { listenPort: 7000, connectHost: '::1', connectPort: 7000, proto: 'tcp' },
    { listenPort: 8080, connectHost: '127.0.0.1', connectPort: 8080, proto: 'tcp' },
  ]);
  assert.deepEqual(b!.agent.others.map((o) => `${o.vip}:${o.port}`), ['127.0.42.101:9000', '127.0.42.101:8443', '127.0.42.101:7000', '127.0.42.101:8080', '127.0.42.103:3000']);
  assert.deepEqual(c!.agent.others.map((o) => `${o.vip}:${o.port}`), ['127.0.42.101:9000', '127.0.42.101:8443', '127.0.42.102:5432', '127.0.42.101:7000', '127.0.42.101:8080']);
  assert.deepEqual(a!.agent.others.map((o) => `${o.vip}:${o.port}`), ['127.0.42.102:5432', '127.0.42.103:3000']);
  assert.deepEqual(r.published.get('a'), [{ port: 7000, host: '::1' }, { port: 8080, host: '127.0.0.1' }]);
  for (const [i, host] of r.plan.hosts.entries()) {
    const cmd = commandOf(BASE.hosts[i]!);
    assert.deepEqual(commandOf(host), cmd, 'the command is kept: a reload diff restarts nothing');
    assert.deepEqual(reparsed(host.argv, cmd.length), { ok: true, value: host.agent }, host.name);
  }
  // Against the base, only reconfigurations: no host is restarted by a discovered port.
  const diff = diffPlans(BASE, r.plan);
  assert.deepEqual(diff.restarted, []);
  assert.deepEqual(diff.reconfigured.map((x) => `${x.host.name} +${x.published.join(',')}`), ['a +7000,8080', 'b +', 'c +3000']);
});

test('explicit ports win, the filter is applied again, a host that does not discover is ignored', () => {
  const r = withDiscovered(BASE, new Map([
    ['a', [{ port: 9000, host: '127.0.0.1' }, { port: 443, host: '127.0.0.1' }, { port: 22, host: '127.0.0.1' }, { port: 80, host: '127.0.0.1' }]],
    ['b', [{ port: 80, host: '127.0.0.1' }]],
    ['c', [{ port: 4000, host: '127.0.0.1' }]],
  ]));
  assert.deepEqual(r.published.get('a'), [{ port: 80, host: '127.0.0.1' }]);
  assert.deepEqual(r.unpublished.get('a'), [{ port: 22, why: 'filter' }, { port: 443, why: 'explicit' }, { port: 9000, why: 'explicit' }]);
  assert.equal(r.published.get('b'), undefined);
  assert.deepEqual(r.unpublished.get('c'), [{ port: 4000, why: 'filter' }]);
  assert.deepEqual(r.plan.hosts[2]!.agent.forwards, []);
});

test('no command line passes MAX_AGENT_COMMAND_BYTES: the ports past it are left out and said', () => {
  const ports = Array.from({ length: 5000 }, (_, i) => ({ port: 20000 + i, host: '127.0.0.1' }));
  const r = withDiscovered(BASE, new Map([['a', ports]]));
  const published = r.published.get('a')!.length;
  const limited = r.unpublished.get('a')!.filter((u) => u.why === 'limit').length;
  assert.equal(published + limited, 5000);
  assert.ok(limited > 0 && published > 1000, `${published} published, ${limited} left out`);
  for (const host of r.plan.hosts) assert.ok(Buffer.byteLength(host.argv.join(' ')) <= MAX_AGENT_COMMAND_BYTES, host.name);
  // The lowest ports are the ones kept.
  assert.equal(r.published.get('a')!.at(-1)!.port, 20000 + published - 1);
});

test('a reload that changes only a host\'s discovery filters says so', async () => {
  const { summarizeDiff } = await import('../../src/plan/diff-plan.js');
  const next = plan(`hosts:
  a: {vip: 127.0.42.101, discover: {exclude: [8080]}, ports: ["9000:127.0.0.1:9000", "8443:127.0.0.1:443"]}
  b: {vip: 127.0.42.102, cmd: "ssh b -- norouter", ports: ["5432:127.0.0.1:5432"]}
  c: {vip: 127.0.42.103, cmd: "ssh c -- norouter", discover: {include: ["3000-3999"]}}
`);
  assert.equal(summarizeDiff(diffPlans(BASE, next)), 'a: ~discover');
});

test('discovered UDP ports (docs/discovery.md, "UDP") are /udp forwards and others; only from a host whose filter takes UDP; explicit /udp ports win, TCP ones of the number do not', () => {
  const base = plan(`hosts:
  a: {vip: 127.0.42.101, discover: {udp: true}, ports: ["9000:127.0.0.1:9000", "5000:127.0.0.1:5000/udp"]}
  b: {vip: 127.0.42.102, cmd: "ssh b -- norouter", discover: true}
`);
  const r = withDiscovered(base, new Map([
    ['a', [{ port: 9000, host: '127.0.0.1', proto: 'udp' as const }, { port: 5000, host: '127.0.0.1', proto: 'udp' as const }, { port: 7300, host: '127.0.0.1', proto: 'udp' as const }, { port: 7300, host: '127.0.0.1' }]],
    ['b', [{ port: 7400, host: '127.0.0.1', proto: 'udp' as const }]],
  ]));
  const [a, b] = r.plan.hosts;
  assert.deepEqual(a!.agent.forwards.slice(2).map((f) => `${f.listenPort}/${f.proto}`), ['7300/tcp', '7300/udp', '9000/udp']);
  assert.deepEqual(b!.agent.others.map((o) => `${o.port}/${o.proto}`), ['9000/tcp', '5000/udp', '7300/tcp', '7300/udp', '9000/udp']);
  assert.deepEqual(r.unpublished.get('a'), [{ port: 5000, proto: 'udp', why: 'explicit' }]);
  assert.deepEqual(r.unpublished.get('b'), [{ port: 7400, proto: 'udp', why: 'filter' }], 'b discovers TCP only');
  const cmd = commandOf(base.hosts[0]!);
  assert.ok(a!.argv.slice(cmd.length).join(' ').includes('--forward 9000:127.0.0.1:9000/udp'));
});

test('the port of the host\'s DNS add-on is not published, TCP or UDP: its VIP:port is the add-on\'s', () => {
  const base = plan(`hosts:
  a: {vip: 127.0.42.101, dns: {port: 5300}, discover: {include: ["5000-5999"], udp: true}}
  b: {vip: 127.0.42.102, cmd: "ssh b -- norouter"}
`);
  const r = withDiscovered(base, new Map([['a', [{ port: 5300, host: '127.0.0.1' }, { port: 5300, host: '127.0.0.1', proto: 'udp' as const }, { port: 5301, host: '127.0.0.1' }]]]));
  assert.deepEqual(r.published.get('a'), [{ port: 5301, host: '127.0.0.1' }]);
  assert.deepEqual(r.unpublished.get('a'), [{ port: 5300, why: 'dns' }, { port: 5300, proto: 'udp', why: 'dns' }]);
});
