/**
 * The soak's mesh (bench/soak.ts): three network namespaces, the fixture echo and upload servers
 * in each, and a real `norouter run` started inside the first namespace, so that its local host
 * (no `cmd`, its agent a child of the router) is as isolated as the other two and no VIP of ours
 * ever appears on the machine's own loopback, where other test runs use the same addresses.
 * Also reads, from /proc, what every process of the mesh holds.
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLI } from './mesh-router.js';
import { createNetns, inNetns } from './netns.js';
import { countStates, nonListening, procSockets, sockstat, tcpTable } from './proc-sockets.js';
import { cpuSeconds, descendants, rssKiB, start, stop } from './procs.js';

const TCP_SERVER = fileURLToPath(new URL('../../test/fixtures/bin/tcp-server.mjs', import.meta.url));
const IN_PROCESS_ROUTER = fileURLToPath(new URL('./soak-router.ts', import.meta.url));
const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** `cli`: a real `norouter run` (dist/); `in-process`: bench/lib/soak-router.ts, which can say Router.stats(). */
export type RouterMode = 'cli' | 'in-process';

/** Every host publishes the fixture's echo and upload servers on the same ports of its 127.0.0.1. */
export const SERVICE_PORTS = { echo: 7001, upload: 7002 } as const;

export interface SoakHost {
  name: string;
  vip: string;
  ns: string;
}

/** One process's holdings at one moment. */
export interface ProcPoint {
  pid: number;
  fds: number;
  /** TCP sockets in any state but LISTEN: live connections. */
  tcpLive: number;
  listening: number;
  rssKiB: number;
  cpuSeconds: number;
}

export interface NsPoint {
  /** Sockets some process holds, by state (LISTEN included). */
  held: Map<string, number>;
  /** Sockets no process holds any more, closing (not TIME_WAIT), by state. */
  closing: Map<string, number>;
  /** From the namespace's sockstat. */
  timeWait: number;
  orphans: number;
  /** Established connections whose local port is a service's: the servers' side. */
  serviceConns: number;
}

export class SoakMesh {
  readonly hosts: SoakHost[];
  private router: ChildProcess | undefined;
  private readonly services: ChildProcess[] = [];
  private stderrTail = '';
  /** Lines of router and agent stderr, by kind, for the report. */
  readonly logCounts = new Map<string, number>();
  private exit: Promise<number | null> | undefined;
  private stdoutLines: ((line: string) => void)[] = [];

  constructor(private readonly dir: string, readonly mode: RouterMode) {
    this.hosts = ['h0', 'h1', 'h2'].map((name, i) => ({ name, vip: `127.0.42.${101 + i}`, ns: createNetns() }));
  }

  get routerPid(): number {
    return this.router?.pid ?? -1;
  }

  get log(): string {
    return this.stderrTail;
  }

  async start(readyTimeoutMs = 20_000): Promise<void> {
    await Promise.all(this.hosts.flatMap((h) => Object.entries(SERVICE_PORTS).map(([mode, port]) => this.service(h.ns, mode, port))));
    const manifest = join(this.dir, 'soak.json');
    const ports = Object.values(SERVICE_PORTS).map((p) => `${p}:127.0.0.1:${p}`);
    const hosts = Object.fromEntries(this.hosts.map((h, i) => [h.name, {
      vip: h.vip, ports, ...(i === 0 ? {} : { cmd: inNetns(h.ns, [process.execPath, CLI]) }),
    }]));
    writeFileSync(manifest, `${JSON.stringify({ hosts }, null, 2)}\n`);
    const [first] = this.hosts;
    if (!first) throw new Error('Assertion failed: no hosts');
    const argv = this.mode === 'cli' ? [process.execPath, CLI, 'run', manifest] : [process.execPath, '--import', 'tsx', IN_PROCESS_ROUTER, manifest, CLI];
    const router = start(inNetns(first.ns, argv), { cwd: REPO });
    this.router = router;
    router.stdin?.on('error', () => {});
    let partial = '';
    router.stdout?.on('data', (d: Buffer) => {
      const lines = (partial + d.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) for (const f of this.stdoutLines) f(line);
    });
    this.exit = new Promise((resolve) => router.once('exit', (code) => resolve(code)));
    router.stderr?.on('data', (d: Buffer) => {
      const text = d.toString();
      this.stderrTail = (this.stderrTail + text).slice(-8000);
      for (const line of text.split('\n').filter(Boolean)) {
        // Connection ids and addresses vary: count by the words around them.
        const kind = line.replace(/\d+(\.\d+)*(:\d+)?/g, 'N').slice(0, 80);
        this.logCounts.set(kind, (this.logCounts.get(kind) ?? 0) + 1);
      }
    });
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`the router was not ready within ${readyTimeoutMs} ms:\n${out}${this.stderrTail}`)), readyTimeoutMs);
      const onLine = (line: string): void => {
        out += `${line}\n`;
        if (!/ready/.test(line)) return;
        clearTimeout(timer);
        this.stdoutLines = this.stdoutLines.filter((f) => f !== onLine);
        if (/ of \d+ hosts up/.test(line)) reject(new Error(`not every host came up:\n${out}${this.stderrTail}`));
        else resolve();
      };
      this.stdoutLines.push(onLine);
      router.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`norouter run exited (${code}) before it was ready:\n${out}${this.stderrTail}`));
      });
    });
  }

  private service(ns: string, mode: string, port: number): Promise<void> {
    const child = start(inNetns(ns, [process.execPath, TCP_SERVER, mode, String(port), '127.0.0.1']));
    this.services.push(child);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the ${mode} server in ${ns} did not listen within 5 s`)), 5000);
      child.stdout?.on('data', (d: Buffer) => {
        if (!/listening/.test(d.toString())) return;
        clearTimeout(timer);
        resolve();
      });
      child.once('exit', (code) => reject(new Error(`the ${mode} server in ${ns} exited (${code})`)));
    });
  }

  /**
   * The router's own count of live connections (Router.stats()), in-process only: `norouter run`
   * has no way to say it. Undefined in `cli` mode or when the router does not answer in time.
   */
  routerLive(timeoutMs = 2000): Promise<number | undefined> {
    const stdin = this.router?.stdin;
    if (this.mode !== 'in-process' || !stdin) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const done = (n: number | undefined): void => {
        clearTimeout(timer);
        this.stdoutLines = this.stdoutLines.filter((f) => f !== onLine);
        resolve(n);
      };
      const onLine = (line: string): void => {
        if (line.startsWith('stats ')) done((JSON.parse(line.slice(6)) as { connections: number }).connections);
      };
      const timer = setTimeout(() => done(undefined), timeoutMs);
      this.stdoutLines.push(onLine);
      stdin.write('stats\n');
    });
  }

  /** The agents by host name: the router's descendants running `internal agent --me VIP`. */
  agents(): Map<string, number> {
    const byVip = new Map(this.hosts.map((h) => [h.vip, h.name]));
    const out = new Map<string, number>();
    for (const p of descendants(this.routerPid)) {
      const i = p.argv.indexOf('--me');
      const name = i >= 0 ? byVip.get(p.argv[i + 1] ?? '') : undefined;
      if (name && p.argv.includes('agent')) out.set(name, p.pid);
    }
    return out;
  }

  /** The router and each agent (`router`, `agent h0`, …). */
  processes(): Map<string, number> {
    return new Map([['router', this.routerPid], ...[...this.agents()].map(([name, pid]) => [`agent ${name}`, pid] as [string, number])]);
  }

  /**
   * What each process holds now, and each namespace's TCP sockets. `pids` fixes which processes
   * (a restarted agent is a new pid); the router lives in the first host's namespace.
   */
  sample(pids: ReadonlyMap<string, number>): { procs: Map<string, ProcPoint>; ns: Map<string, NsPoint> } {
    const tables = new Map(this.hosts.map((h) => [h.name, tcpTable(h.ns)]));
    const procs = new Map<string, ProcPoint>();
    for (const [who, pid] of pids) {
      const host = who === 'router' ? this.hosts[0]?.name : who.replace(/^agent /, '');
      const { fds, tcp } = procSockets(pid, tables.get(host ?? '') ?? []);
      procs.set(who, { pid, fds, tcpLive: nonListening(tcp), listening: tcp.get('LISTEN') ?? 0, rssKiB: rssKiB(pid), cpuSeconds: cpuSeconds(pid) });
    }
    const ns = new Map<string, NsPoint>();
    const service = new Set<number>(Object.values(SERVICE_PORTS));
    for (const h of this.hosts) {
      const table = tables.get(h.name) ?? [];
      ns.set(h.name, {
        held: countStates(table.filter((e) => e.inode !== 0)),
        closing: countStates(table.filter((e) => e.inode === 0)),
        ...sockstat(pids.get(`agent ${h.name}`) ?? -1),
        serviceConns: table.filter((e) => e.state === 'ESTAB' && service.has(e.localPort)).length,
      });
    }
    return { procs, ns };
  }

  /** SIGTERM to the router; its exit status (null when it had to be killed). */
  async stop(graceMs = 10_000): Promise<number | null> {
    const router = this.router;
    if (!router) return null;
    await stop(router, 'SIGTERM', graceMs);
    const code = await this.exit;
    await Promise.all(this.services.map((s) => stop(s, 'SIGTERM', 2000)));
    return code ?? null;
  }
}

/** Busy and total jiffies of the whole machine so far (/proc/stat's first line). */
export function machineCpu(): { busy: number; total: number } {
  const f = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  const idle = (f[3] ?? 0) + (f[4] ?? 0);
  return { busy: total - idle, total };
}

export function loadAverage(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}
