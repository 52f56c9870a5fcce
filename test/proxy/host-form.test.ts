// Regression (docs/protocol.md §13.1): the proxy checked `010.0.0.1` as 10.0.0.1 (inside a
// 10.0.0.0/8 route) while the via host's getaddrinfo dialled 8.0.0.1; and with a glob that
// matches digits, `127.1`, `0x7f.1` or `2130706433` were "names" that the via host's resolver
// read as its own 127.0.0.1. Every spelling is now read once, as inet_aton reads it, and the
// real C resolver is the oracle: whatever it reads as an address, we read as the same address
// or refuse; nothing it reads as an address is ever handed to it as a name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostForm, parseInetAton } from '../../src/proxy/host-form.js';
import { ipToString } from '../../src/protocol/index.js';
import { run, which } from '../helpers/processes.js';

/** Every spelling we could think of: octal, hex, short forms, padding, overflow, dots, case. */
const SPELLINGS = [
  '127.0.0.1', '010.0.0.1', '0177.0.0.1', '0x7f.1', '0X7F.0.0.1', '0x7f.0x0.0x0.0x1', '127.1', '127.0.1', '10.1', '0.0.0.0', '0', '0x0',
  '2130706433', '0x7f000001', '017700000001', '4294967295', '4294967296', '0x100000000', '1.256', '1.65536', '1.2.65536', '1.2.3.256',
  '256.0.0.1', '08.0.0.1', '0x', '0x.1', '1.2.3.0x', '1.2.3.4.5', '00000000000000000000000127.0.0.1', `${'0'.repeat(40)}127.0.0.1`,
  '127.0.0.1.', '127.1.', '0x7f.1.', '1..1', '.1.2.3', '127.0.0.01', '0127.0.0.1', '169.254.169.254', '0251.0376.0251.0376', '0xa9fea9fe',
  '2852039166', '10.213.0.200', '10.213.200', '012.0325.0.0310',
];

test('inet_aton forms: our reading agrees with the C resolver (getaddrinfo, AI_NUMERICHOST) on every spelling', async (t) => {
  if (!which('python3')) return t.skip('python3 is not installed (it asks the C library)');
  const script = 'import socket,sys\nfor s in sys.argv[1:]:\n  try: print(socket.getaddrinfo(s,None,socket.AF_INET,0,0,socket.AI_NUMERICHOST)[0][4][0])\n  except Exception: print("-")';
  const r = await run(['python3', '-c', script, ...SPELLINGS]);
  const libc = r.stdout.trim().split('\n');
  assert.equal(libc.length, SPELLINGS.length, r.stderr);
  SPELLINGS.forEach((spelling, i) => {
    const theirs = libc[i];
    const ours = parseInetAton(spelling.endsWith('.') ? spelling.slice(0, -1) : spelling);
    const form = hostForm(spelling);
    // Never a name: a resolver must not see it as text.
    assert.notEqual(form.kind, 'name', `${spelling} must not be passed on as a name`);
    if (theirs !== '-') {
      assert.equal(ours === undefined ? '-' : ipToString(ours), theirs, `${spelling}: the resolver reads ${theirs}`);
      assert.deepEqual(form, { kind: 'ipv4', ip: ours }, spelling);
    } else if (!spelling.endsWith('.')) {
      // A trailing dot is the one place we read an address where the resolver reads a name (and
      // we then dial the address we read, never the name): elsewhere we refuse what it refuses.
      assert.equal(form.kind, 'bad', `${spelling}: the resolver reads nothing, so must we`);
    }
  });
});

test('names: lower case, without the final dot; IPv6 literals and anything else are not names', () => {
  assert.deepEqual(hostForm('DB-1.Prod.Internal.'), { kind: 'name', name: 'db-1.prod.internal' });
  assert.deepEqual(hostForm('my_service'), { kind: 'name', name: 'my_service' });
  assert.deepEqual(hostForm('1e100.net'), { kind: 'name', name: '1e100.net' });
  assert.deepEqual(hostForm('LOCALHOST'), { kind: 'name', name: 'localhost' });
  for (const v6 of ['::1', '[::1]', '::ffff:127.0.0.1', 'fe80::1%eth0', 'fe80::1%25eth0']) assert.equal(hostForm(v6).kind, 'ipv6', v6);
  for (const bad of ['', '.', '%31%32%37.0.0.1', 'local%68ost', 'a..b', 'a b', 'a/b', 'a@b', 'é.example', 'x\x1b[2J', '*.internal', `${'a'.repeat(64)}.x`, `${'a.'.repeat(127)}a`]) {
    assert.equal(hostForm(bad).kind, 'bad', JSON.stringify(bad));
  }
  assert.match(hostForm('%7f.0.0.1').kind === 'bad' ? (hostForm('%7f.0.0.1') as { why: string }).why : '', /percent-encoded/);
});
