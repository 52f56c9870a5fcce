/**
 * The mesh budgets (docs/benchmarks.md, "Mesh"), each a ratio against a reference measured in the
 * same run: a client in one network namespace, servers in another, joined either by the mesh
 * (`norouter run`, one agent per namespace, the client dials the server host's VIP) or by a chain
 * of three socat processes with 256 KiB buffers shaped like agent → router → agent
 * (bench/lib/socat-chain.ts). Runs alternate between the two so both see the same machine state
 * (the machine is shared and noisy); each figure is the median of NOROUTER_BENCH_ROUNDS (3).
 *
 * Groups, all by default; name some to run only those (`npm run bench -- mesh rr`, or
 * NOROUTER_BENCH_MESH=rr,stream):
 *   stream  single stream and 8 streams (iperf3), 1 GiB HTTP download (curl), CPU per GB
 *   rr      single-connection request/response: pgbench -S -c1, redis-benchmark -c1, 64-byte ping-pong
 *   many    redis-benchmark -c50 and -P16, HTTP keep-alive with 32 clients, new connections/s
 *   idle    1,000 idle connections (memory), fairness with stalled connections
 *
 * Needs root (namespaces), iproute2, socat, iperf3, nsenter, curl; `rr` and `many` also PostgreSQL,
 * pgbench and redis (Debian: `apt-get install postgresql redis-server redis-tools`). A missing tool
 * skips the bench (or the database rows) with the reason.
 *
 * NOROUTER_BENCH_NODE_FLAGS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`) is given to the router
 * and the agents (on their node command lines), for profiling the path under the bench's own load.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fmtRatio, median, percentile } from './lib/stats.js';
import { destroyAllNetns, inNetns } from './lib/netns.js';
import { killAll, runToEnd, which } from './lib/procs.js';
import { fmtMemory, mib, MeshRouter, type Memory } from './lib/mesh-router.js';
import { SocatChain } from './lib/socat-chain.js';
import { Worker, workerPair } from './lib/worker-client.js';
import { dbSkipReason, pgbenchTps, redisRps, startPostgres, startRedis } from './lib/db-servers.js';

/**
 * socat -b for all three hops of the reference: 262144, socat's fastest setting, so that the
 * reference is the best a chain of three processes joined by stdio does (NOROUTER_BENCH_SOCAT_B
 * changes it, e.g. 8192 for socat's default).
 */
export const SOCAT_BUFFER = Number(process.env.NOROUTER_BENCH_SOCAT_B ?? 262_144);
const ROUNDS = Number(process.env.NOROUTER_BENCH_ROUNDS ?? 3);
/** The whole mesh bench must finish within this. */
const DEADLINE_MS = 900_000;

export const MESH_GROUPS = ['stream', 'rr', 'many', 'idle'] as const;
type Group = (typeof MESH_GROUPS)[number];

/** The groups asked for on the command line (`mesh rr`) or in NOROUTER_BENCH_MESH; all when none. */
export function meshGroups(argv: readonly string[]): Set<Group> {
  const named = [...argv, ...(process.env.NOROUTER_BENCH_MESH ?? '').split(',')]
    .filter((a): a is Group => (MESH_GROUPS as readonly string[]).includes(a));
  return new Set(named.length > 0 ? named : MESH_GROUPS);
}

const VIP1 = '127.0.42.101';
const VIP2 = '127.0.42.102';
/** Servers in the second namespace, all on its 127.0.0.1. */
const PORT = { iperf: 5201, echo: 7001, sink: 7002, hold: 7003, source: 7004, http: 8080, pg: 5432, redis: 6379 } as const;
/** socat chains listen in the first namespace on these, leading to the same servers. */
const SOCAT_PORT = { iperf: 15201, echo: 17001, http: 18080, pg: 15432, redis: 16379 } as const;

export interface Row {
  what: string;
  reference: string;
  mesh: string;
  ratio: string;
  target: string;
  met: boolean;
}

export type MeshBenchResult = { skipped: string } | { rows: Row[]; notes: string[]; allMet: boolean };

export function meshSkipReason(): string | undefined {
  if (process.platform !== 'linux') return 'needs Linux network namespaces';
  if (process.getuid?.() !== 0) return 'needs root to create network namespaces';
  for (const tool of ['ip', 'socat', 'iperf3', 'nsenter', 'curl']) if (!which(tool)) return `\`${tool}\` is not installed`;
  return undefined;
}

export async function benchMesh(groups: Set<Group> = new Set(MESH_GROUPS)): Promise<MeshBenchResult> {
  const skip = meshSkipReason();
  if (skip) return { skipped: skip };
  cleanUpOnExit();
  const dir = mkdtempSync(join(tmpdir(), 'norouter-bench-mesh-'));
  const closers: (() => Promise<void>)[] = [];
  let watchdog: NodeJS.Timeout | undefined;
  try {
    const deadline = new Promise<never>((_, reject) => {
      watchdog = setTimeout(() => reject(new Error(`the mesh bench took longer than ${DEADLINE_MS / 1000} s`)), DEADLINE_MS);
    });
    return await Promise.race([run(dir, closers, groups), deadline]);
  } finally {
    clearTimeout(watchdog);
    for (const close of closers.reverse()) await close().catch(() => {});
    killAll();
    destroyAllNetns();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function run(dir: string, closers: (() => Promise<void>)[], groups: Set<Group>): Promise<MeshBenchResult> {
  const { ns1, ns2, server, client } = await workerPair(closers);
  for (const kind of ['echo', 'sink', 'hold', 'source', 'http'] as const) await server.call('serve', { kind, port: PORT[kind] });
  // Lives until the namespace is destroyed (or the deadline): it serves one test at a time.
  void runToEnd(inNetns(ns2, ['iperf3', '-s', '-B', '127.0.0.1', '-p', String(PORT.iperf)]), DEADLINE_MS);
  const notes: string[] = [];
  const dbSkip = groups.has('rr') || groups.has('many') ? dbSkipReason() : 'not asked for';
  if (dbSkip === undefined) await Promise.all([startPostgres(dir, ns2, PORT.pg), startRedis(ns2, PORT.redis)]);
  else if (dbSkip !== 'not asked for') notes.push(`PostgreSQL and redis rows skipped: ${dbSkip}.`);

  const chains = new Map<number, SocatChain>();
  for (const [name, listenPort] of Object.entries(SOCAT_PORT) as [keyof typeof SOCAT_PORT, number][]) {
    const c = new SocatChain({ dir, clientNs: ns1, serverNs: ns2, listenPort, targetPort: PORT[name], buffer: SOCAT_BUFFER });
    chains.set(listenPort, c);
    closers.push(() => c.stop());
  }
  const router = new MeshRouter(join(dir, 'mesh.yaml'), [
    { name: 'client', ns: ns1, vip: VIP1, ports: [] },
    { name: 'server', ns: ns2, vip: VIP2, ports: Object.values(PORT) },
  ], nodeFlags());
  closers.push(() => router.stop());
  await router.ready();
  await sleep(500);
  const idle = router.memory();
  notes.push(`Idle, before any traffic: ${fmtMemory(idle)}.`);

  const ref: Path = { ns: ns1, host: '127.0.0.1', port: (k) => SOCAT_PORT[k] };
  const mesh: Path = { ns: ns1, host: VIP2, port: (k) => PORT[k] };
  // Warm both paths (JIT, socket buffers, socat's first fork) and prove they work.
  for (const p of [ref, mesh]) await client.call('pingpong', { host: p.host, port: p.port('echo'), rounds: 200, size: 64 });

  const rows: Row[] = [];
  const load = (): string => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  notes.push(`Load average (1, 5, 15 min) at the start: ${load()}.`);
  // Idle connections first: later tests grow the heaps, which would hide per-connection memory.
  if (groups.has('idle')) rows.push(...(await idleConnections(client, router, notes)));
  if (groups.has('stream')) rows.push(...(await throughput(ref, mesh, router, chains.get(SOCAT_PORT.iperf)!, chains.get(SOCAT_PORT.http)!, notes)));
  if (groups.has('rr')) {
    if (dbSkip === undefined) rows.push(...(await requestResponse(ref, mesh, notes)));
    rows.push(...(await latency(client, ref, mesh, notes)));
  }
  if (groups.has('many')) {
    if (dbSkip === undefined) rows.push(...(await redisMany(ref, mesh, notes)));
    rows.push(await httpKeepAlive(client, ref, mesh, notes));
    rows.push(await connectionRate(client, ref, mesh));
  }
  if (groups.has('idle')) rows.push(await fairness(client, router, notes));
  notes.push(`Load average at the end: ${load()} (the machine's ${cpus().length} CPUs are shared: the mesh's three Node processes suffer more from other load than socat's).`);
  return { rows, notes, allMet: rows.every((r) => r.met) };
}

/** NOROUTER_BENCH_NODE_FLAGS, for the router's and the agents' node command lines. */
export function nodeFlags(): string[] {
  return (process.env.NOROUTER_BENCH_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);
}

// ---- measurements ----------------------------------------------------------------------------

interface Path {
  ns: string;
  host: string;
  port: (server: keyof typeof SOCAT_PORT) => number;
}

/** `rounds` alternating runs (ABBA…): neither side always runs first. */
async function alternate<T>(ref: () => Promise<T>, mesh: () => Promise<T>, rounds = ROUNDS): Promise<{ ref: T[]; mesh: T[] }> {
  const out = { ref: [] as T[], mesh: [] as T[] };
  for (let i = 0; i < rounds; i++) {
    if (i % 2 === 0) {
      out.ref.push(await ref());
      out.mesh.push(await mesh());
    } else {
      out.mesh.push(await mesh());
      out.ref.push(await ref());
    }
  }
  return out;
}

const list = (xs: readonly number[], digits = 0): string => xs.map((x) => x.toFixed(digits)).join(', ');

/** A row comparing medians where more is better (`min` is the target ratio), or less (`max`). */
function ratioRow(what: string, unit: string, r: number, m: number, target: { min?: number; max?: number; note?: string }, digits = 0): Row {
  const ratio = m / r;
  const met = (target.min === undefined || ratio >= target.min) && (target.max === undefined || ratio <= target.max);
  const t = target.min !== undefined ? `≥ ${target.min}×` : target.max !== undefined ? `≤ ${target.max}×` : '—';
  return { what, reference: `${r.toFixed(digits)} ${unit}`, mesh: `${m.toFixed(digits)} ${unit}`, ratio: fmtRatio(ratio), target: target.note ? `${t} ${target.note}` : t, met };
}

async function iperf(p: Path, streams: number): Promise<number> {
  const argv = ['iperf3', '-c', p.host, '-p', String(p.port('iperf')), '-n', '1G', '-J', ...(streams > 1 ? ['-P', String(streams)] : [])];
  const r = await runToEnd(inNetns(p.ns, argv), 120_000);
  const parsed = JSON.parse(r.stdout || '{}') as { error?: string; end?: { sum_received?: { bits_per_second: number } } };
  const bps = parsed.end?.sum_received?.bits_per_second;
  if (r.code !== 0 || bps === undefined) throw new Error(`iperf3 to ${p.host}:${p.port('iperf')} failed: ${parsed.error ?? r.stderr}`);
  return bps / 8 / 1e6;
}

/** curl downloading 1 GiB from the server's `/big` into /dev/null: MB/s. */
async function download(p: Path): Promise<number> {
  const url = `http://${p.host}:${p.port('http')}/big`;
  const r = await runToEnd(inNetns(p.ns, ['curl', '-sS', '-o', '/dev/null', '-w', '%{size_download} %{speed_download}', url]), 120_000);
  const [size, speed] = r.stdout.trim().split(' ').map(Number);
  if (r.code !== 0 || size !== 1 << 30 || speed === undefined) throw new Error(`curl ${url} failed (${r.code}, ${size} bytes): ${r.stderr}`);
  return speed / 1e6;
}

/**
 * CPU seconds per GB (1e9 bytes) of every process of each path while `bench` moves `bytesPerRun`
 * bytes per run: the mesh's router and agents, the socat chain's three hops (their total from the
 * chain's cgroup when one could be made, exact; the split between hops sampled).
 */
async function cpuPerGb(router: MeshRouter, chain: SocatChain, bytesPerRun: number, bench: () => Promise<{ ref: number[]; mesh: number[] }>) {
  const meshBefore = router.cpu();
  const chainBefore = chain.cpuSecondsExact();
  const hops = chain.sampleHops();
  const figures = await bench();
  await sleep(1000); // socat lingers up to its -t (0.5 s) after EOF before the listener reaps it
  const perHop = hops();
  const how = chain.cpuSecondsExact() !== undefined ? 'total from its cgroup, split sampled' : 'sampled every 50 ms';
  const gb = (figures.ref.length * bytesPerRun) / 1e9;
  const meshGb = (figures.mesh.length * bytesPerRun) / 1e9;
  const chainAfter = chain.cpuSecondsExact();
  const sampled = [...perHop.values()].reduce((t, x) => t + x, 0);
  const chainTotal = (chainBefore !== undefined && chainAfter !== undefined ? chainAfter - chainBefore : sampled) / gb;
  const meshEach = [...router.cpu()].map(([who, s]) => [who, (s - (meshBefore.get(who) ?? Number.NaN)) / meshGb] as const);
  const meshTotal = meshEach.reduce((t, [, s]) => t + s, 0);
  const split = (xs: Iterable<readonly [string, number]>, per: number): string => [...xs].sort().map(([who, s]) => `${who} ${(s / per).toFixed(2)}`).join(', ');
  return {
    figures,
    chainTotal,
    meshTotal,
    note: `mesh ${meshTotal.toFixed(2)} s (${split(meshEach, 1)}); socat chain ${chainTotal.toFixed(2)} s (${split(perHop, gb)}; ${how})`,
  };
}

async function throughput(ref: Path, mesh: Path, router: MeshRouter, iperfChain: SocatChain, httpChain: SocatChain, notes: string[]): Promise<Row[]> {
  const one = await cpuPerGb(router, iperfChain, 1 << 30, () => alternate(() => iperf(ref, 1), () => iperf(mesh, 1)));
  notes.push(`Single stream (iperf3 -n 1G), MB/s: socat ${list(one.figures.ref)}; mesh ${list(one.figures.mesh)}.`);
  notes.push(`Single stream, CPU-s per GB: ${one.note}.`);
  const eight = await alternate(() => iperf(ref, 8), () => iperf(mesh, 8));
  notes.push(`8 streams (iperf3 -P 8 -n 1G), MB/s: socat ${list(eight.ref)}; mesh ${list(eight.mesh)}.`);
  const http = await cpuPerGb(router, httpChain, 1 << 30, () => alternate(() => download(ref), () => download(mesh)));
  notes.push(`HTTP 1 GiB download (curl), MB/s: socat ${list(http.figures.ref)}; mesh ${list(http.figures.mesh)}.`);
  notes.push(`HTTP download, CPU-s per GB: ${http.note}.`);
  return [
    ratioRow(`single TCP stream, 1 GiB (iperf3), median of ${ROUNDS}`, 'MB/s', median(one.figures.ref), median(one.figures.mesh), { min: 0.75 }),
    ratioRow(`8 TCP streams, 1 GiB (iperf3 -P 8), median of ${ROUNDS}`, 'MB/s', median(eight.ref), median(eight.mesh), {}),
    ratioRow(`HTTP download, 1 GiB (curl), median of ${ROUNDS}`, 'MB/s', median(http.figures.ref), median(http.figures.mesh), { min: 0.75 }),
    ratioRow('CPU-s per GB, single stream (all processes of the path)', 's', one.chainTotal, one.meshTotal, { max: 1.5 }, 2),
    ratioRow('CPU-s per GB, HTTP download (all processes of the path)', 's', http.chainTotal, http.meshTotal, { max: 1.5 }, 2),
  ];
}

async function requestResponse(ref: Path, mesh: Path, notes: string[]): Promise<Row[]> {
  const pg = await alternate(() => pgbenchTps(ref.ns, ref.host, ref.port('pg'), 1, 4), () => pgbenchTps(mesh.ns, mesh.host, mesh.port('pg'), 1, 4));
  notes.push(`pgbench -S -c 1 -T 4, tps: socat ${list(pg.ref)}; mesh ${list(pg.mesh)}.`);
  const redis = await alternate(() => redisRps(ref.ns, ref.host, ref.port('redis'), 1, 1, 20_000), () => redisRps(mesh.ns, mesh.host, mesh.port('redis'), 1, 1, 20_000));
  notes.push(`redis-benchmark -c 1 -t get -n 20000, requests/s: socat ${list(redis.ref)}; mesh ${list(redis.mesh)}.`);
  return [
    ratioRow('pgbench select-only, 1 client (tps)', 'tps', median(pg.ref), median(pg.mesh), { min: 0.85 }),
    ratioRow('redis-benchmark GET, 1 client (requests/s)', '/s', median(redis.ref), median(redis.mesh), { min: 0.85 }),
  ];
}

async function redisMany(ref: Path, mesh: Path, notes: string[]): Promise<Row[]> {
  const c50 = await alternate(() => redisRps(ref.ns, ref.host, ref.port('redis'), 50, 1, 100_000), () => redisRps(mesh.ns, mesh.host, mesh.port('redis'), 50, 1, 100_000));
  notes.push(`redis-benchmark -c 50 -t get -n 100000, requests/s: socat ${list(c50.ref)}; mesh ${list(c50.mesh)}.`);
  const p16 = await alternate(() => redisRps(ref.ns, ref.host, ref.port('redis'), 50, 16, 1_000_000), () => redisRps(mesh.ns, mesh.host, mesh.port('redis'), 50, 16, 1_000_000));
  notes.push(`redis-benchmark -c 50 -P 16 -t get -n 1000000, requests/s: socat ${list(p16.ref)}; mesh ${list(p16.mesh)}.`);
  return [
    ratioRow('redis-benchmark GET, 50 clients', '/s', median(c50.ref), median(c50.mesh), { min: 2, note: '(keep the win)' }),
    ratioRow('redis-benchmark GET, 50 clients, pipelined (-P 16)', '/s', median(p16.ref), median(p16.mesh), { min: 2.5, note: '(keep the win)' }),
  ];
}

async function httpKeepAlive(client: Worker, ref: Path, mesh: Path, notes: string[]): Promise<Row> {
  const one = async (p: Path): Promise<number> => {
    const r = await client.call<{ done: number; seconds: number }>('http-rate', { host: p.host, port: p.port('http'), concurrency: 32, durationMs: 3000 }, 30_000);
    return r.done / r.seconds;
  };
  const r = await alternate(() => one(ref), () => one(mesh));
  notes.push(`HTTP keep-alive, 32 clients, small GETs for 3 s, requests/s: socat ${list(r.ref)}; mesh ${list(r.mesh)}.`);
  return ratioRow('HTTP keep-alive requests/s, 32 clients', '/s', median(r.ref), median(r.mesh), { min: 1.5, note: '(keep the win)' });
}

async function latency(client: Worker, ref: Path, mesh: Path, notes: string[]): Promise<Row[]> {
  const a: number[] = [];
  const b: number[] = [];
  // Ten alternating blocks of 500: a burst of load from elsewhere lands on both sides alike.
  for (let i = 0; i < 10; i++) {
    const order = i % 2 === 0 ? [ref, mesh] : [mesh, ref];
    for (const p of order) {
      const { rtts } = await client.call<{ rtts: number[] }>('pingpong', { host: p.host, port: p.port('echo'), rounds: 500, size: 64 });
      (p === ref ? a : b).push(...rtts);
    }
  }
  notes.push(`64-byte ping-pong, 5,000 round trips each: mean ${mean(a).toFixed(0)} µs socat, ${mean(b).toFixed(0)} µs mesh; p90 ${percentile(a, 90).toFixed(0)} / ${percentile(b, 90).toFixed(0)} µs.`);
  const row = (p: number, target: number): Row => {
    const r = percentile(a, p);
    const m = percentile(b, p);
    return {
      what: `64-byte round trip p${p} (5,000 sequential on one connection)`,
      reference: `${r.toFixed(0)} µs`,
      mesh: `${m.toFixed(0)} µs`,
      ratio: fmtRatio(m / r),
      target: `≤ ${target}×`,
      met: m / r <= target,
    };
  };
  return [
    ratioRow('64-byte ping-pong, round trips/s on one connection (1 / mean)', '/s', 1e6 / mean(a), 1e6 / mean(b), { min: 0.85 }),
    row(50, 1.5),
    row(99, 2),
  ];
}

async function streams8(client: Worker): Promise<number> {
  const r = await client.call<{ bytes: number; seconds: number }>('streams', { host: VIP2, port: PORT.sink, count: 8, durationMs: 2000 });
  return r.bytes / r.seconds / 1e6;
}

async function fairness(client: Worker, router: MeshRouter, notes: string[]): Promise<Row> {
  const base: number[] = [];
  const stalled: number[] = [];
  let before: Memory | undefined;
  let during: Memory | undefined;
  let stallsOpen = false;
  // B S S B B S S B: drift in the machine's load cancels out between the two sets.
  for (const phase of ['B', 'S', 'S', 'B', 'B', 'S', 'S', 'B']) {
    if (phase === 'S' && !stallsOpen) {
      before ??= router.memory();
      // One connection whose server never reads (upload) and one whose client never reads
      // (download): each direction of the link carries a connection stuck at its window.
      await client.call('stall', { host: VIP2, port: PORT.hold, direction: 'upload' });
      await client.call('stall', { host: VIP2, port: PORT.source, direction: 'download' });
      stallsOpen = true;
      await sleep(500);
    } else if (phase === 'B' && stallsOpen) {
      await client.call('unstall', {});
      stallsOpen = false;
    }
    (phase === 'S' ? stalled : base).push(await streams8(client));
    if (phase === 'S' && stalled.length === 2) during = router.memory();
  }
  const b = mean(base);
  const s = mean(stalled);
  notes.push(`Fairness: 8 uploads per run, MB/s without stalled connections ${base.map((x) => x.toFixed(0)).join(', ')}; with ${stalled.map((x) => x.toFixed(0)).join(', ')}.`);
  if (before && during) notes.push(`Fairness: RSS before the stalled connections: ${fmtMemory(before)}; with them, after two runs: ${fmtMemory(during)}.`);
  return {
    what: '8 uploads (aggregate) with 1 upload + 1 download stalled, vs without (BSSBBSSB, 2 s each)',
    reference: `${b.toFixed(0)} MB/s without`,
    mesh: `${s.toFixed(0)} MB/s with`,
    ratio: fmtRatio(s / b),
    target: '≥ 0.9×',
    met: s / b >= 0.9,
  };
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

async function idleConnections(client: Worker, router: MeshRouter, notes: string[]): Promise<Row[]> {
  const count = 1000;
  await sleep(500);
  const before = router.memory();
  const r = await client.call<{ ok: number; failed: number; errors: Record<string, number> }>('hold-many', { host: VIP2, port: PORT.echo, count, timeoutMs: 20_000 }, 60_000);
  await sleep(1000);
  const after: Memory = router.memory();
  await client.call('release', {}, 30_000);
  const perConnKiB = (after.totalKiB - before.totalKiB) / count;
  notes.push(`1,000 idle connections: RSS before ${fmtMemory(before)}; with them ${fmtMemory(after)}.`);
  if (r.failed > 0) notes.push(`1,000 idle connections: ${r.failed} failed: ${JSON.stringify(r.errors)}.`);
  return [
    {
      what: '1,000 concurrent connections through one agent pair',
      reference: `${count} opened`,
      mesh: `${r.ok} echoed`,
      ratio: `${r.failed} failed`,
      target: 'all succeed',
      met: r.failed === 0,
    },
    {
      what: 'memory per idle connection, Δ RSS (router + 2 agents) / 1,000',
      reference: mib(before.totalKiB),
      mesh: mib(after.totalKiB),
      ratio: `${perConnKiB.toFixed(1)} KiB/conn`,
      target: '≤ 64 KiB/conn',
      met: perConnKiB <= 64,
    },
  ];
}

async function connectionRate(client: Worker, ref: Path, mesh: Path): Promise<Row> {
  // The socat chain forks three socat, a shell and nsenter per connection: its rate is process creation.
  const tally = { ref: { done: 0, failed: 0, seconds: 0 }, mesh: { done: 0, failed: 0, seconds: 0 } };
  for (let i = 0; i < 2; i++) {
    for (const [name, p] of i === 0 ? [['ref', ref], ['mesh', mesh]] as const : [['mesh', mesh], ['ref', ref]] as const) {
      const r = await client.call<{ done: number; failed: number; seconds: number }>('rate', { host: p.host, port: p.port('echo'), concurrency: 50, durationMs: 3000 }, 30_000);
      tally[name].done += r.done;
      tally[name].failed += r.failed;
      tally[name].seconds += r.seconds;
    }
  }
  const r = tally.ref.done / tally.ref.seconds;
  const m = tally.mesh.done / tally.mesh.seconds;
  const failures = tally.mesh.failed > 0 ? `, ${tally.mesh.failed} failed` : '';
  return {
    what: 'new connections/s (connect, 1 byte each way, close), concurrency 50, 2 × 3 s',
    reference: `${r.toFixed(0)}/s${tally.ref.failed > 0 ? `, ${tally.ref.failed} failed` : ''}`,
    mesh: `${m.toFixed(0)}/s${failures}`,
    ratio: fmtRatio(m / r),
    target: '≥ 1,000/s (keep the win)',
    met: m >= 1000 && tally.mesh.failed === 0,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function reportMesh(r: MeshBenchResult): string {
  if ('skipped' in r) return `skipped: ${r.skipped}`;
  return [
    `| measurement | reference (socat chain, -b ${SOCAT_BUFFER}) | mesh | ratio | target | met |`,
    '| --- | --- | --- | --- | --- | --- |',
    ...r.rows.map((x) => `| ${x.what} | ${x.reference} | ${x.mesh} | ${x.ratio} | ${x.target} | ${x.met ? 'yes' : '**no**'} |`),
    '',
    ...r.notes.map((n) => `- ${n}`),
  ].join('\n');
}

/** Whatever happens (an exception, Ctrl-C), leave no process or namespace behind. */
function cleanUpOnExit(): void {
  process.once('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killAll();
      destroyAllNetns();
      process.exit(130);
    });
  }
}
