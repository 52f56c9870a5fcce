// The DNS add-on in the plan: compile's effective settings, the agent flags both ways,
// CONFIG's validation, and the reload summary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Manifest } from '../../generated/manifest.js';
import { compile } from '../../src/compile/compile.js';
import { buildAgentConfig, formatAgentArgs } from '../../src/plan/agent-args.js';
import { formatPlanText } from '../../src/plan/format-plan.js';
import { decodeControl, controlPayload } from '../../src/protocol/control.js';
import { diffPlans, summarizeDiff } from '../../src/plan/diff-plan.js';

const manifest: Manifest = {
  hostTemplate: { dns: { domain: 'mesh' } },
  hosts: {
    laptop: { vip: '127.0.42.100' },
    web: { vip: '127.0.42.101', cmd: ['c1'], dns: { aliases: ['www'] }, writeEtcHosts: true },
    db: { vip: '127.0.42.102', cmd: ['c2'], dns: { enable: false, resolvConf: true } },
  },
};
const plan = (m: Manifest) => compile(m, { self: ['norouter'] });

test('compile: template fields under host fields; auto never patches the local host; disabled hosts get no dns', () => {
  const [laptop, web, db] = plan(manifest).hosts;
  const names = [
    { name: 'laptop', vip: '127.0.42.100' }, { name: 'web', vip: '127.0.42.101' },
    { name: 'www', vip: '127.0.42.101' }, { name: 'db', vip: '127.0.42.102' },
  ];
  assert.deepEqual(laptop?.agent.dns, { etcHosts: false, names, domain: 'mesh', port: 53 });
  assert.deepEqual(web?.agent.dns, { etcHosts: true, names, domain: 'mesh', port: 53, resolvConf: 'auto' });
  assert.equal(db?.agent.dns, undefined);
});

test('no dns section anywhere: the plan is exactly as before', () => {
  const p = plan({ hosts: { a: { vip: '127.0.42.100' }, b: { vip: '127.0.42.101', cmd: ['x'] } } });
  assert.ok(p.hosts.every((h) => h.agent.dns === undefined && !h.argv.some((a) => a.startsWith('--dns'))));
});

test('agent flags round-trip: what plan prints is what the agent parses', () => {
  for (const host of plan(manifest).hosts) {
    const args = formatAgentArgs(host.agent).slice(2);
    const flag = (name: string) => args.flatMap((a, i) => (a === name ? [args[i + 1] ?? ''] : []));
    const parsed = buildAgentConfig(flag('--me')[0] ?? '', flag('--forward'), flag('--other'), {
      port: flag('--dns')[0], domain: flag('--dns-domain')[0], resolvConf: flag('--dns-resolv-conf')[0],
      etcHosts: args.includes('--write-etc-hosts'), names: flag('--dns-name'),
    });
    assert.ok(parsed.ok, parsed.ok ? '' : JSON.stringify(parsed.byFlag));
    assert.deepEqual(parsed.value, host.agent);
  }
});

test('agent flags: every problem is reported', () => {
  const r = buildAgentConfig('127.0.42.101', [], [], { port: '99999', domain: '.x', resolvConf: 'yes', names: ['a b=1.2.3.4', 'x'] });
  assert.ok(!r.ok);
  const lines = r.byFlag.map((p) => `${p.path}: ${p.message}`).join('\n');
  assert.match(lines, /--dns: "99999"/);
  assert.match(lines, /--dns-domain/);
  assert.match(lines, /--dns-resolv-conf: "yes"/);
  assert.match(lines, /--dns-name a b=1.2.3.4/);
  assert.match(lines, /--dns-name x:/);
});

test('norouter plan shows DNS in each host heading', () => {
  const text = formatPlanText(plan(manifest));
  assert.match(text, /^# laptop \(127\.0\.42\.100; dns 127\.0\.42\.100:53 \(\.mesh\)\)$/m);
  assert.match(text, /^# web \(127\.0\.42\.101; dns 127\.0\.42\.101:53 \(\.mesh\), resolv\.conf patched if writable, \/etc\/hosts\)$/m);
  assert.match(text, /^# db \(127\.0\.42\.102\)$/m);
  assert.match(text, /--dns 53 --dns-domain mesh --dns-resolv-conf auto --write-etc-hosts --dns-name laptop=127\.0\.42\.100/);
});

test('CONFIG carries dns and rejects a malformed one', () => {
  const config = plan(manifest).hosts[1]!.agent;
  const back = decodeControl(controlPayload({ type: 'config', config }));
  assert.deepEqual(back, { type: 'config', config });
  const bad = decodeControl(controlPayload({ type: 'config', config: { ...config, dns: { etcHosts: 'yes' } as never } }));
  assert.ok(!(bad instanceof Error) && bad.type === 'config-refused');
});

test('reload: an alias added reconfigures every dns agent, and the summary says so', () => {
  const next = structuredClone(manifest);
  next.hosts.web!.dns = { aliases: ['www', 'shop'] };
  const d = diffPlans(plan(manifest), plan(next));
  assert.deepEqual(d.reconfigured.map((r) => r.host.name), ['laptop', 'web']);
  assert.equal(d.restarted.length, 0);
  assert.equal(summarizeDiff(d), 'dns: +shop=127.0.42.101');
  next.hosts.db2 = { vip: '127.0.42.103', cmd: ['c3'] };
  assert.equal(summarizeDiff(diffPlans(plan(manifest), plan(next))), '+db2, dns: +shop=127.0.42.101');
});

test('argv ends with exactly formatAgentArgs(agent), and plan prints it quoted word for word', async () => {
  const { quoteShellCommand } = await import('../../src/shell/shell-words.js');
  const next = structuredClone(manifest);
  next.hosts.web!.ports = ['8080:127.0.0.1:80'];
  const p = plan(next);
  const lines = formatPlanText(p).split('\n');
  p.hosts.forEach((h, i) => {
    const args = formatAgentArgs(h.agent);
    assert.deepEqual(h.argv.slice(h.argv.length - args.length), args);
    assert.equal(lines[2 * i + 1], quoteShellCommand(h.argv));
  });
});
