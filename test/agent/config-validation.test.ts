import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { once } from 'node:events';
import { buildAgentConfig, formatAgentArgs } from '../../src/plan/agent-args.js';
import { MAX_CONFIG_LIST, agentConfigProblems, controlPayload, decodeControl, encodeControl, makeHello, FEATURES, PROTOCOL_VERSION } from '../../src/protocol/index.js';
import type { AgentConfig } from '../../src/plan/types.js';
import { spawnCli } from '../helpers/processes.js';
import { freePort } from './helpers.js';
import { waitFor } from '../helpers/wait.js';

/** Whether ME:port accepts a connection now. */
async function dialOnce(port: number): Promise<boolean> {
  const s = connect(port, ME);
  const ok = await Promise.race([once(s, 'connect').then(() => true), once(s, 'error').then(() => false)]);
  s.destroy();
  return ok;
}

const ME = '127.0.42.211';
const OTHER = '127.0.42.212';
const fwd = (listenPort: number, connectHost = '127.0.0.1', connectPort = 80) => ({ listenPort, connectHost, connectPort, proto: 'tcp' as const });
const base = (over: Partial<AgentConfig>): AgentConfig => ({ me: ME, forwards: [], others: [], ...over });

/**
 * Guards against the agent's configuration having two validators: the command line refused
 * duplicate ports and non-strict IPv4 addresses while a CONFIG from the router (docs/protocol.md
 * §4.3) only checked the shape, so anything speaking on the agent's stdin could install what the
 * command line refuses. Each case is refused by both paths with the same problems.
 */
const expressible: [string, AgentConfig, string[]][] = [
  ['duplicate forward ports', base({ forwards: [fwd(8080), fwd(8080, 'db', 5432)] }), ['forwards[1].listenPort']],
  ['a forward port an --other also takes', base({ forwards: [fwd(8080)], others: [{ vip: ME, port: 8080, proto: 'tcp' }] }), ['others[0].port']],
  ['the same --other twice', base({ others: [{ vip: OTHER, port: 22, proto: 'tcp' }, { vip: OTHER, port: 22, proto: 'tcp' }] }), ['others[1].port']],
  ['octal-looking --me', base({ me: '127.0.042.1' }), ['me']],
  ['--me above 255', base({ me: '300.1.1.1' }), ['me']],
  ['octal-looking --other', base({ others: [{ vip: '127.0.042.1', port: 22, proto: 'tcp' }] }), ['others[0].vip']],
  ['connect host 300.1.1.1', base({ forwards: [fwd(8080, '300.1.1.1')] }), ['forwards[0].connectHost']],
  ['connect host not a name', base({ forwards: [fwd(8080, 'a_b')] }), ['forwards[0].connectHost']],
  ['listen port 0', base({ forwards: [fwd(0)] }), ['forwards[0].listenPort']],
  ['connect port 65536', base({ forwards: [fwd(8080, 'db', 65536)] }), ['forwards[0].connectPort']],
  ['--other port 70000', base({ others: [{ vip: OTHER, port: 70000, proto: 'tcp' }] }), ['others[0].port']],
  ['sctp', base({ forwards: [{ ...fwd(53), proto: 'sctp' as 'tcp' }] }), ['forwards[0].proto']],
];

function viaCommandLine(config: AgentConfig) {
  const args = formatAgentArgs(config).slice(2);
  const flag = (name: string) => args.flatMap((a, i) => (args[i - 1] === name ? [a] : []));
  const r = buildAgentConfig(flag('--me')[0] ?? '', flag('--forward'), flag('--other'));
  return r.ok ? [] : r.problems;
}

function viaConfig(config: unknown) {
  const r = decodeControl(Buffer.concat([controlPayload({ type: 'config', config: base({}) }).subarray(0, 1), Buffer.from(JSON.stringify(config))]));
  assert.ok(!(r instanceof Error), 'a JSON CONFIG is decoded, not a link error');
  return r.type === 'config-refused' ? r.problems : [];
}

test('every invalid configuration is refused by the command line and by CONFIG with the same problems', () => {
  for (const [what, config, paths] of expressible) {
    const cli = viaCommandLine(config);
    assert.deepEqual(cli.map((p) => p.path), paths, what);
    assert.deepEqual(viaConfig(config), cli, what);
  }
  // The valid base is accepted by both.
  assert.deepEqual(viaCommandLine(base({ forwards: [fwd(8080)], others: [{ vip: OTHER, port: 8080, proto: 'tcp' }] })), []);
  assert.deepEqual(viaConfig(base({ forwards: [fwd(8080)] })), []);
});

test('CONFIG refuses what no command line can spell: unknown fields, wrong types, oversized lists', () => {
  const cases: [string, unknown, string][] = [
    ['unknown top field', { ...base({}), extra: 1 }, 'extra'],
    ['unknown forward field', base({ forwards: [{ ...fwd(80), bind: '0.0.0.0' } as never] }), 'forwards[0].bind'],
    ['me a number', { ...base({}), me: 2130706433 }, 'me'],
    ['port a string', base({ forwards: [{ ...fwd(80), listenPort: '80' as never }] }), 'forwards[0].listenPort'],
    ['port not whole', base({ forwards: [fwd(80.5)] }), 'forwards[0].listenPort'],
    ['forwards not a list', { ...base({}), forwards: {} }, 'forwards'],
    ['others missing', { me: ME, forwards: [] }, 'others'],
    ['too many others', base({ others: Array.from({ length: MAX_CONFIG_LIST + 1 }, () => ({ vip: OTHER, port: 1, proto: 'tcp' as const })) }), 'others'],
    ['dns name vip octal', base({ dns: { etcHosts: false, names: [{ name: 'a', vip: '10.0.0.01' }] } }), 'dns.names[0].vip'],
    ['noLoopback false', { ...base({}), noLoopback: false }, 'noLoopback'],
  ];
  for (const [what, config, path] of cases) {
    const problems = agentConfigProblems(config);
    assert.deepEqual(problems.map((p) => p.path), [path], what);
    assert.deepEqual(viaConfig(config), problems, what);
    for (const p of problems) assert.ok(p.message.length > 0 && !p.message.includes('\n'), what);
  }
});

/**
 * Guards against an invalid CONFIG changing the agent's configuration: the agent refuses it with
 * a logged reason and keeps serving its old listeners (docs/protocol.md §4.3).
 */
test('a real agent process refuses a bad CONFIG, logs why, and keeps its listeners', async () => {
  const port = await freePort(ME);
  const agent = spawnCli(['internal', 'agent', '--me', ME, '--forward', `${port}:127.0.0.1:9/tcp`]);
  try {
    agent.child.stdin!.write(encodeControl({ type: 'hello', hello: { ...makeHello('router', ME, '0.0.0-test', FEATURES), protocol: PROTOCOL_VERSION } }));
    await waitFor(() => dialOnce(port), { timeoutMs: 10_000, what: `the agent listening on ${ME}:${port}` });
    // Would withdraw the forward and listen twice on one address: refused as a whole.
    const bad = base({ others: [{ vip: OTHER, port: 22, proto: 'tcp' }, { vip: OTHER, port: 22, proto: 'tcp' }] });
    agent.child.stdin!.write(encodeControl({ type: 'config', config: bad }));
    const line = await agent.waitForLine(/configuration refused/, 10_000);
    assert.match(line, /others\[1\]\.port: listen address 127\.0\.42\.212:22 is already taken by others\[0\]\.port/);
    assert.equal(agent.running, true);
    assert.equal(await dialOnce(port), true, 'the forward is still served');
    assert.ok(!agent.lines.some((l) => /stopped listening|configuration reloaded/.test(l.text)), agent.tail());
  } finally {
    await agent.stop();
  }
});
