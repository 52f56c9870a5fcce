/**
 * Diagnostics were plain text on a terminal while `--help` was coloured. They are coloured when
 * stderr is a terminal (and NO_COLOR is unset), and plain when piped, as compilers do.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { Terminal, TMUX_SKIP } from './tmux.js';

const CLI = resolve('dist/norouter.cjs');

function badManifest(): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'norouter-colour-'));
  const file = join(dir, 'bad.yaml');
  writeFileSync(file, 'hosts:\n  a:\n    vip: "127.0.42.300"\n');
  return { dir, file };
}

test('validate colours its diagnostics on a terminal, not when piped or with NO_COLOR', { skip: TMUX_SKIP }, async () => {
  const { dir, file } = badManifest();
  const plain = new Terminal([process.execPath, CLI, 'validate', file], { NO_COLOR: '1' });
  const coloured = new Terminal([process.execPath, CLI, 'validate', file]);
  try {
    assert.equal(await coloured.exitStatus(20_000), 1);
    assert.match(coloured.screen({ escapes: true }), /\x1b\[[0-9;]*31m.*error/);
    assert.equal(await plain.exitStatus(20_000), 1);
    const screen = plain.screen({ escapes: true });
    assert.match(screen, /error\[/);
    assert.doesNotMatch(screen, /\x1b\[[0-9;]*31m/);
    const piped = spawnSync(process.execPath, [CLI, 'validate', file], { encoding: 'utf8' });
    assert.equal(piped.status, 1);
    assert.match(piped.stderr, /error\[/);
    assert.doesNotMatch(piped.stderr, /\x1b/);
  } finally {
    coloured.close();
    plain.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
