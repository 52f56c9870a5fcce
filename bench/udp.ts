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
}

async function iperfUdp(p: Path, server: number, size: number, rate: string, seconds = 3): Promise<UdpRun> {
  const argv = ['iperf3', '-c', p.host, '-p', String(p.port(server)), '-u', '-b', rate, '-l', String(size), '-t', String(seconds), '-J'];
  const r = await runToEnd(inNetns(p.ns, argv), 60_000);
  const parsed = JSON.parse(r.stdout || '{}') as { error?: string; end?: { sum?: { packets: number; lost_packets: number; lost_percent: number; seconds: number; bits_per_second: number } } };
  const sum = parsed.end?.sum;
  if (r.code !== 0 || !sum) throw new Error(`iperf3 -u to ${p.name} ${p.host}:${p.port(server)} failed: ${parsed.error ?? r.stderr}`);
  const received = sum.packets - sum.lost_packets;
  return { pps: received / sum.seconds, lossPct: sum.lost_percent, mbit: (received * size * 8) / sum.seconds / 1e6 };
}

async function iperfTcp(p: Path, server: number, seconds = 3): Promise<number> {
  const r = await runToEnd(inNetns(p.ns, ['iperf3', '-c', p.host, '-p', String(p.port(server)), '-t', String(seconds), '-J']), 60_000);
  const parsed = JSON.parse(r.stdout || '{}') as { error?: string; end?: { sum_received?: { bits_per_second: number } } };
  const bps = parsed.end?.sum_received?.bits_per_second;
  if (r.code !== 0 || bps === undefined) throw new Error(`iperf3 to ${p.name} failed: ${parsed.error ?? r.stderr}`);
  return bps / 8 / 1e6;
}

/** The highest rate of RATES_MBIT at which the loss stays under 1%, and the loss there. */
async function maxRate(p: Path): Promise<{ mbit: number; lossPct: number; pps: number }> {
  let best = { mbit: 0, lossPct: 100, pps: 0 };
  for (const rate of RATES_MBIT) {
    const r = await iperfUdp(p, 5201, 1200, `${rate}M`);
    if (r.lossPct >= 1) break;
    best = { mbit: r.mbit, lossPct: r.lossPct, pps: r.pps };
  }
  return best;
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
      const ref = await iperfUdp(chain, 5201, size, '0');
      const m = await iperfUdp(mesh, 5201, size, '0');
      rows.push({
        what: `datagrams/s at ${size} bytes, as fast as iperf3 sends (loss)`,
        reference: `${Math.round(ref.pps)}/s (${pct(ref.lossPct)})`, mesh: `${Math.round(m.pps)}/s (${pct(m.lossPct)})`, ratio: `${(m.pps / ref.pps).toFixed(2)}×`,
      });
    }
    const refMax = await maxRate(chain);
    const meshMax = await maxRate(mesh);
    rows.push({
      what: `highest iperf3 -u rate with loss under 1%, 1,200-byte datagrams (of ${RATES_MBIT.join(', ')} Mbit/s)`,
      reference: `${refMax.mbit.toFixed(0)} Mbit/s (${pct(refMax.lossPct)})`, mesh: `${meshMax.mbit.toFixed(0)} Mbit/s (${pct(meshMax.lossPct)})`,
      ratio: `${(meshMax.mbit / refMax.mbit).toFixed(2)}×`,
    });
    for (const p of [chain, mesh]) {
      const alone = await iperfTcp(p, 5202);
      // A flood whose handshake datagram was dropped (the link full of TCP) fails: that is a figure too.
      const [during, flood] = await Promise.all([iperfTcp(p, 5202), iperfUdp(p, 5201, 1200, '0', 4).catch((e: Error) => e)]);
      const f = flood instanceof Error ? `flood failed: ${flood.message.replace(/^.*failed: /, '')}` : `flood: ${Math.round(flood.pps)}/s, ${pct(flood.lossPct)} lost`;
      rows.push({
        what: `${p.name}: TCP MB/s alone → while a UDP flood (-u -b 0, 1,200 B) shares the link`,
        reference: `${alone.toFixed(0)} MB/s`, mesh: `${during.toFixed(0)} MB/s (${f})`,
        ratio: `${(during / alone).toFixed(2)}×`,
      });
    }
    const drops = router.log.split('\n').filter((l) => /datagrams dropped in all|dropped a datagram/.test(l));
    await router.stop();
    router = undefined;
    notes.push(...drops.map((l) => `mesh log: ${l.trim()}`));
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
