/**
 * Issue 2's budget: `norouter plan` on a 3-host manifest costs at most 1.5× the wall time of a bare
 * `node -e 0`, and a 1,000-host manifest at most 2× the 3-host time. Runs are interleaved so both
 * sides see the same machine state.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fmtMs, fmtRatio, median } from './lib/stats.js';

const CLI = new URL('../dist/norouter.cjs', import.meta.url).pathname;

function manifest(hosts: number, portsPerHost: number): string {
  const lines = ['hosts:', '  local:', '    vip: "127.0.42.1"'];
  for (let i = 1; i < hosts; i++) {
    const vip = `127.0.${42 + Math.floor(i / 250)}.${(i % 250) + 2}`;
    lines.push(`  host${i}:`, `    cmd: ["docker", "exec", "-i", "host${i}", "norouter"]`, `    vip: "${vip}"`);
    lines.push(`    ports: [${Array.from({ length: portsPerHost }, (_, p) => `"${8080 + p}:127.0.0.1:${80 + p}"`).join(', ')}]`);
  }
  return `${lines.join('\n')}\n`;
}

function time(argv: string[]): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, argv, { stdio: ['ignore', 'ignore', 'inherit'] });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}`);
  return ms;
}

export interface PlanBenchResult {
  nodeMs: number;
  plan3Ms: number;
  plan1000Ms: number;
  ratio3: number;
  ratio1000: number;
}

export function benchPlan(rounds = 30): PlanBenchResult {
  const dir = mkdtempSync(join(tmpdir(), 'norouter-bench-plan-'));
  try {
    const small = join(dir, 'small.yaml');
    const large = join(dir, 'large.yaml');
    writeFileSync(small, manifest(3, 1));
    writeFileSync(large, manifest(1000, 1));
    const node: number[] = [];
    const plan3: number[] = [];
    const plan1000: number[] = [];
    for (let i = 0; i < 3; i++) time([CLI, 'plan', small]); // warm the page cache
    for (let i = 0; i < rounds; i++) {
      node.push(time(['-e', '0']));
      plan3.push(time([CLI, 'plan', small]));
      plan1000.push(time([CLI, 'plan', large]));
    }
    const r = { nodeMs: median(node), plan3Ms: median(plan3), plan1000Ms: median(plan1000) };
    return { ...r, ratio3: r.plan3Ms / r.nodeMs, ratio1000: r.plan1000Ms / r.plan3Ms };
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
    `| \`norouter plan\`, 1,000 hosts | ${fmtMs(r.plan1000Ms)} | ${fmtRatio(r.ratio1000)} of 3 hosts | ≤ 2× |`,
  ].join('\n');
}
