// Proxies, loopback.disable and routes in the plan, and the agent flags round trip.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compile } from '../../src/compile/compile.js';
import { buildAgentConfig, formatAgentArgs } from '../../src/plan/agent-args.js';
import { formatPlanText } from '../../src/plan/format-plan.js';
import { commandOf } from '../../src/plan/diff-plan.js';
import { parseRoutePattern, parseListenAddress } from '../../src/plan/route-pattern.js';
import type { Manifest } from '../../generated/manifest.js';

const manifest = (dns: boolean): Manifest => ({
  ...(dns ? { hostTemplate: { dns: { domain: 'mesh' } } } : {}),
  hosts: {
    laptop: { vip: '127.0.42.100', http: { listen: '127.0.0.1:18080' }, socks: { listen: '[::1]:1080' }, loopback: { disable: true } },
    web: { vip: '127.0.42.101', cmd: ['docker', 'exec', '-i', 'web', 'norouter'], ports: ['8080:127.0.0.1:80'] },
    bastion: { vip: '127.0.42.102', cmd: 'ssh bastion -- norouter' },
  },
  routes: [{ via: 'bastion', to: ['10.0.0.0/8', '*.internal'] }],
});

/** The flags after the host's cmd, parsed back the way `internal agent` does. */
function parseArgv(argv: readonly string[]) {
  const all = (flag: string) => argv.flatMap((a, i) => (a === flag ? [argv[i + 1] ?? ''] : []));
  const one = (flag: string) => all(flag)[0];
  return buildAgentConfig(one('--me') ?? '', all('--forward'), all('--other'), {
    port: one('--dns'), domain: one('--dns-domain'), resolvConf: one('--dns-resolv-conf'), etcHosts: argv.includes('--write-etc-hosts'), names: all('--dns-name'),
  }, { http: one('--http-proxy'), socks: one('--socks-proxy'), noLoopback: argv.includes('--no-loopback'), routes: all('--route') });
}

for (const dns of [false, true]) {
  test(`every host's argv parses back to its agent config (dns ${dns ? 'on' : 'off'})`, () => {
    const plan = compile(manifest(dns), { self: ['norouter'] });
    for (const host of plan.hosts) {
      const parsed = parseArgv(host.argv);
      assert.ok(parsed.ok, parsed.ok ? '' : JSON.stringify(parsed.byFlag));
      assert.deepEqual(parsed.value, host.agent, host.name);
      // diff-plan and format-plan rely on argv = cmd + formatAgentArgs(agent).
      assert.deepEqual(host.argv.slice(commandOf(host).length), formatAgentArgs(host.agent));
    }
    const laptop = plan.hosts[0]!.agent;
    assert.deepEqual(laptop.proxy?.names.map((n) => n.name), ['laptop', 'web', 'bastion']);
    assert.equal(laptop.proxy?.domain, dns ? 'mesh' : undefined);
    assert.deepEqual(laptop.routes, [{ via: '127.0.42.102', to: ['10.0.0.0/8', '*.internal'] }]);
    // The bastion checks routed OPENs against its routes; web needs none.
    assert.deepEqual(plan.hosts[2]!.agent.routes, laptop.routes);
    assert.equal(plan.hosts[1]!.agent.routes, undefined);
  });
}

test('norouter plan shows proxies and routes on each host\'s line', () => {
  const text = formatPlanText(compile(manifest(false), { self: ['norouter'] }));
  assert.match(text, /^# laptop \(127\.0\.42\.100; http proxy 127\.0\.0\.1:18080, socks proxy \[::1\]:1080, no loopback VIPs, route 10\.0\.0\.0\/8 \*\.internal via bastion\)$/m);
  assert.match(text, /^# bastion \(127\.0\.42\.102; dials routes 10\.0\.0\.0\/8 \*\.internal\)$/m);
  assert.match(text, / --http-proxy 127\.0\.0\.1:18080 --socks-proxy '\[::1\]:1080' --no-loopback --route '127\.0\.42\.102=10\.0\.0\.0\/8,\*\.internal' --dns-domain|--dns-name laptop=127\.0\.42\.100/);
});

test('bad flags are reported, every one', () => {
  const r = buildAgentConfig('127.0.42.100', [], [], {}, { http: '127.0.0.1', socks: 'x:1', routes: ['web=10.0.0.0/8', '127.0.0.2=10.0.0.1/8'] });
  assert.equal(r.ok, false);
  assert.equal(r.ok ? 0 : r.byFlag.length, 4);
});

test('route patterns and listen addresses', () => {
  assert.deepEqual(parseRoutePattern('10.1.2.3').ok && parseRoutePattern('10.1.2.3'), { ok: true, value: { kind: 'cidr', text: '10.1.2.3', net: 0x0a010203, prefix: 32 } });
  assert.equal(parseRoutePattern('0.0.0.0/0').ok, true);
  assert.equal(parseRoutePattern('1.2.3/8').ok, false);
  assert.equal(parseRoutePattern('a..b').ok, false);
  assert.deepEqual(parseListenAddress('[::1]:1080'), { ok: true, value: { host: '::1', port: 1080 } });
  assert.deepEqual(parseListenAddress('localhost:3128'), { ok: true, value: { host: 'localhost', port: 3128 } });
  assert.equal(parseListenAddress('example.com:80').ok, false);
});
