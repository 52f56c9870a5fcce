/**
 * The budget (docs/benchmarks.md, "Reload"): with `norouter run --watch`, a port published by
 * saving the manifest accepts connections on every host (the local one and two network namespaces)
 * in under 500 ms median, measured from the end of the save (write a temporary file, rename it over
 * the manifest, as editors do) to the first accepted connection, chokidar's awaitWriteFinish
 * included. Then 200 reloads that add and remove the same port must leave the listener and
 * descriptor counts as they were, and the memory of the router and agents is reported after 20 and
 * after 200.
 *
 * A prober runs on each host (a node child; `ip netns exec` for the namespaces) and reconnects
 * every 2 ms until VIP:PORT accepts, so the measurement costs no process start per attempt.
 */
import { mkdtempSync, readFileSync, readdirSync, readlinkSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { ChildProcess } from 'node:child_process';
import { createNetns, inNetns } from './lib/netns.js';
import { descendants, rssKiB, runToEnd, start } from './lib/procs.js';
import { median } from './lib/stats.js';
import { Lines } from './lib/lines.js';
import { teardown } from './lib/teardown.js';

const CLI = new URL('../dist/norouter.cjs', import.meta.url).pathname;
/** Save → reachable everywhere, median. */
export const RELOAD_BUDGET_MS = 500;
const LATENCY_ROUNDS = 20;
const LEAK_ROUNDS = 200;
const TARGET_PORT = 5000;
const BASE_PORT = 7000;
const LEAK_PORT = 30000;
const WAIT_MS = 10_000;

// Reconnects every 2 ms until IP PORT (one request per stdin line) accepts; answers "up IP PORT".
const PROBER = `
const net = require('net');
require('readline').createInterface({ input: process.stdin }).on('line', (l) => {
  const [host, port] = l.split(' ');
  const attempt = () => {
    const s = net.connect({ host, port: Number(port) });
    s.once('connect', () => { s.destroy(); process.stdout.write('up ' + l + '\\n'); });
    s.once('error', () => setTimeout(attempt, 2));
  };
  attempt();
}).on('close', () => process.exit(0));
`;
const TARGET = `require('net').createServer((s) => s.end()).listen(${TARGET_PORT}, '127.0.0.1', () => console.log('listening'));
process.stdin.on('end', () => process.exit(0)).resume();`;

export interface ProcessFigures {
  name: string;
  rssStartKiB: number;
  rss20KiB: number;
  rss200KiB: number;
  fds20: number;
  fds200: number;
}

export interface Checkpoint {
  after: number;
  rssKiB: number[];
}

export interface ReloadBenchResult {
  /** Save → accepted on every host, one per reload. */
  latenciesMs: number[];
  medianMs: number;
  maxMs: number;
  /** Save → the router's `reload (…)` line. */
  reloadLineMedianMs: number;
  processes: ProcessFigures[];
  listeners: { where: string; at20: number; at200: number }[];
  /** The router's inotify watches after 20 and after 200 reloads. */
  watches: [number, number];
  /** RSS of [router, agents…] at every checkpoint, for the trend. */
  trend: Checkpoint[];
  agentsRestarted: boolean;
  reloads: number;
  missed: string[];
}

function manifest(vips: string[], ns: string[], extra: number | undefined): string {
  const ports = [`${BASE_PORT}:127.0.0.1:${TARGET_PORT}`, ...(extra ? [`${extra}:127.0.0.1:${TARGET_PORT}`] : [])];
  return [
    'hosts:',
    '  local:',
    `    vip: "${vips[0]}"`,
    '  h1:',
    `    cmd: ${JSON.stringify(inNetns(ns[0] ?? '', [process.execPath, CLI]))}`,
    `    vip: "${vips[1]}"`,
    `    ports: ${JSON.stringify(ports)}`,
    '  h2:',
    `    cmd: ${JSON.stringify(inNetns(ns[1] ?? '', [process.execPath, CLI]))}`,
    `    vip: "${vips[2]}"`,
    '',
  ].join('\n');
}

async function listenerCount(ns: string | undefined, vips: Set<string>): Promise<number> {
  const r = await runToEnd(ns ? inNetns(ns, ['ss', '-Hltn']) : ['ss', '-Hltn'], WAIT_MS);
  if (r.code !== 0) throw new Error(`ss failed: ${r.stderr}`);
  return r.stdout.split('\n').filter((line) => {
    const addr = line.trim().split(/\s+/)[3] ?? '';
    return vips.has(addr.slice(0, addr.lastIndexOf(':')));
  }).length;
}

function fdCount(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return Number.NaN;
  }
}

/** inotify watches held by a process (chokidar's fs.watch handles share one inotify descriptor, so fds do not show them). */
function inotifyWatches(pid: number): number {
  let count = 0;
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      let link = '';
      try {
        link = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      if (link === 'anon_inode:inotify') count += readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8').split('\n').filter((l) => l.startsWith('inotify wd:')).length;
    }
  } catch {
    return Number.NaN;
  }
  return count;
}

export async function benchReload(): Promise<ReloadBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'norouter-bench-reload-'));
  const file = join(dir, 'manifest.yaml');
  // 127.99/16 is outside the test suite's VIP range (test/helpers/vips.ts), so both can run at once.
  const vips = [1, 2, 3].map((n) => `127.99.${process.pid % 250}.${n}`);
  const vipSet = new Set(vips);
  const children: ChildProcess[] = [];
  let router: ChildProcess | undefined;
  try {
    const ns = [createNetns(), createNetns()];
    const target = start(inNetns(ns[0] ?? '', [process.execPath, '-e', TARGET]));
    children.push(target);
    await new Lines(target.stdout as NodeJS.ReadableStream, WAIT_MS).next((l) => l === 'listening', 'the target server');

    let n = 0;
    const save = (extra: number | undefined) => {
      const tmp = `${file}.tmp-${++n}`;
      writeFileSync(tmp, manifest(vips, ns, extra));
      renameSync(tmp, file);
    };
    save(undefined);
    router = start([process.execPath, CLI, 'run', '--watch', file]);
    const out = new Lines(router.stdout as NodeJS.ReadableStream, WAIT_MS);
    const err = new Lines(router.stderr as NodeJS.ReadableStream, WAIT_MS);
    await Promise.all([
      out.next((l) => l.startsWith('norouter: ready in'), 'the mesh to be ready'),
      err.next((l) => l.startsWith('norouter: watching'), 'the watcher'),
    ]);
    const routerPid = router.pid ?? Number.NaN;
    const agents = vips.map((vip, i) => {
      const found = descendants(routerPid).filter((p) => p.argv.some((a, j) => a === '--me' && p.argv[j + 1] === vip));
      if (found.length !== 1) throw new Error(`expected one agent for ${vip}, found ${found.length}`);
      return { name: ['local agent', 'h1 agent (netns)', 'h2 agent (netns)'][i] ?? vip, pid: found[0]?.pid ?? Number.NaN };
    });
    const watched = [{ name: 'router', pid: routerPid }, ...agents];
    const rssStart = watched.map((p) => rssKiB(p.pid));

    const probers = [undefined, ...ns].map((space) => {
      const p = start(space ? inNetns(space, [process.execPath, '-e', PROBER]) : [process.execPath, '-e', PROBER]);
      children.push(p);
      return { stdin: p.stdin, lines: new Lines(p.stdout as NodeJS.ReadableStream, WAIT_MS) };
    });
    // Every prober works before the clock starts (a namespace's first node start is slow).
    await Promise.all(probers.map((p) => {
      p.stdin?.write(`${vips[1]} ${BASE_PORT}\n`);
      return p.lines.next((l) => l === `up ${vips[1]} ${BASE_PORT}`, 'the probers');
    }));

    const reloadLine = () => err.next((l) => l.startsWith('norouter: reload ('), 'a reload line');
    const latencies: number[] = [];
    const lineTimes: number[] = [];
    let reloads = 0;
    for (let i = 1; i <= LATENCY_ROUNDS; i++) {
      const port = 20000 + i;
      const line = reloadLine();
      save(port);
      const t0 = performance.now();
      reloads++;
      const up = probers.map((p) => {
        p.stdin?.write(`${vips[1]} ${port}\n`);
        return p.lines.next((l) => l === `up ${vips[1]} ${port}`, `${vips[1]}:${port}`).then(() => performance.now() - t0);
      });
      const text = await line;
      lineTimes.push(performance.now() - t0);
      if (!text.endsWith(`h1: +${port}${i > 1 ? ` -${port - 1}` : ''}`)) throw new Error(`unexpected reload line: ${text}`);
      latencies.push(Math.max(...(await Promise.all(up))));
    }

    // Leak check: the same port added and removed, checkpoints at 20 and 200 in the same state.
    let withLeakPort = false;
    const toggle = async () => {
      withLeakPort = !withLeakPort;
      const line = reloadLine();
      save(withLeakPort ? LEAK_PORT : undefined);
      reloads++;
      const text = await line;
      if (!text.endsWith(`h1: ${withLeakPort ? '+' : '-'}${LEAK_PORT}`)) throw new Error(`unexpected reload line: ${text}`);
    };
    const checkpoint = async () => {
      // Settle: listeners withdrawn by the last CONFIG close, timers and buffers of the reload end.
      await new Promise((r) => setTimeout(r, 1500));
      const rss = watched.map((p) => rssKiB(p.pid));
      trend.push({ after: reloads - leakStart, rssKiB: rss });
      return {
        rss,
        watches: inotifyWatches(routerPid),
        fds: watched.map((p) => fdCount(p.pid)),
        listeners: await Promise.all([undefined, ...ns].map((space) => listenerCount(space, vipSet))),
      };
    };
    // Back to the base state (no extra port) with an even number of toggles from here on.
    const line = reloadLine();
    save(undefined);
    reloads++;
    await line;
    const leakStart = reloads;
    const trend: Checkpoint[] = [];
    while (reloads - leakStart < 20) await toggle();
    const at20 = await checkpoint();
    while (reloads - leakStart < LEAK_ROUNDS / 2 + 10) await toggle();
    await checkpoint();
    while (reloads - leakStart < LEAK_ROUNDS) await toggle();
    const at200 = await checkpoint();

    const agentsRestarted = agents.some((a, i) => {
      const now = descendants(routerPid).find((p) => p.argv.some((x, j) => x === '--me' && p.argv[j + 1] === vips[i]));
      return now?.pid !== a.pid;
    });
    const processes = watched.map((p, i) => ({
      name: p.name,
      rssStartKiB: rssStart[i] ?? Number.NaN,
      rss20KiB: at20.rss[i] ?? Number.NaN,
      rss200KiB: at200.rss[i] ?? Number.NaN,
      fds20: at20.fds[i] ?? Number.NaN,
      fds200: at200.fds[i] ?? Number.NaN,
    }));
    const listeners = ['local', 'h1 (netns)', 'h2 (netns)'].map((where, i) => ({ where, at20: at20.listeners[i] ?? Number.NaN, at200: at200.listeners[i] ?? Number.NaN }));
    const medianMs = median(latencies);
    const missed: string[] = [];
    if (!(medianMs < RELOAD_BUDGET_MS)) missed.push(`median ${medianMs.toFixed(1)} ms ≥ ${RELOAD_BUDGET_MS} ms`);
    for (const l of listeners) if (l.at20 !== l.at200) missed.push(`${l.where}: ${l.at20} listeners after 20 reloads, ${l.at200} after ${LEAK_ROUNDS}`);
    for (const p of processes) if (p.fds20 !== p.fds200) missed.push(`${p.name}: ${p.fds20} descriptors after 20 reloads, ${p.fds200} after ${LEAK_ROUNDS}`);
    if (at20.watches !== at200.watches) missed.push(`router: ${at20.watches} inotify watches after 20 reloads, ${at200.watches} after ${LEAK_ROUNDS}`);
    if (agentsRestarted) missed.push('an agent was restarted');
    return {
      latenciesMs: latencies,
      medianMs,
      maxMs: Math.max(...latencies),
      reloadLineMedianMs: median(lineTimes),
      processes,
      listeners,
      watches: [at20.watches, at200.watches],
      trend,
      agentsRestarted,
      reloads,
      missed,
    };
  } finally {
    await teardown(router, children, dir);
  }
}

const mib = (kib: number) => `${(kib / 1024).toFixed(1)} MiB`;
const delta = (a: number, b: number) => `${b - a >= 0 ? '+' : ''}${((b - a) / 1024).toFixed(1)} MiB`;

export function reportReload(r: ReloadBenchResult): string {
  return [
    `| what | median | max | budget |`,
    '| --- | --- | --- | --- |',
    `| save → new port accepts on all 3 hosts (${r.latenciesMs.length} reloads) | ${r.medianMs.toFixed(1)} ms | ${r.maxMs.toFixed(1)} ms | median < ${RELOAD_BUDGET_MS} ms |`,
    `| save → router's \`reload (…)\` line | ${r.reloadLineMedianMs.toFixed(1)} ms | | |`,
    '',
    `After ${LEAK_ROUNDS} reloads that add and remove the same port (${r.reloads} reloads in all; agents restarted: ${r.agentsRestarted ? 'YES' : 'none'}):`,
    '',
    '| process | RSS at start | RSS after 20 | RSS after 200 | 20 → 200 | fds after 20 | fds after 200 |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...r.processes.map((p) => `| ${p.name} | ${mib(p.rssStartKiB)} | ${mib(p.rss20KiB)} | ${mib(p.rss200KiB)} | ${delta(p.rss20KiB, p.rss200KiB)} | ${p.fds20} | ${p.fds200} |`),
    '',
    `RSS trend (router, agents…): ${r.trend.map((c) => `after ${c.after}: ${c.rssKiB.map(mib).join(', ')}`).join('; ')}. Router inotify watches: ${r.watches[0]} after 20, ${r.watches[1]} after 200.`,
    '',
    '| host | VIP listeners after 20 | after 200 |',
    '| --- | --- | --- |',
    ...r.listeners.map((l) => `| ${l.where} | ${l.at20} | ${l.at200} |`),
    ...(r.missed.length ? ['', `MISSED: ${r.missed.join('; ')}`] : []),
  ].join('\n');
}
