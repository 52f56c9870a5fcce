// docs/protocol.md §12: dist/norouter.cjs is the whole CLI. Copied alone into an empty directory
// (no node_modules beside it or above it), it runs with plain node.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI_PATH, run } from '../helpers/processes.js';
import { isSingleFileCli, readSingleFileCli } from '../../src/bootstrap/payload.js';

test('the single file runs alone, from a directory without node_modules', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nrt-single-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'norouter.cjs');
  copyFileSync(CLI_PATH, file);
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir };
  const version = await run([process.execPath, file, '--version'], { cwd: dir, env });
  assert.equal(version.code, 0, version.stderr);
  assert.equal(version.stdout, `${JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version}\n`);
  // A command that loads the parser, the validator and the compiler.
  const example = await run([process.execPath, file, 'show-example'], { cwd: dir, env });
  assert.equal(example.code, 0, example.stderr);
  assert.match(example.stdout, /hosts:/);
});

test('readSingleFileCli knows the build from anything else', () => {
  assert.ok(isSingleFileCli(readFileSync(CLI_PATH)));
  assert.equal(readSingleFileCli(CLI_PATH).path, CLI_PATH);
  assert.throws(() => readSingleFileCli(new URL(import.meta.url).pathname), /is not the single-file norouter build/);
  assert.throws(() => readSingleFileCli('/nonexistent/norouter.cjs'), /cannot read the single-file norouter/);
});
