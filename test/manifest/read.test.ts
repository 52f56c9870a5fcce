import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
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

// Regression: `validate FIFO` hung for good, and a watched manifest replaced by a FIFO blocked a
// thread of libuv's pool so that later reloads and SIGTERM never completed: open() of a FIFO
// without a writer blocks. The reader now opens non-blocking and reads regular files only.
test('a FIFO, a device or a socket is MANIFEST_NOT_REGULAR, at once', async (t) => {
  const fifo = join(dir, 'fifo.yaml');
  const made = spawnSync('mkfifo', [fifo]);
  if (made.status !== 0) {
    t.skip('mkfifo is not available');
    return;
  }
  const e = await readError(fifo);
  assert.equal(e.code, 'MANIFEST_NOT_REGULAR');
  assert.match(e.message, /it is a FIFO \(named pipe\), not a regular file/);
  for (const [path, kind] of [['/dev/null', 'a character device'], ['/dev/zero', 'a character device']] as const) {
    const d = await readError(path);
    assert.equal(d.code, 'MANIFEST_NOT_REGULAR');
    assert.match(d.message, new RegExp(`it is ${kind}`));
  }
  const sock = join(dir, 'sock.yaml');
  const server = createServer().listen(sock);
  await once(server, 'listening');
  try {
    const s = await readError(sock);
    assert.equal(s.code, 'MANIFEST_NOT_REGULAR');
    assert.match(s.message, /it is a socket/);
  } finally {
    server.close();
  }
});

test('a FIFO with a writer that never writes is refused too, not waited on', async (t) => {
  const fifo = join(dir, 'fifo-held.yaml');
  if (spawnSync('mkfifo', [fifo]).status !== 0) {
    t.skip('mkfifo is not available');
    return;
  }
  // A child holds the write end open and writes nothing.
  const holder = spawn('sh', ['-c', `exec 3>"$1"; read -r _`, 'sh', fifo], { stdio: ['pipe', 'ignore', 'ignore'] });
  t.after(() => holder.kill());
  assert.equal((await readError(fifo)).code, 'MANIFEST_NOT_REGULAR');
});

test('the real CLI refuses a FIFO for validate and plan, with exit status 1', (t) => {
  const fifo = join(dir, 'cli-fifo.yaml');
  if (spawnSync('mkfifo', [fifo]).status !== 0) {
    t.skip('mkfifo is not available');
    return;
  }
  const cli = new URL('../../dist/norouter.cjs', import.meta.url).pathname;
  for (const command of ['validate', 'plan']) {
    // The bound only turns a regression (a hang) into a failure; a pass never waits for it.
    const r = spawnSync(process.execPath, [cli, command, fifo], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.signal, null, `${command} hung on a FIFO`);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /cannot read manifest ".*cli-fifo\.yaml": it is a FIFO \(named pipe\), not a regular file/);
  }
});

// Regression: a binary file was reported as "the manifest must be a mapping, found a string",
// with no hint that it is not text at all.
test('a file that is not UTF-8 text is MANIFEST_NOT_TEXT, saying what and where', async () => {
  const cases: Array<[string, Buffer, RegExp]> = [
    ['nul.yaml', Buffer.from('hosts:\n  a\u0000b: {}\n'), /a NUL byte at line 2, column 4 \(byte offset 10\)/],
    ['latin1.yaml', Buffer.from('hosts:\n  caf\xe9: {}\n', 'latin1'), /invalid UTF-8 \(byte 0xe9\) at line 2, column 6/],
    ['utf16-bom.yaml', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('hosts: {}\n', 'utf16le')]), /UTF-16 byte-order mark/],
    ['utf16.yaml', Buffer.from('hosts: {}\n', 'utf16le'), /a NUL byte at line 1, column 2 \(byte offset 1\).*UTF-16/],
    ['garbage.yaml', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, 0x00, 0xc3, 0x28]), /a NUL byte at line 1, column 8/],
    ['overlong.yaml', Buffer.from([0x61, 0xc0, 0xaf]), /invalid UTF-8 \(byte 0xc0\) at line 1, column 2/],
    ['surrogate.yaml', Buffer.from([0x61, 0x0a, 0xed, 0xa0, 0x80]), /invalid UTF-8 \(byte 0xed\) at line 2, column 1/],
  ];
  for (const [name, bytes, expected] of cases) {
    writeFileSync(join(dir, name), bytes);
    const e = await readError(join(dir, name));
    assert.equal(e.code, 'MANIFEST_NOT_TEXT', name);
    assert.match(e.message, /: not a text file: /);
    assert.match(e.message, expected, name);
  }
  const ok = 'hosts:\n  h: {vip: "127.0.42.1"} # café, 日本, 😀\n';
  writeFileSync(join(dir, 'utf8.yaml'), ok);
  assert.equal(await readManifestFile(join(dir, 'utf8.yaml')), ok);
});
