/**
 * The mesh's hot path in instructions, per 64-byte round trip and per MiB, for each of its three
 * processes (docs/benchmarks.md, "Mesh: request/response in instructions"): a count the machine's
 * load cannot move, where the CPU seconds and latencies of bench/mesh.ts and bench/mesh-profile.ts
 * swing by more than a change on the hot path is worth. The router and both agents run under
 * valgrind's callgrind (node's JIT code included, all threads; V8's compilers left out, as in
 * bench/accounting-instructions.ts), in the two network namespaces of bench/mesh-profile.ts (an
 * agent each, the client in the first, the echo and iperf3 servers in the second). Counting
 * starts after a warm-up and is dumped after each phase: ROUND_TRIPS sequential 64-byte round
 * trips on one connection, then one iperf3 stream of STREAM_MIB MiB client -> server.
 *
 *   node --import tsx bench/mesh-instructions.ts                      dist/norouter.cjs
 *   NOROUTER_BENCH_BUILDS=before=/tmp/a.cjs,after=/tmp/b.cjs node --import tsx bench/mesh-instructions.ts
 *                                                                     builds alternating, REPS each
 *
 * Root (network namespaces), valgrind (with callgrind_control), iperf3. Three to seven minutes
 * per build on the shared 2-vCPU machine.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { destroyAllNetns, inNetns } from './lib/netns.js';
import { killAll, runToEnd } from './lib/procs.js';
import { CLI, MeshRouter } from './lib/mesh-router.js';
import { workerPair } from './lib/worker-client.js';
import { callgrindControl, excludingCompiler } from './lib/callgrind.js';

const ROUND_TRIPS = 4000;
const STREAM_MIB = 64;
const WARM_TRIPS = 8000;
const WARM_MIB = 32;
const REPS = Number(process.env.NOROUTER_BENCH_ROUNDS ?? 2);
const VIP = { client: '127.0.42.101', server: '127.0.42.102' } as const;
const PORT = { iperf: 5201, echo: 7001 } as const;
const WHO = ['router', 'client', 'server'] as const;
type Who = (typeof WHO)[number];

interface Counted { build: string; perTrip: Record<Who, number>; perMiB: Record<Who, number> }

async function countOnce(build: string, cli: string): Promise<Counted> {
  const dir = mkdtempSync(join(tmpdir(), 'norouter-mesh-instr-'));
  try {
    const { ns1, ns2, server, client } = await workerPair([]);
    await server.call('serve', { kind: 'echo', port: PORT.echo });
    void runToEnd(inNetns(ns2, ['iperf3', '-s', '-B', '127.0.0.1', '-p', String(PORT.iperf)]), 1_800_000);
    const wrap = (who: string) => ['valgrind', '--tool=callgrind', '--instr-atstart=no', '--trace-children=no', `--callgrind-out-file=${join(dir, `cg.${who}`)}`];
    const router = new MeshRouter(join(dir, 'mesh.yaml'), [
      { name: 'client', ns: ns1, vip: VIP.client, ports: [] },
      { name: 'server', ns: ns2, vip: VIP.server, ports: Object.values(PORT) },
    ], [], undefined, wrap, cli);
    await router.ready(600_000);
    const agents = router.agents();
    const pids: Record<Who, number> = {
      router: router.pid,
      client: agents.find((a) => a.vip === VIP.client)!.pid,
      server: agents.find((a) => a.vip === VIP.server)!.pid,
    };
    const iperf = (mib: number) => runToEnd(inNetns(ns1, ['iperf3', '-c', VIP.server, '-p', String(PORT.iperf), '-n', `${mib}M`]), 900_000);
    const trips = (n: number) => client.call('pingpong', { host: VIP.server, port: PORT.echo, rounds: n, size: 64 }, 900_000);
    await trips(WARM_TRIPS);
    await iperf(WARM_MIB);
    for (const w of WHO) callgrindControl(pids[w], ['-i', 'on']);
    await trips(ROUND_TRIPS);
    for (const w of WHO) callgrindControl(pids[w], ['-d', 'trips']);
    await iperf(STREAM_MIB);
    for (const w of WHO) callgrindControl(pids[w], ['-d', 'stream']);
    const dumps = readdirSync(dir).filter((f) => f.startsWith('cg.'));
    const counted = (who: Who, phase: string): number => {
      const file = dumps.find((f) => f.startsWith(`cg.${who}`) && readFileSync(join(dir, f), 'utf8').includes(`desc: Trigger: dump ${phase}\n`));
      if (!file) throw new Error(`no callgrind dump ${phase} of the ${who} in ${dir}`);
      return excludingCompiler(join(dir, file)).run;
    };
    const perTrip = Object.fromEntries(WHO.map((w) => [w, counted(w, 'trips') / ROUND_TRIPS])) as Record<Who, number>;
    const perMiB = Object.fromEntries(WHO.map((w) => [w, counted(w, 'stream') / STREAM_MIB])) as Record<Who, number>;
    await router.stop();
    await client.close();
    await server.close();
    return { build, perTrip, perMiB };
  } finally {
    killAll();
    destroyAllNetns();
    // NOROUTER_BENCH_KEEP_DUMPS=1 keeps the callgrind dumps, for callgrind_annotate.
    if (process.env.NOROUTER_BENCH_KEEP_DUMPS) process.stderr.write(`mesh-instructions: dumps kept in ${dir}\n`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const builds = (process.env.NOROUTER_BENCH_BUILDS ?? `dist=${CLI}`).split(',').map((b) => {
    const at = b.indexOf('=');
    return { name: b.slice(0, at), cli: b.slice(at + 1) };
  });
  const runs: Counted[] = [];
  for (let i = 0; i < REPS; i++) {
    for (const b of i % 2 === 0 ? builds : [...builds].reverse()) {
      const r = await countOnce(b.name, b.cli);
      runs.push(r);
      process.stderr.write(`mesh-instructions: ${b.name}: per round trip ${WHO.map((w) => `${w} ${(r.perTrip[w] / 1e3).toFixed(1)} k`).join(', ')}; per MiB ${WHO.map((w) => `${w} ${(r.perMiB[w] / 1e6).toFixed(2)} M`).join(', ')}\n`);
    }
  }
  const lines = ['| build | router k/trip | client agent k/trip | server agent k/trip | router M/MiB | client agent M/MiB | server agent M/MiB |', '| --- | --- | --- | --- | --- | --- | --- |'];
  for (const b of builds) {
    const mine = runs.filter((r) => r.build === b.name);
    const trip = (w: Who) => mine.map((r) => (r.perTrip[w] / 1e3).toFixed(1)).join(' / ');
    const mib = (w: Who) => mine.map((r) => (r.perMiB[w] / 1e6).toFixed(2)).join(' / ');
    lines.push(`| ${b.name} | ${trip('router')} | ${trip('client')} | ${trip('server')} | ${mib('router')} | ${mib('client')} | ${mib('server')} |`);
  }
  console.log(`### mesh instructions (callgrind, V8's compilers left out; ${ROUND_TRIPS} round trips, ${STREAM_MIB} MiB; each run)\n\n${lines.join('\n')}`);
}

await main();
