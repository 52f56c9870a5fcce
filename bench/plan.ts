/**
 * The budget (docs/benchmarks.md, "norouter plan"): `norouter plan` on a 3-host manifest costs at
 * most 1.5× the wall time of a bare `node -e 0`, and a 1,000-host manifest at most 2× the 3-host
 * time. Runs are interleaved so both sides see the same machine state.
 *
 * Two 1,000-host manifests: in one every host publishes a port, so every agent's command line
 * lists the 999 others' (~1M `--other` words in all, ~30 MB of output: quadratic in the output
 * itself); in the other only 3 hosts publish, so the output is linear and what is left is the cost
 * of reading, validating and compiling 1,000 hosts.
 *
 * The CLI keeps a V8 code cache (scripts/code-cache-loader.mjs). The bench gives it a cache
 * directory of its own, filled by the warm-up runs, and also times the first run of a new build,
 * with no cache to read or write.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fmtMs, fmtRatio, median } from './lib/stats.js';

const CLI = new URL('../dist/norouter.cjs', import.meta.url).pathname;

/**
 * `hosts` hosts; the first `publishing` of them (all by default) publish `portsPerHost` ports.
 * Exported for test/parse/fast-yaml.test.ts: fast-yaml must accept these.
 */
export function manifest(hosts: number, portsPerHost: number, publishing = hosts): string {
  const lines = ['hosts:', '  local:', '    vip: "127.0.42.1"'];
  for (let i = 1; i < hosts; i++) {
    const vip = `127.0.${42 + Math.floor(i / 250)}.${(i % 250) + 2}`;
    lines.push(`  host${i}:`, `    cmd: ["docker", "exec", "-i", "host${i}", "norouter"]`, `    vip: "${vip}"`);
    if (i <= publishing) lines.push(`    ports: [${Array.from({ length: portsPerHost }, (_, p) => `"${8080 + p}:127.0.0.1:${80 + p}"`).join(', ')}]`);
  }
  return `${lines.join('\n')}\n`;
}

function time(argv: string[], cacheHome: string): number {
  const env = { ...process.env, XDG_CACHE_HOME: cacheHome };
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, argv, { stdio: ['ignore', 'ignore', 'inherit'], env });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}`);
  return ms;
}

export interface PlanBenchResult {
  nodeMs: number;
  plan3Ms: number;
  /** 3 hosts with no code cache: the first run of a new build (or of a read-only HOME). */
  plan3ColdMs: number;
  /** 1,000 hosts, each publishing one port: the output is quadratic. */
  plan1000Ms: number;
  /** 1,000 hosts of which 3 publish a port: the output is linear. */
  plan1000LinearMs: number;
  ratio3: number;
  ratio3Cold: number;
  ratio1000: number;
  ratio1000Linear: number;
}

export function benchPlan(rounds = 30): PlanBenchResult {
  const dir = mkdtempSync(join(tmpdir(), 'norouter-bench-plan-'));
  try {
    const small = join(dir, 'small.yaml');
    const large = join(dir, 'large.yaml');
    const linear = join(dir, 'linear.yaml');
    writeFileSync(small, manifest(3, 1));
    writeFileSync(large, manifest(1000, 1));
    writeFileSync(linear, manifest(1000, 1, 3));
    const cache = join(dir, 'cache');
    // Under a regular file: the loader can neither read nor create its cache there.
    const noCache = join(small, 'cache');
    const node: number[] = [];
    const plan3: number[] = [];
    const plan3Cold: number[] = [];
    const plan1000: number[] = [];
    const plan1000Linear: number[] = [];
    for (let i = 0; i < 3; i++) time([CLI, 'plan', small], cache); // the page cache and the code cache
    for (let i = 0; i < rounds; i++) {
      node.push(time(['-e', '0'], cache));
      plan3.push(time([CLI, 'plan', small], cache));
      plan3Cold.push(time([CLI, 'plan', small], noCache));
      plan1000.push(time([CLI, 'plan', large], cache));
      plan1000Linear.push(time([CLI, 'plan', linear], cache));
    }
    const r = {
      nodeMs: median(node),
      plan3Ms: median(plan3),
      plan3ColdMs: median(plan3Cold),
      plan1000Ms: median(plan1000),
      plan1000LinearMs: median(plan1000Linear),
    };
    return {
      ...r,
      ratio3: r.plan3Ms / r.nodeMs,
      ratio3Cold: r.plan3ColdMs / r.nodeMs,
      ratio1000: r.plan1000Ms / r.plan3Ms,
      ratio1000Linear: r.plan1000LinearMs / r.plan3Ms,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function reportPlan(r: PlanBenchResult): string {
  return [
    '| what | median wall time | ratio | budget |',
    '| --- | --- | --- | --- |',
    `| \`node -e 0\` | ${fmtMs(r.nodeMs)} | 1.00× | |`,
    `| \`norouter plan\`, 3 hosts | ${fmtMs(r.plan3Ms)} | ${fmtRatio(r.ratio3)} of node | ≤ 1.5× |`,
    `| \`norouter plan\`, 3 hosts, no code cache (first run) | ${fmtMs(r.plan3ColdMs)} | ${fmtRatio(r.ratio3Cold)} of node | |`,
    `| \`norouter plan\`, 1,000 hosts, 1 port each (quadratic output, ~30 MB) | ${fmtMs(r.plan1000Ms)} | ${fmtRatio(r.ratio1000)} of 3 hosts | ≤ 2× |`,
    `| \`norouter plan\`, 1,000 hosts, 3 publish a port (linear output) | ${fmtMs(r.plan1000LinearMs)} | ${fmtRatio(r.ratio1000Linear)} of 3 hosts | ≤ 2× |`,
  ].join('\n');
}
