// Port discovery's flags both ways, and the IPv6 connect host of a forward (`[::1]`), which
// discovery needs for servers listening on ::1 or :: alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildAgentConfig, formatAgentArgs, formatForward, parseForward } from '../../src/plan/agent-args.js';
import { ADMIN_PORTS, describeDiscover, discoverAllows, formatRanges, parseRanges } from '../../src/plan/discover-args.js';

test('ranges: parsed and formatted both ways; bad ones say why', () => {
  assert.deepEqual(parseRanges('80,443,8000-8999'), { ok: true, value: [[80, 80], [443, 443], [8000, 8999]] });
  assert.equal(formatRanges([[80, 80], [8000, 8999]]), '80,8000-8999');
  assert.deepEqual(parseRanges(''), { ok: true, value: [] });
  assert.deepEqual(parseRanges('9-8'), { ok: false, error: '"9-8" is not a range: 9 is above 8' });
  assert.deepEqual(parseRanges('1-70000'), { ok: false, error: '"70000" in "1-70000" is not a port number (1-65535)' });
  assert.deepEqual(parseRanges('80,,81'), { ok: false, error: '"" is not a port or a range LOW-HIGH' });
});

test('the filter: in include and not in exclude; the administrative list covers 22', () => {
  const d = { include: [[1, 65535] as [number, number]], exclude: [...ADMIN_PORTS] };
  assert.equal(discoverAllows(d, 22), false);
  assert.equal(discoverAllows(d, 2376), false);
  assert.equal(discoverAllows(d, 8080), true);
  assert.equal(discoverAllows({ include: [[22, 22]], exclude: [] }, 22), true);
  assert.equal(discoverAllows({ include: [[8000, 8999]], exclude: [[8500, 8500]] }, 8500), false);
  assert.equal(describeDiscover({ include: [[8000, 8999]], exclude: [[8500, 8500]] }), 'discovers ports 8000-8999 except 8500');
});

test('--discover and --discover-exclude round-trip through the command line', () => {
  const config = { me: '127.0.42.101', forwards: [], others: [], discover: { include: [[1, 65535]] as [number, number][], exclude: [[22, 22], [8000, 8999]] as [number, number][] } };
  const args = formatAgentArgs(config);
  assert.deepEqual(args, ['internal', 'agent', '--me', '127.0.42.101', '--discover', '1-65535', '--discover-exclude', '22,8000-8999']);
  const built = buildAgentConfig('127.0.42.101', [], [], {}, {}, undefined, { include: '1-65535', exclude: '22,8000-8999' });
  assert.deepEqual(built, { ok: true, value: config });
  const bad = buildAgentConfig('127.0.42.101', [], [], {}, {}, undefined, { include: '1-x', exclude: '5-4' });
  assert.equal(bad.ok, false);
  assert.deepEqual(bad.ok ? [] : bad.byFlag.map((p) => `${p.path}: ${p.message}`), ['--discover: "1-x" is not a port or a range LOW-HIGH', '--discover-exclude: "5-4" is not a range: 5 is above 4']);
  const orphan = buildAgentConfig('127.0.42.101', [], [], {}, {}, undefined, { exclude: '22' });
  assert.deepEqual(orphan.ok ? [] : orphan.byFlag.map((p) => `${p.path}: ${p.message}`), ['--discover-exclude: needs --discover']);
});

test('a forward to an IPv6 address is written in brackets and read back', () => {
  const f = { listenPort: 8080, connectHost: '::1', connectPort: 80, proto: 'tcp' as const };
  assert.equal(formatForward(f), '8080:[::1]:80/tcp');
  assert.deepEqual(parseForward('8080:[::1]:80/tcp'), { ok: true, value: f });
  assert.deepEqual(parseForward('8080:[fd00::1:2]:80'), { ok: true, value: { ...f, connectHost: 'fd00::1:2' } });
  assert.deepEqual(buildAgentConfig('127.0.42.101', ['8080:[::1]:80/tcp'], []), { ok: true, value: { me: '127.0.42.101', forwards: [f], others: [] } });
  assert.equal(parseForward('8080:[zz]:80').ok, false);
  assert.equal(parseForward('8080:::1:80').ok, false);
  assert.equal(parseForward('8080:[127.0.0.1]:80').ok, false);
});

test('--discover-udp round-trips; without --discover it is refused; the plan\'s heading says TCP and UDP', () => {
  const config = { me: '127.0.42.101', forwards: [], others: [], discover: { include: [[7000, 7999]] as [number, number][], exclude: [], udp: true as const } };
  const args = formatAgentArgs(config);
  assert.deepEqual(args.slice(-3), ['--discover', '7000-7999', '--discover-udp']);
  assert.deepEqual(buildAgentConfig('127.0.42.101', [], [], {}, {}, undefined, { include: '7000-7999', udp: true }), { ok: true, value: config });
  const orphan = buildAgentConfig('127.0.42.101', [], [], {}, {}, undefined, { udp: true });
  assert.deepEqual(orphan.ok ? [] : orphan.byFlag.map((p) => `${p.path}: ${p.message}`), ['--discover-udp: needs --discover']);
  assert.equal(describeDiscover(config.discover), 'discovers TCP and UDP ports 7000-7999');
});
