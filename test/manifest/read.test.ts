import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManifestReadError } from '../../src/manifest/errors.js';
import { readManifestFile } from '../../src/manifest/read.js';
import { MAX_MANIFEST_BYTES } from '../../src/parse/parse-yaml.js';

const dir = mkdtempSync(join(tmpdir(), 'norouter-read-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

async function readError(path: string): Promise<ManifestReadError> {
  const error: unknown = await readManifestFile(path).then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof ManifestReadError);
  return error;
}

test('reads a file', async () => {
  writeFileSync(join(dir, 'm.yaml'), 'hosts: {}\n');
  assert.equal(await readManifestFile(join(dir, 'm.yaml')), 'hosts: {}\n');
});

test('a missing file is MANIFEST_NOT_FOUND with path and cause', async () => {
  const e = await readError(join(dir, 'nope.yaml'));
  assert.equal(e.code, 'MANIFEST_NOT_FOUND');
  assert.equal(e.path, join(dir, 'nope.yaml'));
  assert.equal((e.cause as NodeJS.ErrnoException).code, 'ENOENT');
  assert.match(e.message, /cannot read manifest ".*nope\.yaml": no such file/);
});

test('a directory is MANIFEST_IS_DIRECTORY', async () => {
  assert.equal((await readError(dir)).code, 'MANIFEST_IS_DIRECTORY');
});

test('an unreadable file is MANIFEST_ACCESS_DENIED', async () => {
  const path = join(dir, 'secret.yaml');
  writeFileSync(path, 'x');
  chmodSync(path, 0o000);
  if (process.getuid?.() !== 0) {
    assert.equal((await readError(path)).code, 'MANIFEST_ACCESS_DENIED');
    return;
  }
  // Root reads every file: check through the real CLI run as an unprivileged user instead.
  chmodSync(dir, 0o755);
  const cli = new URL('../../dist/norouter.cjs', import.meta.url).pathname;
  const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, cli, 'validate', path], {
    encoding: 'utf8',
    env: { ...process.env, HOME: '/nonexistent' },
  });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /error\[MANIFEST_ACCESS_DENIED\]: cannot read manifest ".*secret\.yaml": permission denied/);
});

test('reads at most one byte past the limit, so huge files stay cheap', async () => {
  const path = join(dir, 'big.yaml');
  writeFileSync(path, Buffer.alloc(MAX_MANIFEST_BYTES + 4096, 0x61));
  assert.equal((await readManifestFile(path)).length, MAX_MANIFEST_BYTES + 1);
});
