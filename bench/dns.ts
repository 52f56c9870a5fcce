/**
 * The DNS add-on's server under load. dnsperf (Debian's) against, in the same run:
 * norouter's DnsServer answering 100 host names, a plain dns2 server answering the same names
 * (the reference: ours must reach ≥ 90% of its rate), and names relayed by ours to a plain dns2
 * upstream, beside that upstream queried directly. Queries per second and p99 latency (from
 * dnsperf -v's per-query lines). Each server runs in its own process; all on loopback.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const WORKER = fileURLToPath(new URL('./lib/dns-worker.ts', import.meta.url));
const NAMES = 100;
const SECONDS = Number(process.env.DNS_BENCH_SECONDS ?? 2);
/** Interleaved rounds: on a shared 2-vCPU machine one run can be halved by a neighbour. */
const ROUNDS = 5;

export interface DnsRun { label: string; qps: number; p99ms: number; lost: number }
export type DnsResult = { skipped: string } | { runs: DnsRun[]; ratioLocal: number; met: boolean };

/** Servers on one CPU, dnsperf on the other, when taskset exists: less noise from the scheduler. */
function pinned(cpu: number, argv: string[]): [string, string[]] {
  const withTaskset = spawnSync('taskset', ['-c', String(cpu), 'true']).status === 0;
  const full = withTaskset ? ['taskset', '-c', String(cpu), ...argv] : argv;
  return [full[0] ?? '', full.slice(1)];
}

function start(args: string[]): Promise<{ port: number; child: ChildProcess }> {
  const child = spawn(...pinned(1, [process.execPath, '--import', 'tsx', WORKER, ...args]), { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /listening (\d+)/.exec(out);
      if (m) resolve({ port: Number(m[1]), child });
    });
    child.on('exit', (code) => reject(new Error(`dns worker ${args.join(' ')} exited (${code})`)));
  });
}

function dnsperf(label: string, ip: string, port: number, file: string): DnsRun {
  const r = spawnSync(...pinned(0, ['dnsperf', '-s', ip, '-p', String(port), '-d', file, '-l', String(SECONDS), '-c', '1', '-q', '64', '-v']), { encoding: 'utf8', maxBuffer: 1 << 30 });
  const qps = Number(/Queries per second:\s+([\d.]+)/.exec(r.stdout)?.[1] ?? NaN);
  const lost = Number(/Queries lost:\s+(\d+)/.exec(r.stdout)?.[1] ?? NaN);
  // -v: one line per answer ending in its latency in seconds.
  const lat = [...r.stdout.matchAll(/^> \S+ .* ([\d.]+)$/gm)].map((m) => Number(m[1])).sort((a, b) => a - b);
  const p99ms = lat.length ? (lat[Math.floor(lat.length * 0.99)] ?? NaN) * 1000 : NaN;
  return { label, qps, p99ms, lost };
}

export async function benchDns(): Promise<DnsResult> {
  if (spawnSync('dnsperf', ['-h']).error) return { skipped: 'dnsperf is not installed (apt-get install dnsperf)' };
  const dir = mkdtempSync(join(tmpdir(), 'nrt-bench-dns-'));
  const local = join(dir, 'local.txt');
  const relayed = join(dir, 'relayed.txt');
  writeFileSync(local, Array.from({ length: NAMES }, (_, i) => `host${i} A\n`).join(''));
  writeFileSync(relayed, Array.from({ length: NAMES }, (_, i) => `ext${i}.test A\n`).join(''));
  const children: ChildProcess[] = [];
  try {
    const up = await start(['plain', '127.0.77.3', '-', '-', String(NAMES), 'ext']);
    const plain = await start(['plain', '127.0.77.2', '-', '-', String(NAMES)]);
    const ours = await start(['ours', '127.0.77.1', '127.0.77.3', String(up.port), String(NAMES)]);
    children.push(up.child, plain.child, ours.child);
    // Interleaved, so that a noisy moment does not favour one side; the best of each is compared.
    const runs: DnsRun[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      runs.push(dnsperf('plain dns2, local names', '127.0.77.2', plain.port, local));
      runs.push(dnsperf('norouter, local names', '127.0.77.1', ours.port, local));
    }
    runs.push(dnsperf('plain dns2 upstream, queried directly', '127.0.77.3', up.port, relayed));
    runs.push(dnsperf('norouter, relayed to that upstream', '127.0.77.1', ours.port, relayed));
    const best = (label: string) => Math.max(...runs.filter((r) => r.label === label).map((r) => r.qps));
    const ratioLocal = best('norouter, local names') / best('plain dns2, local names');
    return { runs, ratioLocal, met: ratioLocal >= 0.9 };
  } finally {
    for (const c of children) c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

export function reportDns(r: DnsResult): string {
  if ('skipped' in r) return `skipped: ${r.skipped}`;
  const rows = r.runs.map((x) => `| ${x.label} | ${Math.round(x.qps)} | ${x.p99ms.toFixed(2)} | ${x.lost} |`);
  return [
    `dnsperf ${SECONDS} s per run, 1 client, 64 outstanding, ${NAMES} names; each server in its own process, servers pinned to CPU 1 and dnsperf to CPU 0.`,
    '',
    '| Server | Queries/s | p99 (ms) | Lost |',
    '| --- | ---: | ---: | ---: |',
    ...rows,
    '',
    `norouter / plain dns2 on local names (best of ${ROUNDS} each): ${(r.ratioLocal * 100).toFixed(0)}% (budget ≥ 90%: ${r.met ? 'met' : 'MISSED'})`,
  ].join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const r = await benchDns();
  console.log(reportDns(r));
}
