/**
 * What the books of `norouter status` cost (docs/benchmarks.md, "Status"): the same build run
 * twice at once over the same pair of network namespaces, once as it ships and once with
 * NOROUTER_ACCOUNTING=off (src/status/status-service.ts), each mesh on its own VIPs, measured in
 * alternation: single-stream throughput (iperf3) and request rates. Budget: the books cost at
 * most 3% of either. Then `status` at the size of a large mesh: 200 hosts and 10,000 live
 * connections (bench/lib/status-books.ts) must answer within 100 ms.
 *
 * Needs root (namespaces) and iperf3; without them that part is skipped with the reason.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmtRatio, median, percentile } from './lib/stats.js';
import { destroyAllNetns, inNetns } from './lib/netns.js';
import { killAll, runToEnd, start, which } from './lib/procs.js';
import { CLI, MeshRouter } from './lib/mesh-router.js';
import { workerPair } from './lib/worker-client.js';
import { askSocket } from '../src/status/control-client.js';
import { socketPath } from '../src/status/control-path.js';

const PORT = { iperf: 5201, echo: 7001 } as const;
const ON = { client: '127.0.42.121', server: '127.0.42.122' };
const OFF = { client: '127.0.42.131', server: '127.0.42.132' };
const BUDGET = 0.97;
/** Single streams vary by 2× between consecutive runs on a shared machine: many, alternating. */
const STREAM_RUNS = 10;
const STATUS_BUDGET_MS = 100;

export interface AccountingRow { what: string; off: string; on: string; ratio: string; target: string; met: boolean }
export type AccountingResult = { rows: AccountingRow[]; notes: string[]; met: boolean };

export async function benchAccounting(): Promise<AccountingResult> {
  const rows: AccountingRow[] = [];
  const notes: string[] = [];
  const skip = process.getuid?.() !== 0 ? 'needs root to create network namespaces' : !which('iperf3') ? '`iperf3` is not installed' : undefined;
  if (skip) notes.push(`throughput and request rate skipped: ${skip}`);
  else rows.push(...await meshCost(notes));
  rows.push(await statusAnswer(notes));
  return { rows, notes, met: rows.every((r) => r.met) };
}

async function meshCost(notes: string[]): Promise<AccountingRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'norouter-bench-acct-'));
  const closers: (() => Promise<void>)[] = [];
  try {
    const { ns1, ns2, server, client } = await workerPair(closers);
    await server.call('serve', { kind: 'echo', port: PORT.echo });
    void runToEnd(inNetns(ns2, ['iperf3', '-s', '-B', '127.0.0.1', '-p', String(PORT.iperf)]), 600_000);
    const hosts = (v: typeof ON) => [
      { name: 'client', ns: ns1, vip: v.client, ports: [] },
      { name: 'server', ns: ns2, vip: v.server, ports: Object.values(PORT) },
    ];
    const runtime = join(dir, 'xdg');
    mkdirSync(runtime, { mode: 0o700 });
    const on = new MeshRouter(join(dir, 'on.yaml'), hosts(ON), [], { ...process.env, XDG_RUNTIME_DIR: runtime });
    const off = new MeshRouter(join(dir, 'off.yaml'), hosts(OFF), [], { ...process.env, XDG_RUNTIME_DIR: runtime, NOROUTER_ACCOUNTING: 'off' });
    closers.push(() => on.stop(), () => off.stop());
    await Promise.all([on.ready(), off.ready()]);
    for (const v of [ON, OFF]) await client.call('pingpong', { host: v.server, port: PORT.echo, rounds: 500, size: 64 });

    const cpuStart = { on: on.cpu().get('router') ?? Number.NaN, off: off.cpu().get('router') ?? Number.NaN };
    // Single stream: 1 GB each, alternating ABBA so that neither always runs first.
    const tput = { on: [] as number[], off: [] as number[] };
    for (let i = 0; i < STREAM_RUNS; i++) {
      for (const side of (i % 2 === 0 ? ['off', 'on'] : ['on', 'off']) as ('on' | 'off')[]) {
        tput[side].push(await iperf(ns1, (side === 'on' ? ON : OFF).server, '1G'));
      }
    }
    const cpuAfterStreams = { on: on.cpu().get('router') ?? Number.NaN, off: off.cpu().get('router') ?? Number.NaN };
    // Requests on one connection (64-byte round trips) and on new connections (connect, a byte each way, close).
    const rtt = { on: [] as number[], off: [] as number[] };
    for (let i = 0; i < 10; i++) {
      for (const side of (i % 2 === 0 ? ['off', 'on'] : ['on', 'off']) as ('on' | 'off')[]) {
        const { rtts } = await client.call<{ rtts: number[] }>('pingpong', { host: (side === 'on' ? ON : OFF).server, port: PORT.echo, rounds: 1000, size: 64 });
        rtt[side].push(...rtts);
      }
    }
    const cpuBeforeConns = { on: on.cpu().get('router') ?? Number.NaN, off: off.cpu().get('router') ?? Number.NaN };
    const conn = { on: { done: 0, seconds: 0, failed: 0 }, off: { done: 0, seconds: 0, failed: 0 } };
    for (let i = 0; i < 12; i++) {
      for (const side of (i % 2 === 0 ? ['off', 'on'] : ['on', 'off']) as ('on' | 'off')[]) {
        const r = await client.call<{ done: number; failed: number; seconds: number }>('rate', { host: (side === 'on' ? ON : OFF).server, port: PORT.echo, concurrency: 50, durationMs: 1000 }, 30_000);
        conn[side].done += r.done;
        conn[side].seconds += r.seconds;
        conn[side].failed += r.failed;
      }
    }
    const cpuEnd = { on: on.cpu().get('router') ?? Number.NaN, off: off.cpu().get('router') ?? Number.NaN };
    // CPU time of the router per unit of work depends far less on what else the machine runs than rates do.
    const cpuPerGB = { on: (cpuAfterStreams.on - cpuStart.on) / STREAM_RUNS, off: (cpuAfterStreams.off - cpuStart.off) / STREAM_RUNS };
    const cpuPerK = { on: (cpuEnd.on - cpuBeforeConns.on) / conn.on.done * 1000, off: (cpuEnd.off - cpuBeforeConns.off) / conn.off.done * 1000 };
    notes.push(`Router CPU time per GB (single stream): books off ${cpuPerGB.off.toFixed(2)} s, on ${cpuPerGB.on.toFixed(2)} s (${fmtRatio(cpuPerGB.on / cpuPerGB.off)}); per 1,000 new connections: off ${cpuPerK.off.toFixed(3)} s, on ${cpuPerK.on.toFixed(3)} s (${fmtRatio(cpuPerK.on / cpuPerK.off)}).`);
    notes.push(`Single stream MB/s, books off: ${tput.off.map((x) => x.toFixed(0)).join(', ')}; on: ${tput.on.map((x) => x.toFixed(0)).join(', ')}.`);
    const t = { off: median(tput.off), on: median(tput.on) };
    const rq = { off: 1e6 / median(rtt.off), on: 1e6 / median(rtt.on) };
    const cr = { off: conn.off.done / conn.off.seconds, on: conn.on.done / conn.on.seconds };
    if (conn.on.failed + conn.off.failed) notes.push(`New connections failed: on ${conn.on.failed}, off ${conn.off.failed}.`);
    return [
      row(`single TCP stream, 1 GB (iperf3), median of ${STREAM_RUNS}, alternating`, `${t.off.toFixed(0)} MB/s`, `${t.on.toFixed(0)} MB/s`, t.on / t.off),
      row('requests/s on one connection (64-byte round trips, median of 10,000)', `${rq.off.toFixed(0)}/s`, `${rq.on.toFixed(0)}/s`, rq.on / rq.off),
      row('requests/s on new connections (connect, 1 byte each way, close; concurrency 50, 12 × 1 s each, alternating)', `${cr.off.toFixed(0)}/s`, `${cr.on.toFixed(0)}/s`, cr.on / cr.off),
    ];
  } finally {
    for (const close of closers.reverse()) await close().catch(() => {});
    killAll();
    destroyAllNetns();
    rmSync(dir, { recursive: true, force: true });
  }
}

function row(what: string, off: string, on: string, ratio: number): AccountingRow {
  return { what, off, on, ratio: fmtRatio(ratio), target: `≥ ${BUDGET}×`, met: ratio >= BUDGET };
}

async function iperf(ns: string, host: string, bytes: string): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const r = await runToEnd(inNetns(ns, ['iperf3', '-c', host, '-p', String(PORT.iperf), '-n', bytes, '-J']), 60_000);
    const parsed = JSON.parse(r.stdout || '{}') as { error?: string; end?: { sum_received?: { bits_per_second: number } } };
    const bps = parsed.end?.sum_received?.bits_per_second;
    if (r.code === 0 && bps !== undefined) return bps / 8 / 1e6;
    // The server takes a moment to start, and to be done with the test before (it serves one at a time).
    if (attempt < 20 && /busy|refused/i.test(parsed.error ?? r.stderr)) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      continue;
    }
    throw new Error(`iperf3 to ${host} failed: ${parsed.error ?? r.stderr}`);
  }
}

async function statusAnswer(notes: string[]): Promise<AccountingRow> {
  const dir = mkdtempSync(join(tmpdir(), 'norouter-bench-status-'));
  const runtime = join(dir, 'xdg');
  mkdirSync(runtime, { mode: 0o700 });
  const manifest = join(dir, 'large.yaml');
  writeFileSync(manifest, 'hosts: {}\n');
  const books = start([process.execPath, '--import', 'tsx', fileURLToPath(new URL('./lib/status-books.ts', import.meta.url)), manifest, runtime]);
  try {
    await new Promise<void>((resolve, reject) => {
      books.stdout?.on('data', (d: Buffer) => { if (d.toString().includes('listening')) resolve(); });
      books.once('exit', (code) => reject(new Error(`status-books exited (${code})`)));
    });
    const path = socketPath(join(runtime, 'norouter'), manifest);
    const times: number[] = [];
    let size = 0;
    for (let i = 0; i < 5; i++) await askSocket(path, i % 2 === 1); // warm-up: the JIT, the first snapshot's allocation
    for (let i = 0; i < 100; i++) {
      const t0 = process.hrtime.bigint();
      const a = await askSocket(path, i % 2 === 1);
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (!a.ok) throw new Error(a.message);
      if (i === 0) size = JSON.stringify(a.snapshot).length;
    }
    // The whole command as a user runs it, start-up included (information: most of it is node's).
    const cli: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = process.hrtime.bigint();
      const r = await runToEnd([process.execPath, CLI, 'status', manifest], 30_000, { env: { ...process.env, XDG_RUNTIME_DIR: runtime } });
      cli.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (r.code !== 0) throw new Error(`norouter status exited ${r.code}: ${r.stderr}`);
    }
    notes.push(`status with 200 hosts and 10,000 live connections: the snapshot is ${(size / 1024).toFixed(0)} KiB; \`norouter status FILE\`, start-up included, took ${median(cli).toFixed(0)} ms (median of 5).`);
    const p50 = median(times);
    const p99 = percentile(times, 99);
    return { what: 'status answer over the socket, 200 hosts, 10,000 live connections (100 asks, half with top\'s detail)', off: '—', on: `p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms`, ratio: '—', target: `< ${STATUS_BUDGET_MS} ms (p50)`, met: p50 < STATUS_BUDGET_MS };
  } finally {
    books.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

export function reportAccounting(r: AccountingResult): string {
  return [
    '| measurement | books off | books on | ratio | target | met |',
    '| --- | --- | --- | --- | --- | --- |',
    ...r.rows.map((x) => `| ${x.what} | ${x.off} | ${x.on} | ${x.ratio} | ${x.target} | ${x.met ? 'yes' : '**no**'} |`),
    '',
    ...r.notes.map((n) => `- ${n}`),
  ].join('\n');
}
