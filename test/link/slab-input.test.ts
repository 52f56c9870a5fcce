/**
 * src/link/slab-input.ts over a real child process's stdin (a socketpair, as Node's and the
 * router's child stdio): every byte arrives in order, none is overwritten by a later read while
 * the reader still holds it (the decoder's zero-copy slices), and reads may be larger than libuv's
 * 64 KiB.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { openSlabInput } from '../../src/link/index.js';

/** Seeded xorshift32, so that the bytes are the same on every run. */
function bytes(n: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

test('a pipe read in slabs: every byte in order, chunks kept intact until the end', { timeout: 30_000 }, async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/link/slab-reader.ts'], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  const data = bytes(12 * 1024 * 1024 + 17, 0x9e3779b9);
  // Written in pieces of odd sizes while the child reads, so that reads both fill and miss slabs.
  for (let off = 0, i = 0; off < data.length; i++) {
    const n = Math.min(data.length - off, [1, 300_000, 70_000, 5][i % 4]!);
    if (!child.stdin.write(data.subarray(off, off + n))) await new Promise((r) => child.stdin.once('drain', r));
    off += n;
  }
  child.stdin.end();
  const code = await new Promise<number | null>((r) => child.once('close', r));
  assert.equal(code, 0, out);
  const got = JSON.parse(out) as { chunks: number; largest: number; bytes: number; sha256: string };
  assert.equal(got.bytes, data.length);
  assert.equal(got.sha256, createHash('sha256').update(data).digest('hex'));
  assert.ok(got.largest <= 256 * 1024, `a read of ${got.largest} bytes, above 256 KiB`);
});

test('neither a pipe nor a socket (a file): undefined, and the caller keeps process.stdin', () => {
  const fd = openSync(process.execPath, 'r');
  try {
    assert.equal(openSlabInput(fd), undefined);
  } finally {
    closeSync(fd);
  }
});

test('a descriptor this process already reads through process.stdin: undefined, not a second handle', { timeout: 30_000 }, async () => {
  const script = "process.stdin.on('data', () => {}); import('./src/link/index.ts').then((m) => { process.stdout.write(String(m.openSlabInput(0) === undefined)); process.exit(0); })";
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  const code = await new Promise<number | null>((r) => child.once('close', r));
  assert.equal(code, 0);
  assert.equal(out, 'true');
});
