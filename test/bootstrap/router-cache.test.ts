// The code cache's cleanup (scripts/code-cache-loader.mjs) removed every file of
// ~/.cache/norouter not made by the running build, the router's runtime archive and hashes
// (src/bootstrap/runtime-archive.ts) included: each new build's first run threw away an archive
// that takes seconds to make. It now removes only code caches of other builds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI_PATH, run } from '../helpers/processes.js';

test('a build\'s first run removes other builds\' code caches and keeps the runtime archive', async () => {
  const home = mkdtempSync(join(tmpdir(), 'nrt-cache-'));
  try {
    const dir = join(home, 'norouter');
    mkdirSync(dir);
    writeFileSync(join(dir, 'runtime-0123456789abcdef0123456789abcdef.tar.gz'), 'archive');
    writeFileSync(join(dir, 'runtime-hashes.json'), '[]');
    writeFileSync(join(dir, 'ffffffffffffffff-v20.0.0-x64-plan.v8cache'), 'old');
    const r = await run([process.execPath, CLI_PATH, 'show-example'], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', XDG_CACHE_HOME: home } });
    assert.equal(r.code, 0, r.stderr);
    const names = readdirSync(dir);
    assert.ok(names.includes('runtime-0123456789abcdef0123456789abcdef.tar.gz'), names.join(' '));
    assert.ok(names.includes('runtime-hashes.json'), names.join(' '));
    assert.ok(!names.includes('ffffffffffffffff-v20.0.0-x64-plan.v8cache'), names.join(' '));
    assert.ok(names.some((n) => n.endsWith('-show-example.v8cache')), names.join(' '));
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
