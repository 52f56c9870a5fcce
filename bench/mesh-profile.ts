/**
 * Where the mesh's CPU goes, per GB and per round trip, in each of its three processes (router and
 * two agents; docs/benchmarks.md, "Mesh: where the time goes"). Not a budget: it prints figures for
 * whoever works on the hot path. Root; needs iproute2, iperf3 and perf (`apt-get install
 * linux-perf`) for the syscall counts, which are kernel tracepoints counted in the kernel, so they
 * barely slow the path, unlike strace.
 *
 *   node --import tsx bench/mesh-profile.ts             syscalls and user/system CPU per process
 *   NOROUTER_BENCH_NODE_FLAGS="--cpu-prof --cpu-prof-dir=DIR" node --import tsx bench/mesh-profile.ts
 *                                                       also .cpuprofile files of the three processes
 *
 * Workloads: one iperf3 stream of 1 GiB client → server, then 5,000 sequential 64-byte round trips;
 * NOROUTER_BENCH_PROFILE=stream (or rr) runs only that one, so that a profile shows only it.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { destroyAllNetns, inNetns } from './lib/netns.js';
import { killAll, runToEnd, start, stop } from './lib/procs.js';
import { MeshRouter } from './lib/mesh-router.js';
import { workerPair } from './lib/worker-client.js';
import { percentile } from './lib/stats.js';
import { nodeFlags } from './mesh.js';

const VIP1 = '127.0.42.101';
const VIP2 = '127.0.42.102';
const PORT = { iperf: 5201, echo: 7001 } as const;
const SYSCALLS = ['read', 'write', 'writev', 'epoll_pwait', 'epoll_ctl', 'futex', 'sendmsg'];
const CLOCK_TICKS = 100;
/** NOROUTER_BENCH_RR_ROUNDS: more round trips, for CPU per round trip finer than /proc's 10 ms ticks allow. */
const RR_ROUNDS = Number(process.env.NOROUTER_BENCH_RR_ROUNDS ?? 5000);

interface Counted {
  who: string;
  counts: Map<string, number>;
  userS: number;
  sysS: number;
}

function cpuSplit(pid: number): { user: number; sys: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(f[11]) / CLOCK_TICKS, sys: Number(f[12]) / CLOCK_TICKS };
}

/** Counts syscalls (kernel tracepoints) and user/system CPU of each process while `work` runs. */
async function counted(procs: { who: string; pid: number }[], work: () => Promise<void>): Promise<Counted[]> {
  const events = SYSCALLS.map((s) => `syscalls:sys_enter_${s}`).join(',');
  const before = procs.map((p) => cpuSplit(p.pid));
  const perfs = procs.map((p) => {
    const child = start(['perf', 'stat', '-x', ',', '-e', events, '-p', String(p.pid)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr?.on('data', (d: Buffer) => { err += d.toString(); });
    return { child, out: () => err };
  });
  await new Promise((r) => setTimeout(r, 300)); // perf attaches
  await work();
  const results: Counted[] = [];
  for (const [i, p] of procs.entries()) {
    const perf = perfs[i]!;
    await stop(perf.child, 'SIGINT', 3000);
    const counts = new Map<string, number>();
    for (const line of perf.out().split('\n')) {
      const [value, , event] = line.split(',');
      const name = /sys_enter_(\w+)/.exec(event ?? '')?.[1];
      if (name) counts.set(name, Number(value));
    }
    const after = cpuSplit(p.pid);
    results.push({ who: p.who, counts, userS: after.user - before[i]!.user, sysS: after.sys - before[i]!.sys });
  }
  return results;
}

/** `per` units of work; CPU shown in `cpuUnit` (1 = s, 1e6 = µs). */
function table(title: string, rows: Counted[], per: number, unit: string, cpuUnit: number): string {
  const u = cpuUnit === 1 ? 's' : 'µs';
  const lines = [`### ${title} (per ${unit})`, '', `| process | user ${u} | sys ${u} | ${SYSCALLS.join(' | ')} |`, `| --- | --- | --- | ${SYSCALLS.map(() => '---').join(' | ')} |`];
  for (const r of rows) {
    const cpu = (x: number): string => ((x / per) * cpuUnit).toFixed(cpuUnit === 1 ? 3 : 0);
    lines.push(`| ${r.who} | ${cpu(r.userS)} | ${cpu(r.sysS)} | ${SYSCALLS.map((s) => ((r.counts.get(s) ?? 0) / per).toFixed(per > 100 ? 2 : 0)).join(' | ')} |`);
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'norouter-mesh-profile-'));
  const flags = process.env.NOROUTER_BENCH_NODE_FLAGS;
  try {
    const { ns1, ns2, server, client } = await workerPair([]);
    await server.call('serve', { kind: 'echo', port: PORT.echo });
    void runToEnd(inNetns(ns2, ['iperf3', '-s', '-B', '127.0.0.1', '-p', String(PORT.iperf)]), 600_000);
    const router = new MeshRouter(join(dir, 'mesh.yaml'), [
      { name: 'client', ns: ns1, vip: VIP1, ports: [] },
      { name: 'server', ns: ns2, vip: VIP2, ports: Object.values(PORT) },
    ], nodeFlags());
    await router.ready();
    const procs = [{ who: 'router', pid: router.pid }, ...router.agents().map((a) => ({ who: `agent ${a.vip === VIP1 ? 'client side' : 'server side'}`, pid: a.pid }))];
    await client.call('pingpong', { host: VIP2, port: PORT.echo, rounds: 500, size: 64 });
    if (process.env.NOROUTER_BENCH_PROFILE !== 'rr') await runToEnd(inNetns(ns1, ['iperf3', '-c', VIP2, '-p', String(PORT.iperf), '-n', '256M']), 60_000);

    const only = process.env.NOROUTER_BENCH_PROFILE;
    let mbps = 0;
    if (only !== 'rr') {
      const stream = await counted(procs, async () => {
        const r = await runToEnd(inNetns(ns1, ['iperf3', '-c', VIP2, '-p', String(PORT.iperf), '-n', '1G', '-J']), 120_000);
        mbps = (JSON.parse(r.stdout) as { end: { sum_received: { bits_per_second: number } } }).end.sum_received.bits_per_second / 8e6;
      });
      console.log(`${table(`single stream, iperf3 1 GiB, ${mbps.toFixed(0)} MB/s`, stream, 1.073741824, 'GB', 1)}\n`);
    }
    if (only !== 'stream') {
      let rtts: number[] = [];
      const rr = await counted(procs, async () => {
        rtts = (await client.call<{ rtts: number[] }>('pingpong', { host: VIP2, port: PORT.echo, rounds: RR_ROUNDS, size: 64 }, 600_000)).rtts;
      });
      const mean = rtts.reduce((a, b) => a + b, 0) / rtts.length;
      console.log(`${table(`64-byte ping-pong, ${RR_ROUNDS} round trips, p50 ${percentile(rtts, 50).toFixed(0)} µs, mean ${mean.toFixed(0)} µs, p99 ${percentile(rtts, 99).toFixed(0)} µs`, rr, RR_ROUNDS, 'round trip', 1e6)}\n`);
    }
    await router.stop();
    await client.close();
    await server.close();
    if (flags) console.log(`profiles: see the directory in NOROUTER_BENCH_NODE_FLAGS (${flags})`);
  } finally {
    killAll();
    destroyAllNetns();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
