/**
 * The shell route (docs/protocol.md §12.1) in real podman containers: time from spawn to the
 * agent's HELLO on stdout, and the bytes written to the host's stdin, side by side:
 *
 *   node route          `podman exec -i C node --import=… -e 0 internal agent …` (a container
 *                       with node): today's bootstrap, the reference
 *   sh, host has node   `podman exec -i C sh -s internal agent …`, same container
 *   sh, later start     alpine-like (no node), the runtime already in its cache
 *   sh, first start     alpine-like, an empty cache: the runtime crosses the link
 *
 * The first three interleaved, ROUNDS rounds; first starts fewer, also through stdin-relay.mjs
 * at fixed rates to show how they scale with the link's speed. Also the router's one-time
 * costs: hashing its runtime (once per router process) and compressing it (once per runtime,
 * then kept in its cache).
 */
import { performance } from 'node:perf_hooks';
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { BOOTSTRAP_NODE_ARGS } from '../src/bootstrap/loader.js';
import { encodeBootstrap } from '../src/bootstrap/payload.js';
import { describeRuntime } from '../src/bootstrap/runtime-files.js';
import { runtimeArchive } from '../src/bootstrap/runtime-archive.js';
import { memoRuntimeSource } from '../src/bootstrap/runtime-provider.js';
import { runShellSession } from '../src/bootstrap/shell-session.js';
import { canRunPodman, removeAllContainers, startContainer } from '../test/helpers/podman.js';
import { fmtMs, fmtRatio, median, percentile } from './lib/stats.js';

const CLI = new URL('../dist/norouter.cjs', import.meta.url).pathname;
const RELAY = new URL('../test/fixtures/bin/stdin-relay.mjs', import.meta.url).pathname;
const ROUNDS = 9;
const AGENT = ['internal', 'agent', '--me', '127.0.42.1'];
const HELLO = '"role":"agent"';

interface Sample { ms: number; bytes: number }

export interface ShellBenchResult {
  skipped?: string;
  hashMs: number;
  compressMs: number;
  rawBytes: number;
  archiveBytes: number;
  cases: { name: string; medianMs: number; p90Ms: number; bytes: number; n: number }[];
}

/** Spawns argv; the shell route when `shell`, else writes `stream` at once; resolves at HELLO. */
async function timeToHello(argv: readonly string[], stream: Buffer, shell: boolean): Promise<Sample> {
  const t0 = performance.now();
  const [file = '', ...args] = argv;
  const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.on('error', () => {});
  let bytes = 0;
  let err = '';
  child.stderr.on('data', (b: Buffer) => { err += b.toString(); });
  const counting = new Writable({
    write(chunk: Buffer, _enc, cb) {
      bytes += chunk.length;
      if (child.stdin.write(chunk)) cb();
      else child.stdin.once('drain', () => cb());
    },
  });
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const hello = new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`no HELLO within 300 s: ${err}`)), 300_000);
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString('latin1');
      if (out.includes(HELLO)) {
        clearTimeout(timer);
        resolve(performance.now() - t0);
      }
    });
    child.once('close', (code) => { clearTimeout(timer); reject(new Error(`exited ${code} before HELLO: ${err}`)); });
  });
  hello.catch(() => {});
  if (shell) {
    const outcome = await runShellSession({
      host: 'bench', stdin: counting, stdout: child.stdout, source: SOURCE, agentStream: stream,
      log: () => {}, abort: () => child.kill('SIGKILL'),
    });
    if (!outcome.ok) throw new Error(`the shell route failed: ${outcome.problem ?? err}`);
    child.stdout.resume();
  } else {
    counting.write(stream);
  }
  const ms = await hello;
  await new Promise<void>((resolve) => counting.end(resolve));
  child.stdin.end();
  await closed;
  return { ms, bytes };
}

const SOURCE = memoRuntimeSource();

export async function benchShellRoute(): Promise<ShellBenchResult> {
  const result: ShellBenchResult = { hashMs: 0, compressMs: 0, rawBytes: 0, archiveBytes: 0, cases: [] };
  const skip = canRunPodman();
  if (skip) return { ...result, skipped: skip };
  const stream = encodeBootstrap(readFileSync(CLI));
  let t = performance.now();
  const runtime = await describeRuntime();
  result.hashMs = performance.now() - t;
  result.rawBytes = runtime.rawBytes;
  const scratch = mkdtempSync(join(tmpdir(), 'nrb-shell-'));
  t = performance.now();
  const archive = await runtimeArchive(runtime, [scratch]);
  result.compressMs = performance.now() - t;
  result.archiveBytes = archive.size;
  await SOURCE.archive();
  try {
    const [withNode, bare] = await Promise.all([
      startContainer({ image: 'glibc-no-node', node: true }),
      startContainer({ image: 'alpine-like' }),
    ]);
    const cases: { name: string; argv: () => string[]; shell: boolean; rounds: number }[] = [
      { name: 'node route (host has node)', argv: () => withNode.execArgv('node', ...BOOTSTRAP_NODE_ARGS, ...AGENT), shell: false, rounds: ROUNDS },
      { name: 'sh, host has node', argv: () => [...withNode.shCmd(), '-s', ...AGENT], shell: true, rounds: ROUNDS },
      { name: 'sh, no node, later start', argv: () => [...bare.shCmd(), '-s', ...AGENT], shell: true, rounds: ROUNDS },
    ];
    // Fill the bare container's cache once.
    await timeToHello([...bare.shCmd(), '-s', ...AGENT], stream, true);
    const samples = new Map<string, Sample[]>(cases.map((c) => [c.name, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const c of cases) samples.get(c.name)?.push(await timeToHello(c.argv(), stream, c.shell));
    }
    // First starts: a fresh cache each (XDG_CACHE_HOME), at full speed and through a throttle.
    let n = 0;
    const fresh = (rate?: number) => {
      // Every cache candidate before /tmp/norouter-UID is fresh (HOME's too: the script would find the runtime there).
      const home = `/tmp/bench-${n++}`;
      const exec = ['podman', 'exec', '-i', '--env', `XDG_CACHE_HOME=${home}`, '--env', `HOME=${home}`, bare.name, 'sh', '-s', ...AGENT];
      return rate ? [process.execPath, RELAY, '--rate', String(rate), '--', ...exec] : exec;
    };
    const firsts: { name: string; rate?: number; rounds: number }[] = [
      { name: 'sh, no node, first start', rounds: 3 },
      { name: 'sh, first start, link 100 MB/s', rate: 100e6, rounds: 1 },
      { name: 'sh, first start, link 20 MB/s', rate: 20e6, rounds: 1 },
      { name: 'sh, first start, link 5 MB/s', rate: 5e6, rounds: 1 },
    ];
    for (const f of firsts) {
      const list: Sample[] = [];
      for (let i = 0; i < f.rounds; i++) list.push(await timeToHello(fresh(f.rate), stream, true));
      samples.set(f.name, list);
      cases.push({ name: f.name, argv: () => [], shell: true, rounds: f.rounds });
    }
    result.cases = cases.map((c) => {
      const list = samples.get(c.name) ?? [];
      const ms = list.map((s) => s.ms);
      return { name: c.name, medianMs: median(ms), p90Ms: percentile(ms, 90), bytes: median(list.map((s) => s.bytes)), n: list.length };
    });
  } finally {
    await removeAllContainers();
    rmSync(scratch, { recursive: true, force: true });
  }
  return result;
}

export function reportShellRoute(r: ShellBenchResult): string {
  if (r.skipped) return `Skipped: ${r.skipped}`;
  const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
  const base = r.cases[0]?.medianMs ?? Number.NaN;
  const lines = [
    `Router, once per process: hash the runtime (${mb(r.rawBytes)}) ${fmtMs(r.hashMs)}; once per runtime: gzip it to ${mb(r.archiveBytes)} ${fmtMs(r.compressMs)} (then kept in its cache).`,
    '',
    '| case | runs | median | p90 | vs node route | bytes to the host |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const c of r.cases) {
    lines.push(`| ${c.name} | ${c.n} | ${fmtMs(c.medianMs)} | ${fmtMs(c.p90Ms)} | ${fmtRatio(c.medianMs / base)} | ${c.bytes.toLocaleString('en-US')} |`);
  }
  return lines.join('\n');
}
