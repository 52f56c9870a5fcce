// Regression: IPv4 was parsed three ways (two regexes in src/plan and ipFromString), and
// ipFromString accepted `127.0.042.1`, which inet_aton-style resolvers read as 127.0.34.1: a value
// checked as one address could be dialled as another. One strict parser now serves them all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatIPv4, ipv4Problem, isIPv4, looksLikeIPv4, parseIPv4 } from '../../src/protocol/ipv4.js';
import { ipFromString } from '../../src/protocol/frame.js';
import { isIPv4 as planIsIPv4, parseForward } from '../../src/plan/agent-args.js';
import { parseDnsFlags } from '../../src/plan/dns-args.js';
import { loadManifest } from '../../src/manifest/load.js';

const GOOD = ['0.0.0.0', '127.0.42.101', '255.255.255.255', '10.0.0.1', '1.2.3.4'];
const BAD = ['127.0.042.1', '01.2.3.4', '300.1.1.1', '256.0.0.1', '127.1', '1.2.3.4.5', '0x7f.0.0.1', '2130706433',
  '1.2.3.', '.1.2.3', '1..2.3', ' 1.2.3.4', '1.2.3.4 ', '1.2.3.+4', '1.2.3.-0', '1.2.3.0004', '١.2.3.4', ''];

test('parseIPv4 takes exactly the strict dotted quads', () => {
  for (const t of GOOD) {
    assert.equal(isIPv4(t), true, t);
    assert.equal(formatIPv4(parseIPv4(t) ?? -1), t);
    assert.equal(ipv4Problem(t), undefined);
  }
  for (const t of BAD) {
    assert.equal(parseIPv4(t), undefined, t);
    assert.equal(typeof ipv4Problem(t), 'string', t);
  }
  assert.equal(parseIPv4('127.0.42.101'), 0x7f002a65);
});

test('ipFromString, the plan and the DNS flags agree with parseIPv4', () => {
  for (const t of [...GOOD, ...BAD]) {
    assert.equal(ipFromString(t), parseIPv4(t), t);
    assert.equal(planIsIPv4(t), isIPv4(t), t);
    const errors: { path: string; message: string }[] = [];
    parseDnsFlags({ port: '53', names: [`h=${t}`] }, errors);
    assert.equal(errors.length === 0, isIPv4(t), t);
  }
});

test('a connect host that looks like an address must be one', () => {
  for (const host of ['300.1.1.1', '127.1', '10.0.0.01', '0x7f000001', '1.2.3.4.5']) {
    assert.equal(looksLikeIPv4(host), true, host);
    const r = parseForward(`8080:${host}:80`);
    assert.equal(r.ok, false, host);
    assert.match(r.ok ? '' : r.error, /is not an IPv4 address/);
  }
  for (const host of ['db.internal', 'host1', '1password.com', 'x.0xff.io', '127.0.0.1']) assert.equal(parseForward(`8080:${host}:80`).ok, true, host);
});

test("the schema's vip pattern takes exactly what parseIPv4 takes", () => {
  for (const t of [...GOOD, ...BAD]) {
    const r = loadManifest(`hosts:\n  a:\n    vip: ${JSON.stringify(t)}\n`, 'm.yaml');
    assert.equal(r.diagnostics.some((d) => d.code === 'E204'), !isIPv4(t), t);
  }
});
