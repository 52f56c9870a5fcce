// `--keepalive INTERVAL_MS,TIMEOUT_MS`, formatted by compile and parsed by
// `internal agent`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildAgentConfig, formatAgentArgs } from '../../src/plan/agent-args.js';
import { formatKeepaliveArgs, keepaliveFromSeconds, parseKeepalive } from '../../src/plan/keepalive-args.js';
import type { AgentConfig } from '../../src/plan/types.js';

test('seconds become whole milliseconds; a value left out is the protocol default', () => {
  assert.deepEqual(keepaliveFromSeconds(0.2, 1), { intervalMs: 200, timeoutMs: 1000 });
  assert.deepEqual(keepaliveFromSeconds(0.0504, 0.1), { intervalMs: 50, timeoutMs: 100 });
  assert.deepEqual(keepaliveFromSeconds(undefined, 60), { intervalMs: 10_000, timeoutMs: 60_000 });
  assert.deepEqual(keepaliveFromSeconds(2, undefined), { intervalMs: 2000, timeoutMs: 45_000 });
});

test('the flag is written only when set, and parses back', () => {
  assert.deepEqual(formatKeepaliveArgs(undefined), []);
  const k = { intervalMs: 200, timeoutMs: 1000 };
  const words = formatKeepaliveArgs(k);
  assert.deepEqual(words, ['--keepalive', '200,1000']);
  assert.deepEqual(parseKeepalive(words[1] ?? ''), { ok: true, value: k });
  assert.deepEqual(parseKeepalive('100,200'), { ok: true, value: { intervalMs: 100, timeoutMs: 200 } });
});

test('a malformed or unworkable flag is an error', () => {
  for (const text of ['', '200', '200,', '200,1000,5', '0.2,1', '-1,5', '200ms,1000', ' 200,1000']) {
    const r = parseKeepalive(text);
    assert.equal(r.ok, false, text);
    assert.match(r.ok ? '' : r.error, /INTERVAL_MS,TIMEOUT_MS/, text);
  }
  assert.deepEqual(parseKeepalive('0,100'), { ok: false, error: 'the interval must be at least 1 ms' });
  assert.match(JSON.stringify(parseKeepalive('200,399')), /at least 2 × the interval/);
});

test('formatAgentArgs puts --keepalive after the forwards, and the --other words stay last', () => {
  const config: AgentConfig = {
    me: '127.0.42.101',
    forwards: [{ listenPort: 8080, connectHost: '127.0.0.1', connectPort: 80, proto: 'tcp' }],
    others: [{ vip: '127.0.42.102', port: 8080, proto: 'tcp' }],
    keepalive: { intervalMs: 200, timeoutMs: 1000 },
  };
  const args = formatAgentArgs(config);
  assert.deepEqual(args, [
    'internal', 'agent', '--me', '127.0.42.101', '--forward', '8080:127.0.0.1:80/tcp', '--keepalive', '200,1000', '--other', '127.0.42.102:8080/tcp',
  ]);
  const parsed = buildAgentConfig('127.0.42.101', ['8080:127.0.0.1:80/tcp'], ['127.0.42.102:8080/tcp'], {}, {}, '200,1000');
  assert.deepEqual(parsed, { ok: true, value: config });
});

test('buildAgentConfig names a bad --keepalive among every other problem, and leaves it out when not given', () => {
  const r = buildAgentConfig('x', [], [], {}, {}, '1000,1500');
  assert.equal(r.ok, false);
  assert.deepEqual(r.ok ? [] : r.byFlag.map((p) => p.path), ['--me', '--keepalive 1000,1500']);
  const none = buildAgentConfig('127.0.42.101', [], []);
  assert.ok(none.ok && !('keepalive' in none.value));
});
