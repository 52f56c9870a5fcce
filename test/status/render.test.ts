/**
 * What `status`, `top` and `run`'s reprinted summary draw (src/status/render-*.ts): text a host
 * or an agent controls reaches the terminal escaped; columns line up whatever the colours; top
 * fits the terminal it is given.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PROTO_UDP } from '../../src/protocol/index.js';
import { Accounting } from '../../src/status/accounting.js';
import { renderStatus } from '../../src/status/render-status.js';
import { renderSummary } from '../../src/status/render-summary.js';
import { renderTop, sparkline } from '../../src/status/render-top.js';
import { visibleLength } from '../../src/status/paint.js';

const HOSTILE = '\x1b]0;pwned\x07\x1b[2J\r\nnorouter: forged';

function snapshot() {
  const acct = new Accounting({ manifest: `/m${HOSTILE}.yaml`, version: 'test' });
  acct.plan([{ name: 'web', vip: '127.0.42.1' }, { name: 'db', vip: '127.0.42.2' }]);
  acct.starting('web');
  acct.up('web');
  acct.listening('web', [{ listen: `127.0.42.2:5432${HOSTILE}`, error: `EADDRINUSE${HOSTILE}` }]);
  acct.starting('db');
  acct.down('db', `agent exited with status 1: ${HOSTILE}`);
  acct.reloaded(`SIGHUP${HOSTILE}`, 'invalid');
  return acct.snapshot(true);
}

test('status, top and the summary escape what hosts and agents wrote', () => {
  const s = snapshot();
  for (const [what, text] of [
    ['status', renderStatus(s, { colour: true })],
    ['top', renderTop([s], { width: 200, height: 60, colour: true, unicode: true }).join('\n')],
    ['summary', renderSummary(s, true, 'a host changed state')],
  ] as const) {
    assert.doesNotMatch(text, /\x07|\x1b\]|\x1b\[2J|\r/, what);
    assert.ok(!text.split('\n').some((l) => l.startsWith('norouter: forged')), `${what}: no forged line`);
    assert.match(text, /\\x1b\]0;pwned/, `${what}: shown, escaped`);
  }
});

test('columns line up by what shows on screen, colours or not', () => {
  const s = snapshot();
  for (const colour of [false, true]) {
    const lines = renderStatus(s, { colour }).split('\n');
    const rows = lines.filter((l) => /^\s+(HOST|web|db|total)\b/.test(l.replace(/\x1b\[[0-9;]*m/g, '')));
    const plain = rows.map((l) => l.replace(/\x1b\[[0-9;]*m/g, ''));
    const restarts = plain.map((l) => l.indexOf('RESTARTS') >= 0 ? l.indexOf('RESTARTS') + 'RESTARTS'.length : -1);
    assert.ok(restarts[0]! > 0);
    // The RESTARTS column is right-aligned: each row's number ends where the heading ends.
    for (const l of plain.slice(1)) assert.match(l.slice(restarts[0]! - 1, restarts[0]!), /\d/, `${colour}: ${l}`);
  }
});

test('top fits the terminal: no line wider, no more lines than it has', () => {
  const s = snapshot();
  for (const [width, height] of [[80, 24], [40, 10], [120, 40]] as const) {
    const lines = renderTop([s], { width, height, colour: true, unicode: true });
    assert.ok(lines.length <= height, `${width}x${height}: ${lines.length} lines`);
    for (const l of lines) assert.ok(visibleLength(l) <= width, `${width}x${height}: ${JSON.stringify(l)}`);
  }
});

test('sparkline: the last minute scaled to its peak, ASCII where the terminal is not UTF-8', () => {
  assert.equal(sparkline([0, 1, 2, 4, 8], 5, true), ' ▁▂▄█');
  assert.equal(sparkline([8], 3, false), '  @');
  assert.equal(sparkline([], 3, true), '   ');
});

test('status lists a host\'s discovered ports with how long each has been published, at most six', () => {
  let now = Date.parse('2026-12-05T10:00:00Z');
  const acct = new Accounting({ manifest: '/m.yaml', version: 'test', now: () => now });
  acct.plan([{ name: 'web', vip: '127.0.42.1' }]);
  acct.starting('web');
  acct.up('web');
  const since = now;
  acct.discovered = (host) => (host === 'web' ? [8080, 8081, 8082, 8083, 8084, 8085, 9000].map((port, i) => ({ port, host: i ? '::1' : '127.0.0.1', since: since + i * 1000 })) : []);
  now += 125_000;
  const s = acct.snapshot();
  assert.deepEqual(s.hosts[0]?.discovered[0], { port: 8080, proto: 'tcp', dialled: '127.0.0.1', since: '2026-12-05T10:00:00.000Z' });
  assert.match(renderStatus(s, { colour: false }), /discovered: 8080 \(2m05s\), 8081 \(2m04s\), 8082 \(2m03s\), 8083 \(2m02s\), 8084 \(2m01s\), 8085 \(2m00s\), \+1 more/);
  // A discovered UDP port (docs/discovery.md, "UDP") is marked as such.
  acct.discovered = () => [{ port: 7300, proto: 'udp', host: '127.0.0.1', since }];
  assert.deepEqual(acct.snapshot().hosts[0]?.discovered[0]?.proto, 'udp');
  assert.match(renderStatus(acct.snapshot(), { colour: false }), /discovered: 7300\/udp \(2m05s\)/);
});

test('UDP: a note in status (datagrams each way, flows, drops by kind) and a column in top, only for a mesh that carries datagrams', () => {
  const acct = new Accounting({ manifest: '/m.yaml', version: 'test' });
  acct.plan([{ name: 'web', vip: '127.0.42.1' }, { name: 'db', vip: '127.0.42.2' }]);
  const plain = (t: string) => t.replace(/\x1b\[[0-9;]*m/g, '');
  assert.doesNotMatch(renderStatus(acct.snapshot(), { colour: false }), /udp:/);
  assert.doesNotMatch(renderTop([acct.snapshot(true)], { width: 200, height: 40, colour: false, unicode: false }).join('\n'), /DGRAMS/);
  for (let i = 0; i < 3; i++) acct.datagram({ srcIP: 0x7f002a01, srcPort: 5000, dstIP: 0x7f002a02, dstPort: 53, proto: PROTO_UDP, flags: 0, payload: Buffer.alloc(10) });
  acct.datagramDrops = () => new Map([['web', new Map([['host-down', 2]])]]);
  acct.agentCounters('web', { dns: { answered: 0, relayed: 0, dropped: 0 }, udp: { dropped: { 'flow-limit': 5 }, flows: { clients: 1, targets: 0 } } });
  const status = plain(renderStatus(acct.snapshot(), { colour: true }));
  assert.match(status, /^\s+web\s.*udp: 3 out, 0 in, 1 flow, 7 dropped \(2 × host-down, 5 × flow-limit\)$/m);
  assert.match(status, /^\s+db\s.*udp: 0 out, 3 in$/m);
  const top = renderTop([acct.snapshot(true)], { width: 200, height: 40, colour: false, unicode: false });
  assert.ok(top.some((l) => /3 datagrams \(7 dropped\)/.test(l)), top.join('\n'));
  assert.ok(top.some((l) => /^\s+web\s.*\s3\/7(\s|$)/.test(l)), top.join('\n'));
});
