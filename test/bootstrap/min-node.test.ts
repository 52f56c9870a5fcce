// One minimum Node version for every route: the single-file CLI once ran on Node 18 while the
// bootstrap refused it. Now the CLI checks first, with the bootstrap's message and status.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI_PATH, run } from '../helpers/processes.js';
import { EXIT_NODE_TOO_OLD, MIN_NODE_TEXT } from '../../src/bootstrap/constants.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { engines: { node: string } };

test('package.json engines and the bootstrap minimum are one version', () => {
  assert.equal(pkg.engines.node, `>=${MIN_NODE_TEXT}`);
});

test('the single-file CLI on an older node: one line naming the version and path, status 78', async () => {
  // This machine has one node: a preload makes it report an older version, which is what the
  // check reads (process.versions.node).
  const dir = mkdtempSync(join(tmpdir(), 'nrt-minnode-'));
  try {
    const fake = join(dir, 'old.cjs');
    writeFileSync(fake, "Object.defineProperty(process.versions, 'node', { value: '18.19.0' });\n");
    const r = await run([process.execPath, '-r', fake, CLI_PATH, '--version']);
    assert.equal(r.code, EXIT_NODE_TOO_OLD);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, `norouter: node v18.19.0 (${process.execPath}) is too old: norouter needs Node.js >= ${MIN_NODE_TEXT}\n`);
    const ok = await run([process.execPath, CLI_PATH, '--version']);
    assert.equal(ok.code, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
