// `/udp` ports and the manifest's `udp` in the plan (docs/protocol.md §14): every other host's
// `--other VIP:PORT/udp`, the publisher's `--forward …/udp`, a TCP and a UDP port of one number
// side by side, `--udp-flows IDLE_MS,MAX_FLOWS`, what validation refuses, and the reload summary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compile } from '../../src/compile/compile.js';
import { loadManifest } from '../../src/manifest/load.js';
import { buildAgentConfig, parseForward, parseOther } from '../../src/plan/agent-args.js';
import { diffPlans, summarizeDiff } from '../../src/plan/diff-plan.js';
import { checkAgentConfig } from '../../src/protocol/agent-config-check.js';
import type { Plan } from '../../src/plan/types.js';

function plan(text: string): Plan {
  const r = loadManifest(text, 'manifest.yaml');
  assert.ok(r.ok && r.manifest, r.diagnostics.map((d) => d.message).join('\n'));
  return compile(r.manifest, { self: ['norouter'] });
}

function problems(text: string): string[] {
  const r = loadManifest(text, 'manifest.yaml');
  return r.ok ? [] : r.diagnostics.map((d) => `${d.code}: ${d.message}`);
}

const MANIFEST = `
hosts:
  laptop: {vip: 127.0.42.100}
  dns: {vip: 127.0.42.101, cmd: [docker, exec, -i, dns, norouter], ports: ["53:127.0.0.1:53/udp", "53:127.0.0.1:53", "8125:statsd:8125/udp"]}
`;

test('a /udp port: the publisher forwards it, every other host listens on VIP:PORT/udp, beside TCP on the same number', () => {
  const p = plan(MANIFEST);
  const [laptop, dns] = p.hosts;
  assert.deepEqual(laptop!.agent.others, [
    { vip: '127.0.42.101', port: 53, proto: 'udp' }, { vip: '127.0.42.101', port: 53, proto: 'tcp' }, { vip: '127.0.42.101', port: 8125, proto: 'udp' },
  ]);
  assert.ok(laptop!.argv.join(' ').endsWith('--other 127.0.42.101:53/udp --other 127.0.42.101:53/tcp --other 127.0.42.101:8125/udp'));
  assert.ok(dns!.argv.join(' ').includes('--forward 53:127.0.0.1:53/udp --forward 53:127.0.0.1:53/tcp --forward 8125:statsd:8125/udp'));
  assert.equal(laptop!.agent.udp, undefined, 'no udp in the manifest: the defaults, no flag');
  assert.ok(!laptop!.argv.includes('--udp-flows'));
});

test('the command line round-trips: what plan prints is what the agent accepts', () => {
  const p = plan(`${MANIFEST}udp: {idleTimeout: 2.5, maxFlows: 100}\n`);
  const argv = p.hosts[1]!.argv;
  const all = (flag: string) => argv.flatMap((a, i) => (a === flag ? [argv[i + 1] ?? ''] : []));
  assert.deepEqual(all('--udp-flows'), ['2500,100']);
  const built = buildAgentConfig('127.0.42.101', all('--forward'), all('--other'), {}, {}, undefined, {}, '2500,100');
  assert.ok(built.ok);
  assert.deepEqual(built.value, p.hosts[1]!.agent);
});

test('validation: a UDP port twice is E305 naming it /udp; another protocol is E304; a TCP and a UDP port of one number are fine', () => {
  const twice = problems('hosts:\n  h: {vip: 127.0.42.1, ports: ["53:127.0.0.1:53/udp", "53:127.0.0.1:5353/udp", "53:127.0.0.1:53"]}\n');
  assert.equal(twice.length, 1, twice.join('\n'));
  assert.match(twice[0]!, /^E305: listen port 53\/udp is published twice/);
  assert.match(problems('hosts:\n  h: {vip: 127.0.42.1, ports: ["53:127.0.0.1:53/sctp"]}\n')[0]!, /E304: .*protocol "sctp" is not supported \(tcp or udp\)/);
  assert.deepEqual(problems('hosts:\n  h: {vip: 127.0.42.1}\nudp: {maxFlows: 0}\n').length, 1);
});

test('the agent configuration check: proto, listen addresses per protocol, udp limits', () => {
  const base = { me: '127.0.42.1', forwards: [{ listenPort: 53, connectHost: '127.0.0.1', connectPort: 53, proto: 'udp' }], others: [] as unknown[] };
  assert.ok(checkAgentConfig({ ...base, forwards: [...base.forwards, { ...base.forwards[0], proto: 'tcp' }] }).ok);
  const dup = checkAgentConfig({ ...base, forwards: [...base.forwards, base.forwards[0]] });
  assert.ok(!dup.ok && dup.problems[0]!.message.includes('127.0.42.1:53/udp is already taken'));
  const limits = checkAgentConfig({ ...base, udp: { idleMs: 0, maxFlows: 70_000 } });
  assert.deepEqual(!limits.ok && limits.problems.map((p) => p.path), ['udp.idleMs', 'udp.maxFlows']);
  assert.deepEqual(parseForward('53:127.0.0.1:53/udp'), { ok: true, value: { listenPort: 53, connectHost: '127.0.0.1', connectPort: 53, proto: 'udp' } });
  assert.deepEqual(parseOther('127.0.42.1:53/udp'), { ok: true, value: { vip: '127.0.42.1', port: 53, proto: 'udp' } });
});

test('a reload withdrawing the UDP port of a number is summarised as such; the TCP port stays', () => {
  const before = plan(MANIFEST);
  const after = plan(MANIFEST.replace('"53:127.0.0.1:53/udp", ', ''));
  assert.equal(summarizeDiff(diffPlans(before, after)), 'dns: -53/udp');
  const changed = plan(`${MANIFEST}udp: {idleTimeout: 5}\n`);
  const d = diffPlans(before, changed);
  assert.equal(d.restarted.length, 0, 'new udp limits go in CONFIG, live');
  assert.equal(d.reconfigured.length, 2);
});
