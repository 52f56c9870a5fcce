/**
 * What bootstrapping costs (docs/benchmarks.md, "Bootstrap"). The bytes sent (the single-file CLI
 * raw, gzipped, and the stream with its header), the loader's size on the command line, the
 * router's one-time cost of compressing it, and the time from spawn to the agent's HELLO on stdout
 * for the same host (a network namespace through `ip netns exec`, and this machine through a real
 * `ssh`):
 *
 *   installed, warm   `node dist/norouter.cjs internal agent …`, its code cache filled
 *   installed, cold   the same with an empty cache directory (a new build's first run)
 *   bootstrap         `node --import=data:…LOADER -e 0 internal agent …` + the stream on stdin
 *   node alone        `node -p 42`: the floor every case pays
 *
 * Rounds are interleaved so every case sees the same machine state; medians and p90.
 */
import { performance } from 'node:perf_hooks';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BOOTSTRAP_NODE_ARGS } from '../src/bootstrap/loader.js';
import { encodeBootstrap } from '../src/bootstrap/payload.js';
import { BOOTSTRAP_HEADER_LENGTH } from '../src/bootstrap/constants.js';
import { createNetns, destroyAllNetns, inNetns } from './lib/netns.js';
import { killAll, start } from './lib/procs.js';
import { fmtMs, fmtRatio, median, percentile } from './lib/stats.js';
import { canRunSshd, startSshd, type Sshd } from '../test/helpers/sshd.js';

const CLI = new URL('../dist/norouter.cjs', import.meta.url).pathname;
const ROUNDS = 15;
const VIP = '127.0.42.1';
const AGENT = ['internal', 'agent', '--me', VIP];

export interface BootstrapResult {
  rawBytes: number;
  gzipBytes: number;
  streamBytes: number;
  loaderArgBytes: number;
  encodeMs: number;
  transports: { name: string; cases: { name: string; medianMs: number; p90Ms: number }[] }[];
  skipped: string[];
}

interface Case {
  name: string;
  argv: (prefix: (argv: string[]) => string[], cache: string) => string[];
  stdin?: Buffer;
  /** What on stdout means "up". */
  marker: string;
}

/** Spawns argv, writes `stdin`, resolves with the ms until `marker` shows on stdout; then ends it. */
function timeToMarker(argv: string[], marker: string, stdin?: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = start(argv);
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no "${marker}" from \`${argv.slice(0, 6).join(' ')} …\` within 20 s: ${err}`));
    }, 20_000);
    child.stderr?.on('data', (b: Buffer) => (err += b.toString()));
    child.stdout?.on('data', (b: Buffer) => {
      if (out.includes(marker)) return;
      out += b.toString('latin1');
      if (!out.includes(marker)) return;
      const ms = performance.now() - t0;
      clearTimeout(timer);
      child.stdin?.end();
      child.once('close', () => resolve(ms));
    });
    child.stdin?.on('error', () => {});
    if (stdin) child.stdin?.write(stdin);
    child.once('close', (code) => {
      if (out.includes(marker)) return;
      clearTimeout(timer);
      reject(new Error(`\`${argv.slice(0, 6).join(' ')} …\` exited (${code}) before "${marker}": ${err}`));
    });
  });
}

export async function benchBootstrap(): Promise<BootstrapResult> {
  const file = readFileSync(CLI);
  const encodeTimes: number[] = [];
  let stream = encodeBootstrap(file);
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    stream = encodeBootstrap(file);
    encodeTimes.push(performance.now() - t0);
  }
  const result: BootstrapResult = {
    rawBytes: file.length,
    gzipBytes: stream.length - BOOTSTRAP_HEADER_LENGTH,
    streamBytes: stream.length,
    loaderArgBytes: BOOTSTRAP_NODE_ARGS.join(' ').length,
    encodeMs: median(encodeTimes),
    transports: [],
    skipped: [],
  };
  const hello = '"role":"agent"';
  const cases: Case[] = [
    { name: 'installed, warm cache', argv: (p) => p(['node', CLI, ...AGENT]), marker: hello },
    { name: 'installed, cold cache', argv: (p, cache) => p(['env', `XDG_CACHE_HOME=${cache}`, 'node', CLI, ...AGENT]), marker: hello },
    { name: 'bootstrap', argv: (p) => p(['node', ...BOOTSTRAP_NODE_ARGS, ...AGENT]), stdin: stream, marker: hello },
    // Shell-safe words: over ssh they pass through the remote shell.
    { name: 'node alone', argv: (p) => p(['node', '-p', '42']), marker: '42' },
  ];

  const transports: { name: string; prefix: (argv: string[]) => string[] }[] = [];
  if (process.getuid?.() === 0) {
    const ns = createNetns();
    transports.push({ name: 'network namespace (`ip netns exec NS node`)', prefix: (argv) => inNetns(ns, argv) });
  } else {
    result.skipped.push('network namespace: needs root');
  }
  let sshd: Sshd | undefined;
  const noSsh = canRunSshd();
  if (noSsh) result.skipped.push(`ssh: ${noSsh}`);
  else {
    sshd = await startSshd();
    const s = sshd;
    transports.push({ name: 'ssh to this machine (`ssh … -- node`)', prefix: (argv) => s.sshCmd(...argv) });
  }

  const scratch = mkdtempSync(join(tmpdir(), 'nrb-boot-'));
  try {
    for (const t of transports) {
      // Warm the code cache the "installed, warm" case reads.
      await timeToMarker(t.prefix(['node', CLI, ...AGENT]), hello);
      const times = new Map<string, number[]>(cases.map((c) => [c.name, []]));
      for (let round = 0; round < ROUNDS; round++) {
        for (const c of cases) {
          const cache = mkdtempSync(join(scratch, 'cache-'));
          times.get(c.name)?.push(await timeToMarker(c.argv(t.prefix, cache), c.marker, c.stdin));
        }
      }
      result.transports.push({
        name: t.name,
        cases: cases.map((c) => {
          const list = times.get(c.name) ?? [];
          return { name: c.name, medianMs: median(list), p90Ms: percentile(list, 90) };
        }),
      });
    }
  } finally {
    await sshd?.stop();
    killAll();
    destroyAllNetns();
    rmSync(scratch, { recursive: true, force: true });
  }
  return result;
}

const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;

export function reportBootstrap(r: BootstrapResult): string {
  const lines = [
    '| what | size |',
    '| --- | --- |',
    `| dist/norouter.cjs (raw) | ${r.rawBytes} B (${kib(r.rawBytes)}) |`,
    `| gzipped (level 9), as sent | ${r.gzipBytes} B (${kib(r.gzipBytes)}), ${(100 * r.gzipBytes / r.rawBytes).toFixed(0)}% |`,
    `| stream on stdin (44-byte header + gzip) | ${r.streamBytes} B |`,
    `| loader on the command line (\`--import=data:… -e 0\`) | ${r.loaderArgBytes} B |`,
    `| router: read once + gzip, per router process | ${fmtMs(r.encodeMs)} |`,
    '',
  ];
  for (const t of r.transports) {
    const base = t.cases.find((c) => c.name === 'installed, warm cache')?.medianMs ?? Number.NaN;
    lines.push(`Spawn → HELLO, ${t.name}, ${ROUNDS} interleaved rounds:`, '', '| case | median | p90 | vs installed (warm) |', '| --- | --- | --- | --- |');
    for (const c of t.cases) lines.push(`| ${c.name} | ${fmtMs(c.medianMs)} | ${fmtMs(c.p90Ms)} | ${fmtRatio(c.medianMs / base)} |`);
    lines.push('');
  }
  for (const s of r.skipped) lines.push(`Skipped: ${s}`);
  return lines.join('\n');
}
