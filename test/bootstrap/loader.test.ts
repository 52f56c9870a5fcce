/**
 * The bootstrap loader (docs/protocol.md §12) run for real: this machine's node with the loader's
 * arguments, fed crafted streams on stdin. The payloads are tiny CommonJS programs, so each case
 * checks the framing alone: surplus bytes handed to the program, cut-off, bad magic, corruption, a
 * length no bundle has, an old node.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { BOOTSTRAP_NODE_ARGS, LOADER_SOURCE, percentEncode } from '../../src/bootstrap/loader.js';
import { encodeBootstrap } from '../../src/bootstrap/payload.js';
import { BOOTSTRAP_HEADER_LENGTH, EXIT_BOOTSTRAP_BROKEN, EXIT_NODE_TOO_OLD } from '../../src/bootstrap/constants.js';
import { quoteShellWord } from '../../src/shell/shell-words.js';

interface Ran {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

/** Runs `node [pre…] LOADER -e 0 args…`, writing `chunks` to stdin one write per turn, then ending it. */
function runLoader(chunks: Buffer[], args: string[] = [], pre: string[] = [], end = true): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...pre, ...BOOTSTRAP_NODE_ARGS, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.stdin.on('error', () => {});
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the loader did not exit within 10 s; stderr: ${err}`));
    }, 10_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out), stderr: err });
    });
    const write = (i: number): void => {
      if (i < chunks.length) {
        child.stdin.write(chunks[i]!, () => setImmediate(() => write(i + 1)));
      } else if (end) {
        child.stdin.end();
      }
    };
    write(0);
  });
}

// Copies stdin to stdout after one line saying what it sees: argv, the bootstrap global, and
// that it got the CommonJS bindings. Ends when stdin ends.
const ECHO_PROGRAM = Buffer.from(`#!/usr/bin/env node
process.stdout.write(JSON.stringify({ argv: process.argv.slice(1), bootstrap: globalThis.__norouterBootstrap, cjs: typeof require === 'function' && typeof module === 'object', builtin: typeof require('node:net').connect }) + '\\n');
process.stdin.on('data', (b) => process.stdout.write(b));
`);

function firstLine(out: Buffer): { line: Record<string, unknown>; rest: Buffer } {
  const nl = out.indexOf(0x0a);
  assert.ok(nl > 0, `expected a line on stdout, got ${JSON.stringify(out.toString())}`);
  return { line: JSON.parse(out.subarray(0, nl).toString()) as Record<string, unknown>, rest: out.subarray(nl + 1) };
}

test('the loader argument is shell-safe, percent-encoded, and small', () => {
  const [arg, e, zero] = BOOTSTRAP_NODE_ARGS;
  assert.deepEqual([e, zero], ['-e', '0']);
  assert.match(arg!, /^--import=data:text\/javascript,[A-Za-z0-9_@%+=:,./-]+$/);
  // Means the same after one round of shell parsing (ssh): quoting leaves it bare.
  assert.equal(quoteShellWord(arg!), arg);
  assert.equal(decodeURIComponent(arg!.slice('--import=data:text/javascript,'.length)), LOADER_SOURCE);
  assert.ok(arg!.length < 2200, `the loader argument is ${arg!.length} bytes`);
  assert.equal(percentEncode("a b'%\n"), 'a%20b%27%25%0A');
});

test('runs the payload with the words after `-e 0` as its arguments, and hands it the bytes that came after', async () => {
  const stream = encodeBootstrap(ECHO_PROGRAM);
  const surplus = Buffer.from('FRAMES-AFTER-THE-PAYLOAD');
  // All in one write: the protocol frames arrive in the same read as the payload's tail.
  const r = await runLoader([Buffer.concat([stream, surplus])], ['internal', 'agent', '--me', '127.0.42.1']);
  assert.equal(r.code, 0, r.stderr);
  const { line, rest } = firstLine(r.stdout);
  assert.deepEqual(line, { argv: ['norouter-bootstrap.cjs', 'internal', 'agent', '--me', '127.0.42.1'], bootstrap: 1, cjs: true, builtin: 'function' });
  assert.equal(rest.toString(), surplus.toString());
});

test('the stream split at every awkward boundary: inside the header, inside the payload, at its end', async () => {
  const stream = encodeBootstrap(ECHO_PROGRAM);
  const surplus = Buffer.from('0123456789');
  const whole = Buffer.concat([stream, surplus]);
  const cuts = [1, 8, BOOTSTRAP_HEADER_LENGTH - 1, BOOTSTRAP_HEADER_LENGTH, BOOTSTRAP_HEADER_LENGTH + 5, stream.length - 1, stream.length, stream.length + 3];
  const chunks: Buffer[] = [];
  let at = 0;
  for (const cut of cuts) {
    chunks.push(whole.subarray(at, cut));
    at = cut;
  }
  chunks.push(whole.subarray(at));
  const r = await runLoader(chunks);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(firstLine(r.stdout).rest.toString(), surplus.toString());
});

test('cut off inside the payload: a clear error and status 76, nothing run', async () => {
  const stream = encodeBootstrap(ECHO_PROGRAM);
  const r = await runLoader([stream.subarray(0, stream.length - 10)]);
  assert.equal(r.code, EXIT_BOOTSTRAP_BROKEN);
  assert.match(r.stderr, new RegExp(`^norouter bootstrap: cut off: stdin ended after ${stream.length - 10} of ${stream.length} bytes\\n$`));
  assert.equal(r.stdout.length, 0);
});

test('cut off inside the header, and an empty stdin', async () => {
  const r = await runLoader([encodeBootstrap(ECHO_PROGRAM).subarray(0, 20)]);
  assert.equal(r.code, EXIT_BOOTSTRAP_BROKEN);
  assert.match(r.stderr, /cut off: stdin ended after 20 of 44 bytes/);
  const empty = await runLoader([]);
  assert.equal(empty.code, EXIT_BOOTSTRAP_BROKEN);
  assert.match(empty.stderr, /cut off: stdin ended after 0 of 44 bytes/);
});

test('bad magic: refused as soon as the header is in, without waiting for the end of stdin', async () => {
  // A router that sent frames straight away (a host without bootstrap, misconfigured): stdin
  // stays open, and the loader must not wait on it.
  const r = await runLoader([Buffer.alloc(64, 1)], [], [], false);
  assert.equal(r.code, EXIT_BOOTSTRAP_BROKEN);
  assert.match(r.stderr, /bad magic: stdin is not a norouter bootstrap stream/);
});

test('a corrupted payload fails its checksum; an absurd length is refused at once', async () => {
  const stream = Buffer.from(encodeBootstrap(ECHO_PROGRAM));
  stream[stream.length - 20]! ^= 0xff;
  const r = await runLoader([stream]);
  assert.equal(r.code, EXIT_BOOTSTRAP_BROKEN);
  assert.match(r.stderr, /checksum mismatch/);

  const huge = Buffer.from(encodeBootstrap(ECHO_PROGRAM));
  huge.writeUInt32LE(0xffff_fff0, 8);
  const h = await runLoader([huge], [], [], false);
  assert.equal(h.code, EXIT_BOOTSTRAP_BROKEN);
  assert.match(h.stderr, /bad header: a payload of 4294967280 bytes/);
});

test('the header carries the gzipped length and its sha256', () => {
  const stream = encodeBootstrap(ECHO_PROGRAM);
  assert.equal(stream.subarray(0, 8).toString('latin1'), 'NRBOOT1\n');
  const body = stream.subarray(BOOTSTRAP_HEADER_LENGTH);
  assert.equal(stream.readUInt32LE(8), body.length);
  assert.deepEqual(stream.subarray(12, 44), createHash('sha256').update(body).digest());
  assert.ok(body.length < gzipSync(ECHO_PROGRAM, { level: 0 }).length);
});

test('a node older than 20.19 is refused before stdin is read, saying what it found and what is needed', async () => {
  // This node, made to say it is 18.19.0 by an --import that runs before the loader.
  const fake = `--import=data:text/javascript,${percentEncode("Object.defineProperty(process.versions,'node',{value:'18.19.0'})")}`;
  const r = await runLoader([], [], [fake], false);
  assert.equal(r.code, EXIT_NODE_TOO_OLD);
  assert.equal(r.stderr, `norouter bootstrap: node v18.19.0 (${process.execPath}) is too old: norouter needs Node.js >= 20.19\n`);
});
