/**
 * The mesh budgets (docs/benchmarks.md, "Mesh"), each a ratio against a reference measured in the
 * same run: a client in one network namespace, a server in another, joined either by the mesh
 * (`norouter run`, one agent per namespace, the client dials the server host's VIP) or by a chain
 * of three socat processes shaped like agent → router → agent (bench/lib/socat-chain.ts). Runs
 * alternate between the two so both see the same machine state (the machine is shared and noisy).
 *
 * Needs root (namespaces), socat, iperf3 and nsenter; without them it is skipped with the reason.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fmtRatio, median, percentile } from './lib/stats.js';
import { createNetns, destroyAllNetns, inNetns } from './lib/netns.js';
import { killAll, runToEnd, which } from './lib/procs.js';
import { fmtMemory, mib, MeshRouter, type Memory } from './lib/mesh-router.js';
import { SocatChain } from './lib/socat-chain.js';
import { Worker } from './lib/worker-client.js';

/**
 * socat -b for all three hops of the reference: 8192, socat's default, because the budget names
 * the reference as that exact command line with no -b (docs/benchmarks.md, "Mesh"). The fastest
 * setting (-b 262144; figures in docs/benchmarks.md) is measured too and shown as information.
 */
export const SOCAT_BUFFER = Number(process.env.NOROUTER_BENCH_SOCAT_B ?? 8192);
const SOCAT_TUNED_BUFFER = 262_144;
/** The whole mesh bench must finish within this: it is meant to take a few minutes at most. */
const DEADLINE_MS = 240_000;

const VIP1 = '127.0.42.101';
const VIP2 = '127.0.42.102';
/** Servers in the second namespace, all on its 127.0.0.1. */
const PORT = { iperf: 5201, echo: 7001, sink: 7002, hold: 7003, source: 7004 } as const;
/** socat chains listen in the first namespace on these, leading to the same servers. */
const SOCAT_PORT = { iperf: 15201, echo: 17001 } as const;
/** A second iperf chain with -b 262144, the fastest socat setting (information only). */
const SOCAT_TUNED_PORT = 25201;

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
  for (const tool of ['ip', 'socat', 'iperf3', 'nsenter']) if (!which(tool)) return `\`${tool}\` is not installed`;
  return undefined;
}

export async function benchMesh(): Promise<MeshBenchResult> {
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
    return await Promise.race([run(dir, closers), deadline]);
  } finally {
    clearTimeout(watchdog);
    for (const close of closers.reverse()) await close().catch(() => {});
    killAll();
    destroyAllNetns();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function run(dir: string, closers: (() => Promise<void>)[]): Promise<MeshBenchResult> {
  const ns1 = createNetns();
  const ns2 = createNetns();
  const server = new Worker('server', inNetns(ns2, []));
  closers.push(() => server.close());
  const client = new Worker('client', inNetns(ns1, []));
  closers.push(() => client.close());
  await Promise.all([server.ready, client.ready]);
  for (const kind of ['echo', 'sink', 'hold', 'source'] as const) await server.call('serve', { kind, port: PORT[kind] });
  // Lives until the namespace is destroyed (or the deadline): it serves one test at a time.
  void runToEnd(inNetns(ns2, ['iperf3', '-s', '-B', '127.0.0.1', '-p', String(PORT.iperf)]), DEADLINE_MS);

  const chains = new Map<number, SocatChain>();
  const chain = (listenPort: number, targetPort: number, buffer: number): void => {
    const c = new SocatChain({ dir, clientNs: ns1, serverNs: ns2, listenPort, targetPort, buffer });
    chains.set(listenPort, c);
    closers.push(() => c.stop());
  };
  chain(SOCAT_PORT.iperf, PORT.iperf, SOCAT_BUFFER);
  chain(SOCAT_PORT.echo, PORT.echo, SOCAT_BUFFER);
  chain(SOCAT_TUNED_PORT, PORT.iperf, SOCAT_TUNED_BUFFER);
  const router = new MeshRouter(join(dir, 'mesh.yaml'), [
    { name: 'client', ns: ns1, vip: VIP1, ports: [] },
    { name: 'server', ns: ns2, vip: VIP2, ports: Object.values(PORT) },
  ]);
  closers.push(() => router.stop());
  await router.ready();

  const ref = { host: '127.0.0.1', echo: SOCAT_PORT.echo, iperf: SOCAT_PORT.iperf };
  const mesh = { host: VIP2, echo: PORT.echo, iperf: PORT.iperf };
  // Warm both paths (JIT, socket buffers, socat's first fork) and prove they work.
  for (const p of [ref, mesh]) await client.call('pingpong', { host: p.host, port: p.echo, rounds: 200, size: 64 });

  const rows: Row[] = [];
  const notes: string[] = [];
  // Idle connections first: later tests grow the heaps, which would hide per-connection memory.
  rows.push(...(await idleConnections(client, router, notes)));
  rows.push(...(await throughput(ns1, ref, mesh, router, chains.get(SOCAT_PORT.iperf)!, notes)));
  rows.push(...(await latency(client, ref, mesh)));
  rows.push(await fairness(client, router, notes));
  rows.push(await connectionRate(client, ref, mesh));
  return { rows, notes, allMet: rows.every((r) => r.met) };
}

// ---- measurements ----------------------------------------------------------------------------

interface Path {
  host: string;
  echo: number;
  iperf: number;
}

async function iperf(ns: string, host: string, port: number, bytes: string): Promise<number> {
  const r = await runToEnd(inNetns(ns, ['iperf3', '-c', host, '-p', String(port), '-n', bytes, '-J']), 60_000);
  const parsed = JSON.parse(r.stdout || '{}') as { error?: string; end?: { sum_received?: { bits_per_second: number } } };
  const bps = parsed.end?.sum_received?.bits_per_second;
  if (r.code !== 0 || bps === undefined) throw new Error(`iperf3 to ${host}:${port} failed: ${parsed.error ?? r.stderr}`);
  return bps / 8 / 1e6;
}

async function throughput(ns1: string, ref: Path, mesh: Path, router: MeshRouter, socat: SocatChain, notes: string[]): Promise<Row[]> {
  const a: number[] = [];
  const b: number[] = [];
  const c: number[] = [];
  const cpuBefore = router.cpu();
  const socatBefore = socat.cpuSeconds();
  for (let i = 0; i < 3; i++) {
    // ABBA order: neither side always runs first. The tuned chain runs last, outside the CPU count.
    if (i % 2 === 0) {
      a.push(await iperf(ns1, ref.host, ref.iperf, '1G'));
      b.push(await iperf(ns1, mesh.host, mesh.iperf, '1G'));
    } else {
      b.push(await iperf(ns1, mesh.host, mesh.iperf, '1G'));
      a.push(await iperf(ns1, ref.host, ref.iperf, '1G'));
    }
  }
  await sleep(1000); // socat lingers up to its -t (0.5 s) after EOF before the listener reaps it
  // CPU per byte does not depend on how busy the machine is, unlike MB/s.
  const socatCpu = (socat.cpuSeconds() - socatBefore) / 3;
  const meshCpu = [...router.cpu()].map(([who, s]) => [who, (s - (cpuBefore.get(who) ?? Number.NaN)) / 3] as const);
  const meshTotal = meshCpu.reduce((t, [, s]) => t + s, 0);
  for (let i = 0; i < 3; i++) c.push(await iperf(ns1, ref.host, SOCAT_TUNED_PORT, '1G'));
  notes.push(`Single stream: MB/s socat ${a.map((x) => x.toFixed(0)).join(', ')}; mesh ${b.map((x) => x.toFixed(0)).join(', ')}; socat -b ${SOCAT_TUNED_BUFFER} ${c.map((x) => x.toFixed(0)).join(', ')}.`);
  notes.push(`Single stream, CPU time per GB: socat chain (3 processes) ${socatCpu.toFixed(2)} s; mesh ${meshTotal.toFixed(2)} s (${meshCpu.map(([who, s]) => `${who} ${s.toFixed(2)} s`).join(', ')}).`);
  const r = median(a);
  const m = median(b);
  const tuned = median(c);
  return [
    {
      what: 'single TCP stream, 1 GB (iperf3), median of 3',
      reference: `${r.toFixed(0)} MB/s`,
      mesh: `${m.toFixed(0)} MB/s`,
      ratio: fmtRatio(m / r),
      target: '≥ 0.5×',
      met: m / r >= 0.5,
    },
    {
      what: `same, against the fastest socat chain, -b ${SOCAT_TUNED_BUFFER} (information, measured after)`,
      reference: `${tuned.toFixed(0)} MB/s`,
      mesh: `${m.toFixed(0)} MB/s`,
      ratio: fmtRatio(m / tuned),
      target: '—',
      met: true,
    },
    {
      what: 'CPU time per GB, single stream (all processes of the path)',
      reference: `${socatCpu.toFixed(2)} s`,
      mesh: `${meshTotal.toFixed(2)} s`,
      ratio: fmtRatio(meshTotal / socatCpu),
      target: '—',
      met: true,
    },
  ];
}

async function latency(client: Worker, ref: Path, mesh: Path): Promise<Row[]> {
  const a: number[] = [];
  const b: number[] = [];
  // Ten alternating blocks of 500: a burst of load from elsewhere lands on both sides alike.
  for (let i = 0; i < 10; i++) {
    const order = i % 2 === 0 ? [ref, mesh] : [mesh, ref];
    for (const p of order) {
      const { rtts } = await client.call<{ rtts: number[] }>('pingpong', { host: p.host, port: p.echo, rounds: 500, size: 64 });
      (p === ref ? a : b).push(...rtts);
    }
  }
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
  return [row(50, 2.5), row(99, 3)];
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
  const tally = { ref: { done: 0, failed: 0, seconds: 0 }, mesh: { done: 0, failed: 0, seconds: 0 } };
  for (let i = 0; i < 2; i++) {
    for (const [name, p] of i === 0 ? [['ref', ref], ['mesh', mesh]] as const : [['mesh', mesh], ['ref', ref]] as const) {
      const r = await client.call<{ done: number; failed: number; seconds: number }>('rate', { host: p.host, port: p.echo, concurrency: 50, durationMs: 3000 }, 30_000);
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
    target: '≥ 1,000/s',
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
