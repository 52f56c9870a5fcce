// Regression: a manifest holding `ESC [2J` cleared the screen when validated (its excerpt reached
// the terminal raw), and a binary file was reported as "must be a mapping, found a string". Both
// through the real CLI, as a user meets them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const cli = new URL('../../dist/norouter.cjs', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'norouter-cli-output-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd: dir });

test('validate and plan never send a control character of the manifest to the terminal', () => {
  const hostile = 'hosts:\n  "a\x1b[2J\x1b]0;pwned\x07\r\x9b2J":\n    vip: "127.0.42.1\x1b[31m"\n  b:\n    vip: 127.0.42.2\n    cmd: "x\x1b[2J $HOME"\n';
  writeFileSync(join(dir, 'esc.yaml'), hostile);
  for (const command of ['validate', 'plan']) {
    const r = run(command, 'esc.yaml');
    assert.equal(r.status, 1, r.stderr);
    assert.doesNotMatch(r.stderr + r.stdout, /[\x00-\x08\x0b-\x1f\x7f-\x9f]/, `${command} printed a control character`);
    assert.match(r.stderr, /esc\.yaml:2:3: error\[E302\]: host name "a\\u001b\[2J/);
    assert.match(r.stderr, / {2}2 \| {3}"a\\x1b\[2J\\x1b\]0;pwned\\x07\\r\\x9b2J":/);
  }
});

test('a binary file is "not a text file", with where', () => {
  writeFileSync(join(dir, 'bin.yaml'), Buffer.from([0x68, 0x6f, 0x73, 0x74, 0x73, 0x3a, 0x0a, 0xff, 0xd8, 0x00, 0x1b]));
  const r = run('validate', 'bin.yaml');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /cannot read manifest "bin\.yaml": not a text file: invalid UTF-8 \(byte 0xff\) at line 2, column 1 \(byte offset 7\)/);
  assert.doesNotMatch(r.stderr, /mapping/);
});
