/**
 * `validate FILE` printed `FILE: ok` with the file name as it is: a name holding an escape
 * sequence reached the terminal raw. It is shown escaped, like the file names in diagnostics.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';

test('validate shows a file name with control characters escaped', () => {
  const dir = mkdtempSync(join(tmpdir(), 'norouter-name-'));
  try {
    const file = join(dir, 'a\x1b[2Jb.yaml');
    writeFileSync(file, 'hosts:\n  a:\n    vip: "127.0.42.100"\n');
    const r = spawnSync(process.execPath, [resolve('dist/norouter.cjs'), 'validate', file], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /\x1b/);
    assert.match(r.stdout, /a\\x1b\[2Jb\.yaml: ok \(1 host\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
