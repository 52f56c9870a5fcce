/**
 * npm run bench -- udp (docs/benchmarks.md, "UDP"): `/udp` ports through a real mesh against a
 * chain of three socat UDP relays shaped like agent → router → agent, in one run:
 *
 *   - datagrams per second at 64 and 1,200 bytes, sent as fast as iperf3 can (`-u -b 0`), with
 *     the loss the receiver measured;
 *   - `iperf3 -u` at 1,200 bytes at increasing rates until the loss exceeds 1%: the highest rate
 *     under 1% for each path;
 *   - TCP throughput (iperf3, 3 s) alone and while a UDP flood (`-u -b 0`) uses the same link.
 *
 * Reference: socat hop 1 in the client's namespace (UDP 127.0.0.1:A, fork) → hop 2 in the server's
 * namespace (UDP on a veth address, fork) → hop 3 (UDP 127.0.0.1:C, fork) → the server. Each hop
 * is a socat UDP relay, so datagram boundaries hold (socat's EXEC joins by a stream socketpair,
 * which would merge datagrams). iperf3's TCP control connection (and the TCP rows' data) takes two
 * socat TCP relays over the veth. Mesh: the client dials the server host's VIP, which publishes both ports for TCP and UDP.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createNetns, destroyAllNetns, inNetns } from './lib/netns.js';
import { MeshRouter } from './lib/mesh-router.js';
import { runOk, runToEnd, start, stop, which } from './lib/procs.js';
import type { ChildProcess } from 'node:child_process';

const VIP1 = '127.0.43.1';
const VIP2 = '127.0.43.2';
/** iperf3 servers in the server's namespace; the mesh publishes both for TCP and UDP. */
const IPERF = [5201, 5202];
/** Where the socat chain listens in the client's namespace (hop 1), per iperf3 server. */
const CHAIN = new Map([[5201, 15201], [5202, 15202]]);
const VETH_CLIENT = '10.231.0.1';
const VETH_SERVER = '10.231.0.2';
const RATES_MBIT = [5, 10, 20, 40, 80, 160, 320, 640];

export interface UdpBenchResult {
  rows: { what: string; reference: string; mesh: string; ratio: string }[];
  notes: string[];
}

export function udpSkipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (network namespaces)';
  for (const tool of ['ip', 'socat', 'iperf3']) if (!which(tool)) return `\`${tool}\` is not installed`;
  return undefined;
}

interface Path {
  name: 'socat chain' | 'mesh';
  ns: string;
  host: string;
  port(server: number): number;
}

interface UdpRun {
  /** Datagrams per second the receiver got, and the loss it measured (percent). */
  pps: number;
  lossPct: number;
  mbit: number;
  /** Datagrams the sender sent; CPU of the sending and receiving iperf3 processes (cores, 1 = one core busy). */
  sent: number;
  cpu: IperfCpu;
}

/** iperf3's own measure of its two processes' CPU (user + system over the run's wall time), in cores. */
interface IperfCpu {
  client: number;
  server: number;
}

interface IperfJson {
  error?: string;
  end?: {
    sum?: { packets: number; lost_packets: number; lost_percent: number; seconds: number; bits_per_second: number };
    sum_received?: { bits_per_second: number };
    cpu_utilization_percent?: { host_total: number; remote_total: number };
  };
}

const cpuOf = (j: IperfJson): IperfCpu => ({
  client: (j.end?.cpu_utilization_percent?.host_total ?? Number.NaN) / 100,
  server: (j.end?.cpu_utilization_percent?.remote_total ?? Number.NaN) / 100,
});

async function iperfUdp(p: Path, server: number, size: number, rate: string, seconds = 3): Promise<UdpRun> {
  const argv = ['iperf3', '-c', p.host, '-p', String(p.port(server)), '-u', '-b', rate, '-l', String(size), '-t', String(seconds), '-J'];
  const r = await runToEnd(inNetns(p.ns, argv), 60_000);
  const parsed = JSON.parse(r.stdout || '{}') as IperfJson;
  const sum = parsed.end?.sum;
  if (r.code !== 0 || !sum) throw new Error(`iperf3 -u to ${p.name} ${p.host}:${p.port(server)} failed: ${parsed.error ?? r.stderr}`);
  const received = sum.packets - sum.lost_packets;
  return { pps: received / sum.seconds, lossPct: sum.lost_percent, mbit: (received * size * 8) / sum.seconds / 1e6, sent: sum.packets, cpu: cpuOf(parsed) };
}

async function iperfTcp(p: Path, server: number, seconds = 3): Promise<{ mbyte: number; cpu: IperfCpu }> {
  const r = await runToEnd(inNetns(p.ns, ['iperf3', '-c', p.host, '-p', String(p.port(server)), '-t', String(seconds), '-J']), 60_000);
  const parsed = JSON.parse(r.stdout || '{}') as IperfJson;
  const bps = parsed.end?.sum_received?.bits_per_second;
  if (r.code !== 0 || bps === undefined) throw new Error(`iperf3 to ${p.name} failed: ${parsed.error ?? r.stderr}`);
  return { mbyte: bps / 8 / 1e6, cpu: cpuOf(parsed) };
}

/**
 * iperf3 through the socat chain now and then fails to start (`the server is busy`, `unable to
 * read from stream socket`: its control connection crosses two socat relays); one more try, and
 * how many were needed is reported.
 */
let retries = 0;
async function twice<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch {
    retries++;
    await sleep(500);
    return run();
  }
}

/** The highest rate of RATES_MBIT at which the loss stays under 1%, and the loss there. */
async function maxRate(p: Path, router?: MeshRouter): Promise<{ mbit: number; lossPct: number; pps: number; step: number; cpuSecondsPerDatagram: number }> {
  let best = { mbit: 0, lossPct: 100, pps: 0, step: 0, cpuSecondsPerDatagram: Number.NaN };
  for (const rate of RATES_MBIT) {
    const before = meshCpu(router);
    const r = await twice(() => iperfUdp(p, 5201, 1200, `${rate}M`));
    if (r.lossPct >= 1) break;
    best = { mbit: r.mbit, lossPct: r.lossPct, pps: r.pps, step: rate, cpuSecondsPerDatagram: (meshCpu(router) - before) / r.sent };
  }
  return best;
}

/** CPU seconds used so far by the router and every agent together (NaN without a mesh). */
function meshCpu(router: MeshRouter | undefined): number {
  return router ? [...router.cpu().values()].reduce((a, b) => a + b, 0) : Number.NaN;
}

const SYSCALLS = ['epoll_pwait', 'write', 'writev', 'read', 'recvmsg'] as const;

/**
 * Syscalls of one process over `seconds` (perf stat on its tracepoints): epoll_pwait is one turn of
 * its event loop, write/writev its link's and sockets' writes, recvmsg its UDP reads. Undefined
 * without perf.
 */
async function syscalls(pid: number, seconds: number): Promise<Map<string, number> | undefined> {
  if (!which('perf')) return undefined;
  const events = SYSCALLS.map((s) => `syscalls:sys_enter_${s}`).join(',');
  const r = await runToEnd(['perf', 'stat', '-x', ',', '-e', events, '-p', String(pid), '--', 'sleep', String(seconds)], 30_000);
  const counts = new Map<string, number>();
  for (const line of r.stderr.split('\n')) {
    const [value, , event] = line.split(',');
    const name = event?.replace('syscalls:sys_enter_', '');
    if (name && value !== undefined && /^\d+$/.test(value)) counts.set(name, Number(value));
  }
  return counts.size > 0 ? counts : undefined;
}

const perMByte = (c: Map<string, number> | undefined, mbyte: number): string =>
  c ? SYSCALLS.map((s) => `${s} ${Math.round((c.get(s) ?? 0) / mbyte)}`).join(', ') : 'perf unavailable';

/** The client namespace's UDP counters (/proc/net/snmp): datagrams read by its sockets (the client agent's, for the mesh), and dropped by the kernel because a socket's receive buffer was full. */
async function udpCounters(ns: string): Promise<{ read: number; bufferDrops: number }> {
  const r = await runToEnd(inNetns(ns, ['cat', '/proc/net/snmp']), 10_000);
  const lines = r.stdout.split('\n').filter((l) => l.startsWith('Udp: '));
  const names = (lines[0] ?? '').split(' ');
  const values = (lines[1] ?? '').split(' ').map(Number);
  const get = (name: string): number => values[names.indexOf(name)] ?? Number.NaN;
  return { read: get('InDatagrams'), bufferDrops: get('RcvbufErrors') };
}

const cores = (x: number): string => (Number.isNaN(x) ? '?' : x.toFixed(2));

/**
 * TCP alone, then TCP while `iperf3 -u -b RATE` uses the same link; with where the CPU went
 * during the second: the mesh's processes (from /proc) and the four iperf3 processes (their own
 * figures), in cores (1.00 = one of the machine's cores busy the whole time).
 */
async function tcpUnderUdp(p: Path, rate: string, router: MeshRouter | undefined): Promise<{ alone: number; during: number; flood: string; cpu: string; cpuSecondsPerMByte: number; cpuPerMByteRatio: number }> {
  const before0 = router?.cpu();
  const t00 = process.hrtime.bigint();
  // The client's agent: its syscalls per TCP MB, alone and while UDP runs (2.5 s inside each 3 s run).
  const agentPid = router?.agents().find((a) => a.vip === VIP1)?.pid;
  const count = (): Promise<Map<string, number> | undefined> => (agentPid ? sleep(300).then(() => syscalls(agentPid, 2.5)) : Promise.resolve(undefined));
  const [alone, aloneCalls] = await Promise.all([twice(() => iperfTcp(p, 5202)), count()]);
  const aloneSeconds = Number(process.hrtime.bigint() - t00) / 1e9;
  const udpBefore = await udpCounters(p.ns);
  const before = router?.cpu();
  const t0 = process.hrtime.bigint();
  // A UDP run whose handshake datagram was dropped (the link full of TCP) fails: that is a figure too.
  const [during, flood, duringCalls] = await Promise.all([iperfTcp(p, 5202), iperfUdp(p, 5201, 1200, rate, 3).catch((e: Error) => e), count()]);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const after = router?.cpu();
  const udpAfter = await udpCounters(p.ns);
  const f = flood instanceof Error
    ? `UDP failed: ${flood.message.replace(/^.*failed: /, '')}`
    : `UDP: ${Math.round(flood.sent / 3)}/s sent, ${Math.round(flood.pps)}/s received, ${flood.lossPct.toFixed(2)}% lost`;
  const parts = [`TCP iperf3 ${cores(during.cpu.client)} + ${cores(during.cpu.server)}`];
  if (!(flood instanceof Error)) parts.push(`UDP iperf3 ${cores(flood.cpu.client)} + ${cores(flood.cpu.server)}`);
  if (before && after) for (const [name, s] of after) parts.push(`${name} ${cores((s - (before.get(name) ?? Number.NaN)) / seconds)}`);
  const aloneParts = [`TCP iperf3 ${cores(alone.cpu.client)} + ${cores(alone.cpu.server)}`];
  if (before0 && before) for (const [name, s] of before) aloneParts.push(`${name} ${cores((s - (before0.get(name) ?? Number.NaN)) / aloneSeconds)}`);
  const read = udpAfter.read - udpBefore.read;
  const kernel = udpAfter.bufferDrops - udpBefore.bufferDrops;
  parts.push(`datagrams read in the client's namespace ${Math.round(read / seconds)}/s, dropped there by the kernel (receive buffer full) ${Math.round(kernel / seconds)}/s`);
  const tcpAlone = `TCP alone: ${aloneParts.join(', ')}`;
  if (agentPid) parts.push(`client agent syscalls per TCP MB: ${perMByte(duringCalls, during.mbyte * 2.5)} (TCP alone: ${perMByte(aloneCalls, alone.mbyte * 2.5)})`);
  const meshDuring = before && after ? [...after].reduce((sum, [name, v]) => sum + v - (before.get(name) ?? Number.NaN), 0) : Number.NaN;
  const meshAlone = before0 && before ? [...before].reduce((sum, [name, v]) => sum + v - (before0.get(name) ?? Number.NaN), 0) : Number.NaN;
  return {
    alone: alone.mbyte, during: during.mbyte, flood: f, cpu: `${p.name}, -b ${rate}: ${parts.join(', ')} (${tcpAlone})`,
    cpuSecondsPerMByte: meshAlone / (alone.mbyte * 3),
    // The router's and agents' CPU per TCP MB while UDP ran, over that alone: what the datagrams
    // cost TCP's path whatever else the machine was doing (other processes take CPU from both phases alike).
    cpuPerMByteRatio: (meshDuring / (during.mbyte * 3)) / (meshAlone / (alone.mbyte * 3)),
  };
}

export async function benchUdp(): Promise<UdpBenchResult | { skipped: string }> {
  const skip = udpSkipReason();
  if (skip) return { skipped: skip };
  const dir = mkdtempSync(join(tmpdir(), 'nrb-udp-'));
  const children: ChildProcess[] = [];
  let router: MeshRouter | undefined;
  try {
    const ns1 = createNetns();
    const ns2 = createNetns();
    // A veth between the two namespaces: the socat chain's hop 1 → hop 2 crossing.
    runOk(['ip', 'link', 'add', `nrbu${process.pid % 100000}a`, 'netns', ns1, 'type', 'veth', 'peer', 'name', `nrbu${process.pid % 100000}b`, 'netns', ns2]);
    runOk(inNetns(ns1, ['ip', 'addr', 'add', `${VETH_CLIENT}/30`, 'dev', `nrbu${process.pid % 100000}a`]));
    runOk(inNetns(ns2, ['ip', 'addr', 'add', `${VETH_SERVER}/30`, 'dev', `nrbu${process.pid % 100000}b`]));
    runOk(inNetns(ns1, ['ip', 'link', 'set', `nrbu${process.pid % 100000}a`, 'up']));
    runOk(inNetns(ns2, ['ip', 'link', 'set', `nrbu${process.pid % 100000}b`, 'up']));
    const bg = (argv: string[]) => children.push(start(argv, { stdio: ['ignore', 'ignore', 'ignore'] }));
    for (const port of IPERF) {
      // On 127.0.0.1 only: the server's agent binds its own VIP:PORT/udp, which a wildcard bind would clash with.
      bg(inNetns(ns2, ['iperf3', '-s', '-B', '127.0.0.1', '-p', String(port)]));
      const a = CHAIN.get(port) ?? 0;
      const b = a + 1000;
      const c = a + 2000;
      const udp = (listen: string, to: string) => ['socat', '-b', '65536', `UDP4-LISTEN:${listen},fork,reuseaddr`, `UDP4:${to}`];
      bg(inNetns(ns1, udp(`${a},bind=127.0.0.1`, `${VETH_SERVER}:${b}`)));
      bg(inNetns(ns2, udp(`${b},bind=${VETH_SERVER}`, `127.0.0.1:${c}`)));
      bg(inNetns(ns2, udp(`${c},bind=127.0.0.1`, `127.0.0.1:${port}`)));
      bg(inNetns(ns1, ['socat', `TCP-LISTEN:${a},bind=127.0.0.1,reuseaddr,fork,nodelay`, `TCP:${VETH_SERVER}:${b},nodelay`]));
      bg(inNetns(ns2, ['socat', `TCP-LISTEN:${b},bind=${VETH_SERVER},reuseaddr,fork,nodelay`, `TCP:127.0.0.1:${port},nodelay`]));
    }
    router = new MeshRouter(join(dir, 'udp.yaml'), [
      { name: 'client', ns: ns1, vip: VIP1, ports: [] },
      { name: 'server', ns: ns2, vip: VIP2, ports: IPERF, udpPorts: IPERF },
    ]);
    await router.ready();
    await sleep(500);
    const chain: Path = { name: 'socat chain', ns: ns1, host: '127.0.0.1', port: (s) => CHAIN.get(s) ?? 0 };
    const mesh: Path = { name: 'mesh', ns: ns1, host: VIP2, port: (s) => s };
    const rows: UdpBenchResult['rows'] = [];
    const notes: string[] = [];
    const pct = (x: number) => `${x.toFixed(2)}%`;
    for (const size of [64, 1200]) {
      const ref = await twice(() => iperfUdp(chain, 5201, size, '0'));
      const m = await twice(() => iperfUdp(mesh, 5201, size, '0'));
      rows.push({
        what: `datagrams/s at ${size} bytes, as fast as iperf3 sends (loss)`,
        reference: `${Math.round(ref.pps)}/s (${pct(ref.lossPct)})`, mesh: `${Math.round(m.pps)}/s (${pct(m.lossPct)})`, ratio: `${(m.pps / ref.pps).toFixed(2)}×`,
      });
    }
    const refMax = await maxRate(chain);
    const meshMax = await maxRate(mesh, router);
    rows.push({
      what: `highest iperf3 -u rate with loss under 1%, 1,200-byte datagrams (of ${RATES_MBIT.join(', ')} Mbit/s)`,
      reference: `${refMax.mbit.toFixed(0)} Mbit/s (${pct(refMax.lossPct)})`, mesh: `${meshMax.mbit.toFixed(0)} Mbit/s (${pct(meshMax.lossPct)})`,
      ratio: `${(meshMax.mbit / refMax.mbit).toFixed(2)}×`,
    });
    // The saturating rate: the mesh's highest step under 1% loss (both paths at the same rate).
    const saturating = `${meshMax.step || RATES_MBIT[0]}M`;
    const perMByte: number[] = [];
    for (const [rate, what] of [[saturating, `UDP at ${saturating}bit/s (the mesh's highest rate under 1% loss)`], ['0', 'a UDP flood (-u -b 0)']] as const) {
      for (const p of [chain, mesh]) {
        const r = await tcpUnderUdp(p, rate, p === mesh ? router : undefined);
        rows.push({
          what: `${p.name}: TCP MB/s alone → while ${what}, 1,200 B, shares the link`,
          reference: `${r.alone.toFixed(0)} MB/s`, mesh: `${r.during.toFixed(0)} MB/s (${r.flood})`,
          ratio: `${(r.during / r.alone).toFixed(2)}×`,
        });
        if (p === mesh) {
          rows.push({
            what: `mesh: CPU of the router and agents per TCP MB, while ${what} → alone`, reference: '', mesh: '',
            ratio: `${r.cpuPerMByteRatio.toFixed(2)}×`,
          });
        }
        notes.push(`CPU in cores while TCP and UDP run, ${r.cpu}`);
        if (p === mesh) perMByte.push(r.cpuSecondsPerMByte);
      }
    }
    // What src/net/udp-limits.ts's UDP_DATAGRAM_CHARGE stands for: a datagram's CPU in the mesh against a TCP byte's.
    const tcpPerByte = perMByte.reduce((a, b) => a + b, 0) / perMByte.length / 1e6;
    notes.push(`mesh CPU (router and agents): ${(meshMax.cpuSecondsPerDatagram * 1e6).toFixed(1)} µs per 1,200-byte datagram at ${meshMax.step} Mbit/s, ${(tcpPerByte * 1e6 * 1024).toFixed(2)} µs per KiB of TCP alone: a datagram costs as much as ${(meshMax.cpuSecondsPerDatagram / tcpPerByte / 1024).toFixed(1)} KiB of TCP`);
    await router.stop();
    const drops = router.log.split('\n').filter((l) => /datagrams dropped in all|dropped a datagram/.test(l));
    router = undefined;
    notes.push(...drops.map((l) => `mesh log: ${l.trim()}`));
    if (retries > 0) notes.push(`iperf3 runs that failed to start and were run again: ${retries}`);
    return { rows, notes };
  } finally {
    await router?.stop().catch(() => {});
    await Promise.all(children.map((c) => stop(c, 'SIGKILL', 1000).catch(() => {})));
    destroyAllNetns();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function reportUdp(r: UdpBenchResult | { skipped: string }): string {
  if ('skipped' in r) return `skipped: ${r.skipped}`;
  const lines = ['| measurement | socat UDP chain | mesh | ratio |', '| --- | --- | --- | --- |'];
  for (const row of r.rows) lines.push(`| ${row.what} | ${row.reference} | ${row.mesh} | ${row.ratio} |`);
  return [...lines, '', ...r.notes].join('\n');
}
