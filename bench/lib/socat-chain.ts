/**
 * The mesh bench's reference path (docs/benchmarks.md, "Mesh"): three socat processes joined by
 * their stdio, shaped like agent → router → agent. The first listens in the client's namespace, the
 * second only relays, the third dials the server in the server's namespace:
 *
 *   socat -b B TCP-LISTEN:A,…,fork 'EXEC:socat -b B - EXEC\:hop3'
 *   hop3 (a script): exec nsenter --net=NS2 socat -b B - TCP:127.0.0.1:PORT,nodelay
 *
 * Why not the one-liner `EXEC:"socat - EXEC:'socat - TCP:127.0.0.1:B'"`: socat 1.7.4 honours no
 * quotes inside an address. The outer socat cuts the address at the inner `:` ("wrong number of
 * parameters (2 instead of 1)"); escaped as `\:` it gets through, but EXEC splits its command at
 * every space, quotes or not ("exactly 2 addresses required (there are 4)"). So the innermost
 * command, which needs spaces, is a script that `exec`s: the chain is exactly three socat
 * processes joined by socketpairs (socat's EXEC default, like Node's child stdio), plus one `sh`
 * start per connection, which only the connection-rate figure sees.
 */
import type { ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inNetns, nsenterNet } from './netns.js';
import { cpuSeconds, cpuSecondsWithChildren, descendants, start, stop } from './procs.js';

export interface SocatChainOptions {
  dir: string;
  clientNs: string;
  serverNs: string;
  listenPort: number;
  targetPort: number;
  /** socat -b for all three: the read/write size per transfer. */
  buffer: number;
}

/** cgroup v1's cpuacct hierarchy (cpuacct.usage, ns) or cgroup v2's root (cpu.stat usage_usec). */
const CGROUP_V1 = '/sys/fs/cgroup/cpuacct';
const CGROUP_V2 = '/sys/fs/cgroup';

export class SocatChain {
  private readonly child: ChildProcess;
  /** The chain's own cgroup, when one could be made: exact CPU time of every process it ever ran. */
  private readonly cgroup: { dir: string; v1: boolean } | undefined;

  constructor(o: SocatChainOptions) {
    const hop3 = join(o.dir, `socat-hop3-${o.listenPort}.sh`);
    const b = String(o.buffer);
    script(hop3, nsenterNet(o.serverNs, ['socat', '-b', b, '-', `TCP:127.0.0.1:${o.targetPort},nodelay`]));
    this.child = start(inNetns(o.clientNs, [
      'socat', '-b', b, `TCP-LISTEN:${o.listenPort},bind=127.0.0.1,reuseaddr,fork,backlog=1024,nodelay`, `EXEC:socat -b ${b} - EXEC\\:${hop3}`,
    ]), { stdio: ['ignore', 'ignore', 'ignore'] });
    this.cgroup = joinCgroup(`nrb-${process.pid}-${o.listenPort}`, this.child.pid ?? -1);
  }

  /**
   * CPU seconds of every process of the chain so far: from its cgroup when there is one (exact,
   * every forked hop included), else the listener's reaped children (socat does not always wait
   * for its EXEC children, so this misses some; sampleHops() then gives the better total).
   */
  cpuSecondsExact(): number | undefined {
    if (!this.cgroup) return undefined;
    try {
      if (this.cgroup.v1) return Number(readFileSync(join(this.cgroup.dir, 'cpuacct.usage'), 'utf8')) / 1e9;
      const m = /^usage_usec (\d+)/m.exec(readFileSync(join(this.cgroup.dir, 'cpu.stat'), 'utf8'));
      return m ? Number(m[1]) / 1e6 : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * CPU seconds of every chain so far: the listener forks one child per connection, which waits
   * for the two hops it started, so once a connection's chain has exited all three are counted.
   */
  cpuSeconds(): number {
    return cpuSecondsWithChildren(this.child.pid ?? -1);
  }

  /**
   * Samples the CPU time of every hop running under the listener every 50 ms until the returned
   * function is called, which gives the seconds per hop (1 listens, 2 relays, 3 dials), summed
   * over the connections. Sampled, so the last <50 ms of each process may be missing: the
   * chain's total comes from cpuSeconds(), this only splits it.
   */
  sampleHops(): () => Map<string, number> {
    const last = new Map<number, { hop: string; cpu: number }>();
    const listener = this.child.pid ?? -1;
    const sample = (): void => {
      for (const p of descendants(listener)) {
        if (p.argv[0] !== 'socat') continue;
        const hop = p.argv.some((a) => a.startsWith('TCP-LISTEN')) ? 'socat 1' : p.argv.some((a) => a.startsWith('TCP:')) ? 'socat 3' : 'socat 2';
        const cpu = cpuSeconds(p.pid);
        if (!Number.isNaN(cpu)) last.set(p.pid, { hop, cpu });
      }
    };
    const timer = setInterval(sample, 50);
    return () => {
      clearInterval(timer);
      const out = new Map<string, number>();
      for (const { hop, cpu } of last.values()) out.set(hop, (out.get(hop) ?? 0) + cpu);
      return out;
    };
  }

  async stop(): Promise<void> {
    await stop(this.child, 'SIGTERM', 2000);
    if (!this.cgroup) return;
    // Forked hops may still be exiting (socat lingers up to -t after EOF).
    for (let i = 0; i < 50; i++) {
      try {
        rmdirSync(this.cgroup.dir);
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }
}

/** Makes a cgroup named `name` holding `pid` (and all it will fork); undefined when not possible. */
function joinCgroup(name: string, pid: number): { dir: string; v1: boolean } | undefined {
  for (const [root, v1] of [[CGROUP_V1, true], [CGROUP_V2, false]] as const) {
    const dir = join(root, name);
    try {
      if (!v1) readFileSync(join(root, 'cgroup.controllers'));
      mkdirSync(dir);
    } catch {
      continue;
    }
    try {
      writeFileSync(join(dir, 'cgroup.procs'), String(pid));
      return { dir, v1 };
    } catch {
      try { rmdirSync(dir); } catch { /* nothing to undo */ }
    }
  }
  return undefined;
}

function script(path: string, argv: readonly string[]): void {
  writeFileSync(path, `#!/bin/sh\nexec ${argv.join(' ')}\n`);
  chmodSync(path, 0o755);
}
