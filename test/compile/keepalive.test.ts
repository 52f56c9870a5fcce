// The manifest's `keepalive` in the plan: Plan.keepalive for the router, and
// the same values on every agent's command line (`--keepalive INTERVAL_MS,TIMEOUT_MS`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compile } from '../../src/compile/compile.js';
import { buildAgentConfig, formatAgentArgs } from '../../src/plan/agent-args.js';
import { formatPlanText } from '../../src/plan/format-plan.js';
import { commandOf } from '../../src/plan/diff-plan.js';
import type { Manifest } from '../../generated/manifest.js';

const manifest = (keepalive?: Manifest['keepalive']): Manifest => ({
  hosts: {
    laptop: { vip: '127.0.42.100', ports: ['9000:127.0.0.1:9000'] },
    web: { vip: '127.0.42.101', cmd: ['docker', 'exec', '-i', 'web', 'norouter'], ports: ['8080:127.0.0.1:80'], dns: { aliases: ['www'] } },
    db: { vip: '127.0.42.102', cmd: 'ssh db -- node', bootstrap: true, socks: { listen: '127.0.0.1:1080' } },
  },
  ...(keepalive ? { keepalive } : {}),
});

/** The flags after the host's cmd, parsed back the way `internal agent` does. */
function parseArgv(argv: readonly string[]) {
  const all = (flag: string) => argv.flatMap((a, i) => (a === flag ? [argv[i + 1] ?? ''] : []));
  const one = (flag: string) => all(flag)[0];
  return buildAgentConfig(one('--me') ?? '', all('--forward'), all('--other'), {
    port: one('--dns'), domain: one('--dns-domain'), resolvConf: one('--dns-resolv-conf'), etcHosts: argv.includes('--write-etc-hosts'), names: all('--dns-name'),
  }, { http: one('--http-proxy'), socks: one('--socks-proxy'), noLoopback: argv.includes('--no-loopback'), routes: all('--route') }, one('--keepalive'));
}

test('without keepalive in the manifest, the plan has none and no agent gets the flag', () => {
  const plan = compile(manifest(), { self: ['norouter'] });
  assert.equal('keepalive' in plan, false);
  for (const host of plan.hosts) {
    assert.equal('keepalive' in host.agent, false);
    assert.ok(!host.argv.includes('--keepalive'), host.name);
  }
});

test('keepalive in seconds becomes Plan.keepalive and every agent\'s --keepalive, in milliseconds', () => {
  const plan = compile(manifest({ interval: 0.2, timeout: 1 }), { self: ['norouter'] });
  assert.deepEqual(plan.keepalive, { intervalMs: 200, timeoutMs: 1000 });
  for (const host of plan.hosts) {
    assert.deepEqual(host.agent.keepalive, plan.keepalive, host.name);
    const at = host.argv.indexOf('--keepalive');
    assert.equal(host.argv[at + 1], '200,1000', host.name);
    // The `--other` words end the line (format-plan.ts slices them).
    const others = host.argv.indexOf('--other');
    assert.ok(others > at && host.argv.slice(others).every((w, i) => i % 2 === 1 || w === '--other'), host.name);
    const parsed = parseArgv(host.argv);
    assert.ok(parsed.ok, parsed.ok ? '' : JSON.stringify(parsed.byFlag));
    assert.deepEqual(parsed.value, host.agent, host.name);
    // diff-plan and format-plan rely on argv = cmd + formatAgentArgs(agent).
    assert.deepEqual(host.argv.slice(commandOf(host).length), formatAgentArgs(host.agent), host.name);
  }
  assert.match(formatPlanText(plan), /^norouter internal agent --me 127\.0\.42\.100 --forward 9000:127\.0\.0\.1:9000\/tcp --keepalive 200,1000 --other /m);
});

test('a value left out is the protocol default', () => {
  assert.deepEqual(compile(manifest({ timeout: 120 }), { self: ['norouter'] }).keepalive, { intervalMs: 10_000, timeoutMs: 120_000 });
  assert.deepEqual(compile(manifest({}), { self: ['norouter'] }).keepalive, { intervalMs: 10_000, timeoutMs: 45_000 });
});
