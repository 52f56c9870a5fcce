// The runtime bundle (docs/protocol.md §12.2) read from this very process: the loader that
// looks up `libstdc++.so.6` under --library-path finds nothing if the file is sent under the
// name /proc/self/maps gives (`libstdc++.so.6.0.30`), so every library goes under its soname.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readElfInfo } from '../../src/bootstrap/elf.js';
import { describeRuntime, mappedFiles, runtimeLayout } from '../../src/bootstrap/runtime-files.js';
import { runtimeArchive } from '../../src/bootstrap/runtime-archive.js';
import { which } from '../helpers/processes.js';

const dirs: string[] = [];
after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

test('mappedFiles keeps file mappings only, once each, and skips deleted files', () => {
  const maps = [
    '00400000-00401000 r--p 00000000 08:01 123 /usr/bin/node',
    '00401000-00402000 r-xp 00001000 08:01 123 /usr/bin/node',
    '7f00-7f01 r--p 00000000 08:01 456 /usr/lib/x86_64-linux-gnu/libc.so.6',
    '7f01-7f02 rw-p 00000000 00:00 0 ',
    '7f02-7f03 rw-p 00000000 00:00 0 [heap]',
    '7f03-7f04 r--p 00000000 08:01 789 /tmp/gone.so (deleted)',
  ].join('\n');
  assert.deepEqual(mappedFiles(maps), ['/usr/bin/node', '/usr/lib/x86_64-linux-gnu/libc.so.6']);
});

test('this process: node, its loader under the name the executable asks for, libraries by soname', () => {
  const layout = runtimeLayout();
  const interp = readElfInfo(process.execPath)?.interp ?? '';
  const loader = layout.find((f) => f.loader);
  assert.equal(loader?.name, interp.split('/').pop());
  assert.equal(layout.filter((f) => f.name === 'node').length, 1);
  for (const f of layout.filter((l) => !l.loader && l.name !== 'node')) {
    const soname = readElfInfo(f.path)?.soname;
    if (soname) assert.equal(f.name, soname, f.path);
  }
  // Every library `ldd` resolves for node is in the bundle, under the name it is looked up by.
  const ldd = spawnSync('ldd', [process.execPath], { encoding: 'utf8' });
  if (ldd.status === 0) {
    for (const m of ldd.stdout.matchAll(/^\s*(\S+) => \//gm)) assert.ok(layout.some((f) => f.name === m[1]), `${m[1]} is missing`);
  }
});

test('readElfInfo: the sonames node needs, in the order readelf lists them', { skip: which('readelf') ? undefined : 'readelf is not installed' }, () => {
  const out = spawnSync('readelf', ['-d', process.execPath], { encoding: 'utf8' });
  const listed = [...out.stdout.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]);
  assert.ok(listed.length > 0, out.stdout);
  assert.deepEqual(readElfInfo(process.execPath)?.needed, listed);
});

test('readElfInfo: a non-ELF file is not one', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nrt-elf-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'x'), '#!/bin/sh\n');
  assert.equal(readElfInfo(join(dir, 'x')), undefined);
});

test('the archive unpacks with tar (GNU and busybox), and sha256sum -c accepts it', { skip: which('tar') ? undefined : 'tar is not installed', timeout: 120_000 }, async () => {
  // A small runtime of two files stands in for node's 100 MB: the format is what is checked.
  const dir = mkdtempSync(join(tmpdir(), 'nrt-tar-'));
  dirs.push(dir);
  const src = join(dir, 'src');
  mkdirSync(src);
  writeFileSync(join(src, 'a.so'), Buffer.alloc(1000, 7));
  writeFileSync(join(src, 'node'), Buffer.alloc(513, 9));
  const runtime = await describeRuntime(process.execPath);
  runtime.files = [
    { name: 'libx.so.1', path: join(src, 'a.so'), size: 1000, mode: 0o644, sha256: '' },
    { name: 'node', path: join(src, 'node'), size: 513, mode: 0o755, sha256: '' },
  ];
  const { createHash } = await import('node:crypto');
  for (const f of runtime.files) f.sha256 = createHash('sha256').update(readFileSync(f.path)).digest('hex');
  runtime.sums = runtime.files.map((f) => `${f.sha256}  ${f.name}\n`).join('');
  runtime.id = createHash('sha256').update(runtime.sums).digest('hex');
  const archive = await runtimeArchive(runtime, [join(dir, 'cache')]);
  for (const tar of [['tar'], which('busybox') ? ['busybox', 'tar'] : undefined]) {
    if (!tar) continue;
    const out = join(dir, `out-${tar.length}`);
    mkdirSync(out);
    const r = spawnSync('sh', ['-c', `gzip -dc < "$1" | (cd "$2" && ${tar.join(' ')} -xf -) && cd "$2" && sha256sum -c SHA256SUMS && ls -l node`, 'sh', archive.path, out], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /^-rwxr-xr-x /m);
  }
});

test('the hashes are kept by file identity: a second description reads them, a changed file is hashed again', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nrt-memo-'));
  dirs.push(dir);
  const memo = join(dir, 'hashes.json');
  const first = await describeRuntime(undefined, undefined, memo);
  const saved = JSON.parse(readFileSync(memo, 'utf8')) as [string, string][];
  assert.equal(saved.length, first.files.length);
  // A forged entry for an unchanged file is believed (that is the memo's point), so the id
  // changes: proof the memo was read rather than the file hashed.
  const forged = saved.map(([k, v], i) => [k, i === 0 ? 'f'.repeat(64) : v]);
  writeFileSync(memo, JSON.stringify(forged));
  const second = await describeRuntime(undefined, undefined, memo);
  assert.notEqual(second.id, first.id);
  // An entry whose identity no longer matches (another inode) is not used.
  writeFileSync(memo, JSON.stringify(forged.map(([k, v]) => [String(k).replace(/\0\d+:\d+:/, '\u00000:0:'), v])));
  const third = await describeRuntime(undefined, undefined, memo);
  assert.equal(third.id, first.id);
});
