/**
 * The budget (docs/benchmarks.md, "Proxies"): traffic through the HTTP proxy and through SOCKS5
 * runs at ≥ 80% of the same traffic sent straight to the VIP, measured in the same run, alternating
 * (the machine is shared and noisy). A client namespace runs both proxies on its own 127.0.0.1; a
 * server namespace publishes an HTTP server (test/fixtures/bin/proxy-target.mjs). Throughput is
 * curl downloading 1 GiB; request rate is bench/lib/proxy-client.ts with keep-alive connections.
 *
 * Needs root (namespaces) and curl; without them it is skipped with the reason.
 *
 * Environment, for working on the proxies:
 * - NOROUTER_BENCH_PROXY_BASELINE=PATH/norouter.cjs: a third namespace runs that build's agent
 *   with an HTTP proxy too, measured in the same rounds (rows "… baseline build"): before/after
 *   figures from one run, interleaved, on the same noisy machine.
 * - NOROUTER_BENCH_AGENT_NODE_FLAGS="--cpu-prof --cpu-prof-dir=DIR": node flags for the client
 *   host's agent (the one running the proxies); a profile is written when the bench stops it.
 * - NOROUTER_BENCH_PROXY_ONLY=rate or download: only those rows (quicker iterations).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmtRatio, median } from './lib/stats.js';
import { createNetns, destroyAllNetns, inNetns } from './lib/netns.js';
import { killAll, runToEnd, start, stop, which } from './lib/procs.js';
import { CLI } from './lib/mesh-router.js';

const TARGET = fileURLToPath(new URL('../test/fixtures/bin/proxy-target.mjs', import.meta.url));
const CLIENT = fileURLToPath(new URL('./lib/proxy-client.ts', import.meta.url));
const VIP1 = '127.0.42.101';
const VIP2 = '127.0.42.102';
const VIP3 = '127.0.42.103';
const HTTP_PROXY = 3128;
const SOCKS_PROXY = 1080;
const BYTES = 1024 * 1024 * 1024;
const ROUNDS = 5;
const REQUESTS = 4000;
const CONCURRENCY = 8;
/** Through a proxy at least this fraction of straight to the VIP. */
const BUDGET = 0.8;
const BASELINE = process.env['NOROUTER_BENCH_PROXY_BASELINE'];
const AGENT_FLAGS = (process.env['NOROUTER_BENCH_AGENT_NODE_FLAGS'] ?? '').split(/\s+/).filter(Boolean);
const ONLY = process.env['NOROUTER_BENCH_PROXY_ONLY'];

export interface ProxyRow {
  what: string;
  direct: string;
  proxied: string;
  ratio: string;
  met: boolean;
}

export type ProxyBenchResult = { skipped: string } | { rows: ProxyRow[]; notes: string[]; met: boolean };

export function proxySkipReason(): string | undefined {
  if (process.platform !== 'linux') return 'needs Linux network namespaces';
  if (process.getuid?.() !== 0) return 'needs root to create network namespaces';
  for (const tool of ['ip', 'curl']) if (!which(tool)) return `\`${tool}\` is not installed`;
  return undefined;
}

export async function benchProxy(): Promise<ProxyBenchResult> {
  const skip = proxySkipReason();
  if (skip) return { skipped: skip };
  const dir = mkdtempSync(join(tmpdir(), 'norouter-bench-proxy-'));
  try {
    return await run(dir);
  } finally {
    killAll();
    destroyAllNetns();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function run(dir: string): Promise<ProxyBenchResult> {
  const ns1 = createNetns();
  const ns2 = createNetns();
  const ns3 = BASELINE ? createNetns() : undefined;
  const server = start(inNetns(ns2, [process.execPath, TARGET, '80', '127.0.0.1', 'server']));
  await new Promise<void>((resolve) => server.stdout?.on('data', (d: Buffer) => d.toString().includes('listening') && resolve()));
  const manifest = join(dir, 'mesh.yaml');
  writeFileSync(manifest, `${JSON.stringify({
    hosts: {
      client: { cmd: inNetns(ns1, [process.execPath, ...AGENT_FLAGS, CLI]), vip: VIP1, http: { listen: `127.0.0.1:${HTTP_PROXY}` }, socks: { listen: `127.0.0.1:${SOCKS_PROXY}` } },
      server: { cmd: inNetns(ns2, [process.execPath, CLI]), vip: VIP2, ports: ['8080:127.0.0.1:80'] },
      ...(ns3 && BASELINE ? { baseline: { cmd: inNetns(ns3, [process.execPath, BASELINE]), vip: VIP3, http: { listen: `127.0.0.1:${HTTP_PROXY}` } } } : {}),
    },
  }, null, 2)}\n`);
  const router = start([process.execPath, CLI, 'run', manifest]);
  await new Promise<void>((resolve, reject) => {
    let out = '';
    router.stdout?.on('data', (d: Buffer) => { out += d.toString(); if (/ready/.test(out)) resolve(); });
    router.once('exit', (code) => reject(new Error(`norouter run exited (${code})`)));
  });
  try {
    const ways: Record<string, string[]> = {
      direct: [],
      http: ['-x', `http://127.0.0.1:${HTTP_PROXY}`],
      connect: ['-p', '-x', `http://127.0.0.1:${HTTP_PROXY}`],
      socks5: ['--socks5-hostname', `127.0.0.1:${SOCKS_PROXY}`],
      ...(ns3 ? { 'http-baseline': ['-x', `http://127.0.0.1:${HTTP_PROXY}`] } : {}),
    };
    const nsFor = (way: string): string => (way.endsWith('-baseline') && ns3 ? ns3 : ns1);
    const curl = async (k: string, bytes: number): Promise<number> => {
      const way = ways[k] ?? [];
      const r = await runToEnd(inNetns(nsFor(k), ['curl', '-sS', '--max-time', '60', ...way, '-o', '/dev/null', '-w', '%{speed_download}', `http://${VIP2}:8080/stream/${bytes}`]), 65_000);
      if (r.code !== 0) throw new Error(`curl ${way.join(' ')} failed: ${r.stderr}`);
      return Number(r.stdout) / 1e6;
    };
    const rate = async (way: string): Promise<number> => {
      const mode = way.replace(/-baseline$/, '');
      const r = await runToEnd(inNetns(nsFor(way), [process.execPath, '--import', 'tsx', CLIENT, mode, VIP2, '8080', String(mode === 'socks' ? SOCKS_PROXY : HTTP_PROXY), String(REQUESTS), String(CONCURRENCY)]), 120_000);
      if (r.code !== 0) throw new Error(`proxy-client ${mode} failed: ${r.stderr}`);
      return (JSON.parse(r.stdout) as { rps: number }).rps;
    };
    const downloads = ONLY === 'rate' ? [] : Object.keys(ways);
    const modes = ONLY === 'download' ? [] : ['direct', 'http', 'socks', ...(ns3 ? ['http-baseline'] : [])];
    // Warm-up: JIT, the pooled upstream connection, socket buffers.
    for (const k of downloads) await curl(k, 64 * 1024 * 1024);
    for (const mode of modes) await rate(mode);

    const mbps: Record<string, number[]> = Object.fromEntries(downloads.map((k) => [k, []]));
    const rps: Record<string, number[]> = Object.fromEntries(modes.map((k) => [k, []]));
    for (let i = 0; i < ROUNDS; i++) {
      for (const k of i % 2 ? [...downloads].reverse() : downloads) mbps[k]?.push(await curl(k, BYTES));
      for (const m of i % 2 ? [...modes].reverse() : modes) rps[m]?.push(await rate(m));
    }
    const d = median(mbps['direct'] ?? []);
    const r = median(rps['direct'] ?? []);
    const label: Record<string, string> = {
      http: 'HTTP proxy (absolute URI)', connect: 'HTTP proxy, CONNECT tunnel', socks5: 'SOCKS5 (remote names)',
      'http-baseline': 'HTTP proxy (absolute URI), baseline build',
    };
    const rows: ProxyRow[] = [
      ...downloads.filter((k) => k !== 'direct').map((k) => row(`1 GiB download, ${label[k] ?? k}, MB/s`, d, median(mbps[k] ?? []))),
      ...modes.filter((m) => m !== 'direct').map((m) => row(`requests/s, ${CONCURRENCY} keep-alive connections, ${m === 'socks' ? 'SOCKS5' : label[m] === undefined ? m : m === 'http' ? 'HTTP proxy' : 'HTTP proxy, baseline build'}`, r, median(rps[m] ?? []))),
    ];
    const notes = [
      ...(downloads.length ? [`MB/s per run: ${Object.entries(mbps).map(([k, v]) => `${k} ${v.map((x) => x.toFixed(0)).join(', ')}`).join('; ')}.`] : []),
      ...(modes.length ? [`requests/s per run: ${Object.entries(rps).map(([k, v]) => `${k} ${v.map((x) => x.toFixed(0)).join(', ')}`).join('; ')}.`] : []),
    ];
    return { rows, notes, met: rows.every((x) => x.met) };
  } finally {
    await stop(router);
  }
}

function row(what: string, direct: number, proxied: number): ProxyRow {
  return { what, direct: direct.toFixed(0), proxied: proxied.toFixed(0), ratio: fmtRatio(proxied / direct), met: proxied / direct >= BUDGET };
}

export function reportProxy(r: ProxyBenchResult): string {
  if ('skipped' in r) return `skipped: ${r.skipped}`;
  const lines = [
    `| what (median of ${ROUNDS}, same run, alternating) | straight to the VIP | through the proxy | ratio | ≥ ${BUDGET}× |`,
    '|---|---:|---:|---:|:---:|',
    ...r.rows.map((x) => `| ${x.what} | ${x.direct} | ${x.proxied} | ${x.ratio} | ${x.met ? 'yes' : '**no**'} |`),
    '',
    ...r.notes,
  ];
  return lines.join('\n');
}

// `node --import tsx bench/proxy.ts` runs it alone.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const r = await benchProxy();
  console.log(reportProxy(r));

}
