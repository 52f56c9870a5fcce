// Regression: a reload opened the manifest with a plain open(), and a manifest replaced by a FIFO
// (or a device) blocked that open in a threadpool thread for good: every later reload queued
// behind it and the process could not exit. These check each kind of path the reload may meet,
// with real files, a real FIFO and a real device; every call must settle (a deadline turns a
// hang into a failure).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readForReload } from '../../src/watch/bounded-read.js';
import { readManifestFile } from '../../src/manifest/read.js';
import { run, which } from '../helpers/processes.js';
import { withTimeout } from '../helpers/wait.js';

const noMkfifo = which('mkfifo') ? undefined : '`mkfifo` is not installed';

function scratch(): { dir: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'norouter-bounded-read-'));
  return { dir, done: () => rmSync(dir, { recursive: true, force: true }) };
}

test('a regular file is read; a missing one is missing (mid-save), not an error', async () => {
  const { dir, done } = scratch();
  try {
    writeFileSync(join(dir, 'm.yaml'), 'hosts: {}\n');
    assert.deepEqual(await readForReload(join(dir, 'm.yaml')), { kind: 'text', text: 'hosts: {}\n' });
    assert.deepEqual(await readForReload(join(dir, 'gone.yaml')), { kind: 'missing' });
    symlinkSync(join(dir, 'm.yaml'), join(dir, 'link.yaml'));
    assert.deepEqual(await readForReload(join(dir, 'link.yaml')), { kind: 'text', text: 'hosts: {}\n' }, 'a symlink to a file (a ConfigMap) is followed');
  } finally {
    done();
  }
});

test('a FIFO, a directory and a device are refused with their kind, at once', { skip: noMkfifo }, async () => {
  const { dir, done } = scratch();
  try {
    await run(['mkfifo', join(dir, 'fifo')]);
    mkdirSync(join(dir, 'dir'));
    for (const [path, kind] of [[join(dir, 'fifo'), 'a FIFO \\(named pipe\\)'], [join(dir, 'dir'), 'a directory'], ['/dev/zero', 'a character device']] as const) {
      const got = await withTimeout(readForReload(path), 10_000, `readForReload(${path})`);
      assert.equal(got.kind, 'refused', path);
      assert.match(got.kind === 'refused' ? got.message : '', new RegExp(`^cannot read manifest ".*": it is ${kind}, not a regular file$`));
    }
  } finally {
    done();
  }
});

// The type check and the open are two steps: a FIFO swapped in between must not block the open.
test('the open itself never blocks on a FIFO: the descriptor is checked too', { skip: noMkfifo }, async () => {
  const { dir, done } = scratch();
  try {
    await run(['mkfifo', join(dir, 'fifo')]);
    await assert.rejects(withTimeout(readManifestFile(join(dir, 'fifo')), 10_000, 'readManifestFile(FIFO)'), /it is a FIFO/);
  } finally {
    done();
  }
});
