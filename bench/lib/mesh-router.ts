/**
 * A real `norouter run` for the bench: a manifest of hosts that live in network namespaces, the
 * router started from dist/, readiness from its `ready` line, and the memory of the router and
 * of each agent (its descendants running `internal agent`).
 */
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { inNetns } from './netns.js';
import { cpuSeconds, descendants, rssKiB, start, stop } from './procs.js';

/** NOROUTER_BENCH_CLI runs another build (a copy of dist/norouter.cjs) in the same bench run. */
export const CLI = process.env.NOROUTER_BENCH_CLI ?? fileURLToPath(new URL('../../dist/norouter.cjs', import.meta.url));

export interface BenchHost {
  name: string;
  ns: string;
  vip: string;
  /** Published ports: the same port on the host's 127.0.0.1. */
  ports: number[];
  /** Published UDP ports, the same way (`PORT:127.0.0.1:PORT/udp`). */
  udpPorts?: number[];
}

/** A command the router's or an agent's node runs under (valgrind for bench/mesh-instructions.ts), by host name or 'router'. */
export type Wrap = (who: string) => string[];

/** `nodeFlags` go on every agent's node command line (e.g. --cpu-prof, which NODE_OPTIONS refuses). */
export function meshManifest(hosts: readonly BenchHost[], nodeFlags: readonly string[] = [], wrap: Wrap = () => [], cli = CLI): string {
  const lines = ['hosts:'];
  for (const h of hosts) {
    lines.push(`  ${h.name}:`);
    lines.push(`    cmd: ${JSON.stringify(inNetns(h.ns, [...wrap(h.name), process.execPath, ...nodeFlags, cli]))}`);
    lines.push(`    vip: "${h.vip}"`);
    const ports = [...h.ports.map((p) => `"${p}:127.0.0.1:${p}"`), ...(h.udpPorts ?? []).map((p) => `"${p}:127.0.0.1:${p}/udp"`)];
    if (ports.length > 0) lines.push(`    ports: [${ports.join(', ')}]`);
  }
  return `${lines.join('\n')}\n`;
}

export interface Memory {
  routerKiB: number;
  /** By VIP (`--me`). */
  agentsKiB: Map<string, number>;
  totalKiB: number;
}

export class MeshRouter {
  private readonly child: ChildProcess;
  private stderr = '';

  /** `nodeFlags`: for the router's node and every agent's (e.g. `--cpu-prof --cpu-prof-dir=DIR`); `env`: the router's environment. */
  constructor(manifestPath: string, hosts: readonly BenchHost[], nodeFlags: readonly string[] = [], env?: NodeJS.ProcessEnv, wrap?: Wrap, cli = CLI) {
    writeFileSync(manifestPath, meshManifest(hosts, nodeFlags, wrap, cli));
    this.child = start([...(wrap?.('router') ?? []), process.execPath, ...nodeFlags, cli, 'run', manifestPath], env ? { env } : {});
    this.child.stderr?.on('data', (d: Buffer) => { this.stderr = (this.stderr + d.toString()).slice(-8000); });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Router messages and agent stderr seen so far (the last 8 KB), for failure reports. */
  get log(): string {
    return this.stderr;
  }

  /** Resolves on the `ready` line once every host is up; rejects when one is down or at the deadline. */
  ready(timeoutMs = 20_000): Promise<void> {
    return new Promise((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`norouter run was not ready within ${timeoutMs} ms:\n${out}${this.stderr}`)), timeoutMs);
      this.child.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        const line = /^.*ready.*$/m.exec(out)?.[0];
        if (line === undefined) return;
        clearTimeout(timer);
        if (/ of \d+ hosts up/.test(line)) reject(new Error(`not every host came up:\n${out}${this.stderr}`));
        else resolve();
      });
      this.child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`norouter run exited (${code}) before it was ready:\n${out}${this.stderr}`));
      });
    });
  }

  /** The agents: descendants of the router whose command line is `internal agent --me VIP …`. */
  agents(): { pid: number; vip: string }[] {
    return descendants(this.pid)
      .filter((p) => p.argv.includes('agent') && p.argv.includes('--me'))
      .map((p) => ({ pid: p.pid, vip: p.argv[p.argv.indexOf('--me') + 1] ?? '?' }));
  }

  memory(): Memory {
    const routerKiB = rssKiB(this.pid);
    const agentsKiB = new Map(this.agents().map((a) => [a.vip, rssKiB(a.pid)]));
    return { routerKiB, agentsKiB, totalKiB: routerKiB + [...agentsKiB.values()].reduce((a, b) => a + b, 0) };
  }

  /** CPU seconds used so far by the router and by each agent (by VIP). */
  cpu(): Map<string, number> {
    return new Map([['router', cpuSeconds(this.pid)], ...this.agents().map((a) => [`agent ${a.vip}`, cpuSeconds(a.pid)] as [string, number])]);
  }

  stop(): Promise<void> {
    return stop(this.child, 'SIGTERM', 5000);
  }
}

export function fmtMemory(m: Memory): string {
  const agents = [...m.agentsKiB.entries()].map(([vip, kib]) => `agent ${vip} ${mib(kib)}`).join(', ');
  return `router ${mib(m.routerKiB)}, ${agents}`;
}

export function mib(kib: number): string {
  return `${(kib / 1024).toFixed(1)} MiB`;
}
