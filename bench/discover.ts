/**
 * Port discovery (docs/discovery.md, docs/benchmarks.md "Port discovery"):
 *
 * 1. Latency: the time from a server's listen() on a discovering host to the first successful
 *    connection to it through the mesh from another host, over TRIALS trials (median and p99; the
 *    goal is a median under 1 s). Both ends read CLOCK_MONOTONIC (process.hrtime), which every
 *    process of the machine shares, so the two timestamps compare directly.
 * 2. Idle cost: CPU of a discovering agent against a non-discovering one over IDLE_S seconds, with
 *    nothing happening, in two namespaces alike; then the same with 1,000 listening sockets on the
 *    discovering host.
 * 3. What the agent's watcher reads costs (src/discover/watcher.ts): CPU per read of
 *    /proc/net/tcp and tcp6 and of /proc/net/sockstat and sockstat6, in an empty namespace.
 *
 * Hosts: h1 (discover: true) and h2 (no discovery; the client side), each a network namespace
 * (`ip netns exec NS node dist/norouter.cjs`), joined by `norouter run`.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { createNetns, inNetns } from './lib/netns.js';
import { cpuSeconds, descendants, start } from './lib/procs.js';
import { median, percentile } from './lib/stats.js';
import { prng } from '../test/protocol/prng.js';
import { Lines } from './lib/lines.js';
import { teardown } from './lib/teardown.js';

const CLI = new URL('../dist/norouter.cjs', import.meta.url).pathname;
const LISTEN_MANY = new URL('../test/fixtures/bin/listen-many.mjs', import.meta.url).pathname;
export const DISCOVER_GOAL_MS = 1000;
const TRIALS = 50;
const IDLE_S = Number(process.env.NOROUTER_BENCH_IDLE_S ?? 60);
const MANY_IDLE_S = Math.min(IDLE_S, 20);
const WAIT_MS = 20_000;
const FIRST_PORT = 20000;

// On "PORT": listens there and prints "listening PORT NS" (hrtime at the listen callback); on
// "close PORT": closes it and prints "closed PORT".
const SERVER = `
const net = require('net');
const servers = new Map();
require('readline').createInterface({ input: process.stdin }).on('line', (l) => {
  const [word, arg] = l.split(' ');
  if (word === 'close') { servers.get(arg).close(() => console.log('closed ' + arg)); servers.delete(arg); return; }
  const s = net.createServer((c) => c.end()).listen(Number(word), '127.0.0.1', () => console.log('listening ' + word + ' ' + process.hrtime.bigint()));
  servers.set(word, s);
}).on('close', () => process.exit(0));
`;
// On "IP PORT": reconnects every 2 ms until it accepts; prints "up PORT NS" (hrtime at connect).
const PROBER = `
const net = require('net');
require('readline').createInterface({ input: process.stdin }).on('line', (l) => {
  const [host, port] = l.split(' ');
  const attempt = () => {
    const s = net.connect({ host, port: Number(port) });
    s.once('connect', () => { const t = process.hrtime.bigint(); s.destroy(); console.log('up ' + port + ' ' + t); });
    s.once('error', () => setTimeout(attempt, 2));
  };
  attempt();
}).on('close', () => process.exit(0));
`;

// Reads each file N times from its start as the watcher does (positioned reads until 0) and prints
// "FILE MICROSECONDS" of CPU per read.
const READ_COST = `
const fs = require('fs');
const buf = Buffer.alloc(65536);
for (const [file, n] of [['/proc/net/tcp', 200], ['/proc/net/tcp6', 200], ['/proc/net/sockstat', 2000], ['/proc/net/sockstat6', 2000]]) {
  const fd = fs.openSync(file, 'r');
  const t0 = process.cpuUsage();
  for (let i = 0; i < n; i++) for (let pos = 0, k; (k = fs.readSync(fd, buf, 0, buf.length, pos)) > 0;) pos += k;
  const c = process.cpuUsage(t0);
  console.log(file + ' ' + ((c.user + c.system) / n).toFixed(1));
}
`;

export interface DiscoverBenchResult {
  latenciesMs: number[];
  medianMs: number;
  p99Ms: number;
  maxMs: number;
  idleS: number;
  /** CPU seconds over the idle window: the discovering agent, the other one. */
  idleCpu: { discovering: number; plain: number };
  manyIdleS: number;
  manyCpu: { discovering: number; plain: number };
  /** CPU µs per read of each file, in an empty namespace. */
  readCostUs: [string, number][];
  met: boolean;
}

async function cpuOver(pids: number[], seconds: number): Promise<number[]> {
  const before = pids.map(cpuSeconds);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  return pids.map((pid, i) => cpuSeconds(pid) - (before[i] ?? Number.NaN));
}

export async function benchDiscover(): Promise<DiscoverBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'norouter-bench-discover-'));
  const file = join(dir, 'manifest.yaml');
  const vips = [1, 2].map((n) => `127.98.${process.pid % 250}.${n}`);
  const children: ChildProcess[] = [];
  let router: ChildProcess | undefined;
  try {
    const ns = [createNetns(), createNetns()];
    const empty = createNetns();
    const costs = start(inNetns(empty, [process.execPath, '-e', READ_COST]));
    children.push(costs);
    const costLines = new Lines(costs.stdout as NodeJS.ReadableStream, WAIT_MS);
    const readCostUs: [string, number][] = [];
    for (const f of ['/proc/net/tcp', '/proc/net/tcp6', '/proc/net/sockstat', '/proc/net/sockstat6']) {
      const line = await costLines.next((l) => l.startsWith(`${f} `), `the cost of reading ${f}`);
      readCostUs.push([f, Number(line.split(' ')[1])]);
    }
    writeFileSync(file, [
      'hosts:',
      `  h1: {vip: "${vips[0]}", discover: true, cmd: ${JSON.stringify(inNetns(ns[0]!, [process.execPath, CLI]))}}`,
      `  h2: {vip: "${vips[1]}", cmd: ${JSON.stringify(inNetns(ns[1]!, [process.execPath, CLI]))}}`,
      '',
    ].join('\n'));
    router = start([process.execPath, CLI, 'run', file]);
    const out = new Lines(router.stdout as NodeJS.ReadableStream, WAIT_MS);
    const err = new Lines(router.stderr as NodeJS.ReadableStream, WAIT_MS);
    await out.next((l) => l.startsWith('norouter: ready in'), 'the mesh to be ready');
    const agentPid = (vip: string) => {
      const found = descendants(router?.pid ?? 0).filter((p) => p.argv.includes('agent') && p.argv.some((a, j) => a === '--me' && p.argv[j + 1] === vip));
      if (found.length !== 1) throw new Error(`expected one agent for ${vip}, found ${found.length}`);
      return found[0]!.pid;
    };
    const agents = vips.map(agentPid);

    const server = start(inNetns(ns[0]!, [process.execPath, '-e', SERVER]));
    const prober = start(inNetns(ns[1]!, [process.execPath, '-e', PROBER]));
    children.push(server, prober);
    const serverLines = new Lines(server.stdout as NodeJS.ReadableStream, WAIT_MS);
    const proberLines = new Lines(prober.stdout as NodeJS.ReadableStream, WAIT_MS);

    const latencies: number[] = [];
    // A pause of 0-300 ms (seeded) before each listen(), so that trials do not fall at one phase of the agent's polls.
    const random = prng(17);
    for (let i = 0; i < TRIALS + 1; i++) {
      const port = FIRST_PORT + i;
      await new Promise((r) => setTimeout(r, random.int(0, 300)));
      prober.stdin?.write(`${vips[0]} ${port}\n`);
      server.stdin?.write(`${port}\n`);
      const [listened, up] = await Promise.all([
        serverLines.next((l) => l.startsWith(`listening ${port} `), `the server on ${port}`),
        proberLines.next((l) => l.startsWith(`up ${port} `), `a connection to ${vips[0]}:${port}`),
      ]);
      const ms = Number(BigInt(up.split(' ')[2]!) - BigInt(listened.split(' ')[2]!)) / 1e6;
      // The first trial pays for the namespaces' first connections: warm-up, not counted.
      if (i > 0) latencies.push(ms);
      if (process.env.NOROUTER_BENCH_VERBOSE) console.error(`trial ${i}: ${ms.toFixed(1)} ms`);
      server.stdin?.write(`close ${port}\n`);
      await err.next((l) => l === `norouter: h1: discovered port ${port} withdrawn (no longer listening)`, `port ${port} to be withdrawn`);
    }

    // Idle: nothing listens but the agents themselves; a few seconds for the last CONFIG to settle.
    await new Promise((r) => setTimeout(r, 2000));
    const [idle1, idle2] = await cpuOver(agents, IDLE_S);

    const many = start(inNetns(ns[0]!, [process.execPath, LISTEN_MANY, '1000']));
    children.push(many);
    await new Lines(many.stdout as NodeJS.ReadableStream, WAIT_MS).next((l) => l.startsWith('listening '), 'the 1,000 listeners');
    await err.next((l) => /h2\] configuration reloaded: 0 forwards, 1000 others$/.test(l), 'the 1,000 ports on h2', 60_000);
    await new Promise((r) => setTimeout(r, 2000));
    const [many1, many2] = await cpuOver(agents, MANY_IDLE_S);

    const medianMs = median(latencies);
    return {
      latenciesMs: latencies,
      medianMs,
      p99Ms: percentile(latencies, 99),
      maxMs: Math.max(...latencies),
      idleS: IDLE_S,
      idleCpu: { discovering: idle1 ?? Number.NaN, plain: idle2 ?? Number.NaN },
      manyIdleS: MANY_IDLE_S,
      manyCpu: { discovering: many1 ?? Number.NaN, plain: many2 ?? Number.NaN },
      readCostUs,
      met: medianMs < DISCOVER_GOAL_MS,
    };
  } finally {
    await teardown(router, children, dir);
  }
}

export function reportDiscover(r: DiscoverBenchResult): string {
  const pct = (cpu: number, s: number) => `${((cpu / s) * 100).toFixed(2)}% (${cpu.toFixed(2)} s)`;
  return [
    '| what | median | p99 | max | goal |',
    '| --- | --- | --- | --- | --- |',
    `| listen() on h1 → first connection from h2 through the mesh (${r.latenciesMs.length} trials) | ${r.medianMs.toFixed(1)} ms | ${r.p99Ms.toFixed(1)} ms | ${r.maxMs.toFixed(1)} ms | median < ${DISCOVER_GOAL_MS} ms${r.met ? '' : ' MISSED'} |`,
    '',
    '| CPU of each agent | discovering (h1) | not discovering (h2) |',
    '| --- | --- | --- |',
    `| idle, ${r.idleS} s | ${pct(r.idleCpu.discovering, r.idleS)} | ${pct(r.idleCpu.plain, r.idleS)} |`,
    `| idle with 1,000 discovered listeners on h1, ${r.manyIdleS} s | ${pct(r.manyCpu.discovering, r.manyIdleS)} | ${pct(r.manyCpu.plain, r.manyIdleS)} |`,
    '',
    '| one read from the start to the end, in an empty namespace | CPU |',
    '| --- | --- |',
    ...r.readCostUs.map(([f, us]) => `| ${f} | ${us >= 1000 ? `${(us / 1000).toFixed(2)} ms` : `${us.toFixed(1)} µs`} |`),
  ].join('\n');
}
