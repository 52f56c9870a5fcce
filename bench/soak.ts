/**
 * The soak (docs/reliability.md, "Load and soak"): connections opened and closed through the mesh
 * in rounds of 10,000 for several minutes, every byte checked, and no growth in file descriptors,
 * memory or live connections on the router or the agents.
 *
 *   npm run bench -- soak [--minutes 3] [--round 10000] [--concurrency 150] [--seed N]
 *   npm run bench -- soak --quick          (a smoke run: half a minute, rounds of 3,000)
 *   npm run bench -- soak --cli            (a real `norouter run` instead of the Router in-process)
 *
 * Three hosts, each a network namespace (bench/lib/soak-mesh.ts), the first one the router's
 * local host, each publishing the fixture echo and upload servers. Each round, a
 * client in every namespace (bench/lib/soak-client.ts) opens its share of the round's
 * connections to the other two hosts' VIPs, a third of the concurrency each. After a warm-up
 * round and after every round, once the connections have drained (every socket any process
 * holds is back to LISTEN, and every process's fd count back to the baseline; waited for with a
 * bound, never a fixed sleep), it samples, for the router and each agent, open fds, live TCP
 * sockets (its socket fds found in its namespace's TCP table), VmRSS and CPU time, and the
 * router's own count of live connections (Router.stats()). That count needs the Router
 * in-process (bench/lib/soak-router.ts, in its own process in the first namespace, agents from
 * dist/ as under `norouter run`); `--cli` runs the real `norouter run`, which cannot say it.
 *
 * Verdict: no failed connection; fds and live sockets of every process exactly at the baseline
 * at the end, and the router's live connections back to 0; no agent restarted; RSS growth from the second round to the last within
 * RSS_GROWTH_LIMIT_KIB; the router stops cleanly. Exits 1 (through bench/run.ts) otherwise.
 * Needs root (namespaces) and `ip`; skipped with the reason without them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { destroyAllNetns, inNetns } from './lib/netns.js';
import { killAll, start, which } from './lib/procs.js';
import { fmtStates } from './lib/proc-sockets.js';
import { loadAverage, machineCpu, SERVICE_PORTS, SoakMesh, type NsPoint, type ProcPoint, type RouterMode, type SoakHost } from './lib/soak-mesh.js';
import type { SoakClientArgs, SoakClientResult, SoakTarget } from './lib/soak-client.js';

const CLIENT = fileURLToPath(new URL('./lib/soak-client.ts', import.meta.url));
const REPO = fileURLToPath(new URL('../', import.meta.url));

/**
 * Allowed RSS growth per process between the sample after round 2 and the last one. By round 2
 * the V8 heaps and Node's buffer pools have grown to this load's working size; what moves after
 * that is GC timing and malloc fragmentation, a few MiB. 16 MiB is well above that noise and far
 * below what a per-connection leak does over a run: at 100,000 connections, 16 MiB is 168 B
 * each (the report prints this floor for the actual run).
 */
export const RSS_GROWTH_LIMIT_KIB = 16 * 1024;
/** How long connections get to drain after a round before the sample is taken anyway. */
const DRAIN_LIMIT_MS = 30_000;
/** One connection with no progress for this long is a failure (timeout), not a hang. */
const CONNECTION_TIMEOUT_MS = 30_000;
/** Warm-up: enough for the JIT and the heaps to settle before the baseline. */
const WARMUP_CONNECTIONS = 2_000;

export interface SoakOptions {
  minutes: number;
  round: number;
  concurrency: number;
  seed: number;
  router: RouterMode;
}

/** `--minutes N`, `--round N`, `--concurrency N`, `--seed N`, `--quick`, `--cli`, from bench/run.ts's arguments. */
export function soakOptions(argv: readonly string[]): SoakOptions {
  const o: SoakOptions = { minutes: 3, round: 10_000, concurrency: 150, seed: Date.now() % 1_000_000, router: 'in-process' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = Number(argv[i + 1]);
    if (a === '--quick') Object.assign(o, { minutes: 0.5, round: 3_000 });
    else if (a === '--cli') o.router = 'cli';
    else if (a === '--minutes' || a === '--round' || a === '--concurrency' || a === '--seed') {
      if (!Number.isFinite(value) || value < 0) throw new Error(`${a} needs a number, not ${argv[i + 1] ?? 'nothing'}`);
      o[a.slice(2) as 'minutes' | 'round' | 'concurrency' | 'seed'] = value;
      i++;
    }
  }
  return o;
}

export interface Sample {
  label: string;
  /** Seconds since the baseline. */
  at: number;
  procs: Map<string, ProcPoint>;
  ns: Map<string, NsPoint>;
  drained: boolean;
  drainMs: number;
  load: string;
  /** The router's own count of live connections (Router.stats()); undefined with `--cli`. */
  routerLive: number | undefined;
}

export interface Round {
  label: string;
  connections: number;
  seconds: number;
  result: SoakClientResult;
  /**
   * Highest fd count seen per process while the round ran, polled every second: proof that the
   * connections were there (exact per-state socket counts need a quiet moment: sockets open and
   * close between reading the TCP table and the fds).
   */
  peakFds: Map<string, number>;
  peakRouterLive: number | undefined;
  /** Share of both CPUs busy during the round (everything on the machine), and the mesh's CPU seconds. */
  machineBusy: number;
  meshCpu: number;
}

export type SoakResult = { skipped: string } | {
  options: SoakOptions;
  rounds: Round[];
  samples: Sample[];
  verdict: { ok: boolean; checks: { what: string; ok: boolean; detail: string }[] };
  notes: string[];
};

export function soakSkipReason(): string | undefined {
  if (process.platform !== 'linux') return 'needs Linux network namespaces';
  if (process.getuid?.() !== 0) return 'needs root to create network namespaces';
  for (const tool of ['ip', 'nsenter', 'ss']) if (!which(tool)) return `\`${tool}\` is not installed`;
  return undefined;
}

export async function benchSoak(options: SoakOptions): Promise<SoakResult> {
  const skip = soakSkipReason();
  if (skip) return { skipped: skip };
  const dir = mkdtempSync(join(tmpdir(), 'norouter-bench-soak-'));
  cleanUpOnExit(dir);
  // Hard limit: the run, plus the warm-up, the drains and one round that started just in time.
  const deadlineMs = options.minutes * 60_000 + 240_000;
  let watchdog: NodeJS.Timeout | undefined;
  let mesh: SoakMesh | undefined;
  try {
    mesh = new SoakMesh(dir, options.router);
    const deadline = new Promise<never>((_, reject) => {
      watchdog = setTimeout(() => reject(new Error(`the soak took longer than its hard limit of ${deadlineMs / 1000} s`)), deadlineMs);
    });
    return await Promise.race([soak(mesh, options, Date.now() + deadlineMs), deadline]);
  } finally {
    clearTimeout(watchdog);
    await mesh?.stop(5000).catch(() => null);
    killAll();
    destroyAllNetns();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function soak(mesh: SoakMesh, o: SoakOptions, deadline: number): Promise<SoakResult> {
  await mesh.start();
  const pids = mesh.processes();
  if (pids.size !== mesh.hosts.length + 1) throw new Error(`expected a router and ${mesh.hosts.length} agents, found ${[...pids.keys()].join(', ')}`);
  const rounds: Round[] = [];
  const samples: Sample[] = [];
  const notes: string[] = [
    `router ${o.router === 'cli' ? '`norouter run` (dist/)' : 'in-process (bench/lib/soak-router.ts), agents from dist/'}; node ${process.version}, ${availableParallelism()} CPUs, load average at the start ${loadAverage()}`,
    `seed ${o.seed} (replay with --seed ${o.seed}); pids ${[...pids].map(([w, p]) => `${w} ${p}`).join(', ')}`,
  ];

  rounds.push(await round(mesh, pids, 'warm-up', WARMUP_CONNECTIONS, o, deadline));
  const t0 = Date.now();
  const baseline = await settle(mesh, pids, undefined, t0, 'baseline');
  samples.push(baseline);
  for (let i = 1; Date.now() - t0 < o.minutes * 60_000 || i <= 2; i++) {
    rounds.push(await round(mesh, pids, `round ${i}`, o.round, o, deadline));
    samples.push(await settle(mesh, pids, baseline.procs, t0, `round ${i}`));
    if (Date.now() > deadline - 60_000) {
      notes.push('stopped early: close to the hard time limit');
      break;
    }
  }
  const last = samples[samples.length - 1] ?? baseline;
  const pidsAfter = mesh.processes();
  const exitCode = await mesh.stop();
  const leftovers = [...pidsAfter.values()].filter((pid) => pid > 0 && processAlive(pid));

  const checks: { what: string; ok: boolean; detail: string }[] = [];
  const all = rounds.map((r) => r.result);
  const failed = all.reduce((a, r) => a + r.failed, 0);
  const errors = new Map<string, number>();
  for (const r of all) for (const [k, n] of Object.entries(r.errors)) errors.set(k, (errors.get(k) ?? 0) + n);
  checks.push({ what: 'no failed connection', ok: failed === 0, detail: failed === 0 ? '0 failed' : `${failed} failed: ${[...errors].map(([k, n]) => `${k} ${n}`).join(', ')}; e.g. ${all.flatMap((r) => r.examples).slice(0, 5).join(' | ')}` });
  for (const [who, b] of baseline.procs) {
    const l = last.procs.get(who);
    const same = l !== undefined && l.fds === b.fds && l.tcpLive === b.tcpLive && l.listening === b.listening;
    checks.push({ what: `${who}: fds and TCP sockets back to the baseline`, ok: same, detail: `fds ${b.fds} → ${l?.fds}, live TCP ${b.tcpLive} → ${l?.tcpLive}, listening ${b.listening} → ${l?.listening}` });
  }
  const restarted = [...pids].filter(([who, pid]) => pidsAfter.get(who) !== pid).map(([who]) => who);
  if (o.router === 'in-process') {
    checks.push({ what: 'router: live connections (Router.stats()) back to 0', ok: last.routerLive === 0, detail: `${baseline.routerLive} at the baseline, ${last.routerLive} at the end` });
  } else notes.push('--cli: `norouter run` cannot say its count of live connections; run without --cli for it');
  checks.push({ what: 'no agent restarted, none left after the router stopped', ok: restarted.length === 0 && leftovers.length === 0, detail: `restarted: ${restarted.join(', ') || 'none'}; left running: ${leftovers.join(', ') || 'none'}` });
  checks.push({ what: 'the router stops cleanly (SIGTERM, exit 0)', ok: exitCode === 0, detail: `exit ${exitCode}` });
  const second = samples[2];
  const measured = samples.length - 1;
  if (second && measured >= 3) {
    const between = rounds.slice(3).reduce((a, r) => a + r.connections, 0);
    for (const [who, s] of second.procs) {
      const l = last.procs.get(who);
      const growth = (l?.rssKiB ?? Number.NaN) - s.rssKiB;
      checks.push({
        what: `${who}: RSS growth from round 2 to the last ≤ ${RSS_GROWTH_LIMIT_KIB / 1024} MiB`,
        ok: growth <= RSS_GROWTH_LIMIT_KIB,
        detail: `${mib(s.rssKiB)} → ${mib(l?.rssKiB ?? Number.NaN)} (${growth >= 0 ? '+' : ''}${(growth / 1024).toFixed(1)} MiB over ${between} connections: a leak of ${(RSS_GROWTH_LIMIT_KIB * 1024 / between).toFixed(0)} B per connection would exceed the limit)`,
      });
    }
  } else notes.push(`RSS growth not judged: it needs at least 3 measured rounds, this run had ${measured}`);
  const undrained = samples.filter((s) => !s.drained).map((s) => s.label);
  if (undrained.length) notes.push(`not drained within ${DRAIN_LIMIT_MS / 1000} s: ${undrained.join(', ')}`);
  notes.push(`router and agent stderr, by kind: ${[...mesh.logCounts].map(([k, n]) => `${n} × "${k}"`).join('; ') || 'nothing'}`);
  return { options: o, rounds, samples, verdict: { ok: checks.every((c) => c.ok), checks }, notes };
}

/** One round: every host's client at once, each to the other hosts' services. */
async function round(mesh: SoakMesh, pids: ReadonlyMap<string, number>, label: string, connections: number, o: SoakOptions, deadline: number): Promise<Round> {
  const hosts = mesh.hosts;
  const cpu0 = machineCpu();
  const mesh0 = [...mesh.sample(pids).procs.values()].reduce((a, p) => a + p.cpuSeconds, 0);
  const peakFds = new Map<string, number>();
  let peakRouterLive: number | undefined;
  const peek = setInterval(() => {
    for (const [who, p] of mesh.sample(pids).procs) peakFds.set(who, Math.max(peakFds.get(who) ?? 0, p.fds));
    void mesh.routerLive().then((n) => {
      if (n !== undefined) peakRouterLive = Math.max(peakRouterLive ?? 0, n);
    });
  }, 1000);
  const t0 = process.hrtime.bigint();
  try {
    const results = await Promise.all(hosts.map((h, i) => runClient(h, {
      targets: hosts.filter((t) => t !== h).flatMap((t): SoakTarget[] => [
        { host: t.vip, port: SERVICE_PORTS.echo, kind: 'echo' },
        { host: t.vip, port: SERVICE_PORTS.upload, kind: 'upload' },
      ]),
      count: Math.floor(connections / hosts.length) + (i < connections % hosts.length ? 1 : 0),
      concurrency: Math.max(1, Math.round(o.concurrency / hosts.length)),
      seed: o.seed * 1000 + roundNumber(label) * 10 + i,
      timeoutMs: CONNECTION_TIMEOUT_MS,
    }, deadline - Date.now())));
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu1 = machineCpu();
    const mesh1 = [...mesh.sample(pids).procs.values()].reduce((a, p) => a + p.cpuSeconds, 0);
    const result = results.reduce(merge);
    return { label, connections, seconds: Math.max(...results.map((r) => r.seconds), 0) || seconds, result, peakFds, peakRouterLive, machineBusy: (cpu1.busy - cpu0.busy) / (cpu1.total - cpu0.total), meshCpu: mesh1 - mesh0 };
  } finally {
    clearInterval(peek);
  }
}

const roundNumber = (label: string): number => Number(/\d+/.exec(label)?.[0] ?? 0);

function merge(a: SoakClientResult, b: SoakClientResult): SoakClientResult {
  const sum = (x: Record<string, number>, y: Record<string, number>) => {
    const out = { ...x };
    for (const [k, n] of Object.entries(y)) out[k] = (out[k] ?? 0) + n;
    return out;
  };
  return {
    done: a.done + b.done, failed: a.failed + b.failed, aborted: a.aborted + b.aborted, bytesChecked: a.bytesChecked + b.bytesChecked,
    seconds: Math.max(a.seconds, b.seconds), errors: sum(a.errors, b.errors), examples: [...a.examples, ...b.examples], styles: sum(a.styles, b.styles),
  };
}

function runClient(host: SoakHost, args: SoakClientArgs, timeoutMs: number): Promise<SoakClientResult> {
  const child = start(inNetns(host.ns, [process.execPath, '--import', 'tsx', CLIENT, JSON.stringify(args)]), { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000); });
  const timer = setTimeout(() => child.kill('SIGKILL'), Math.max(1000, timeoutMs));
  return new Promise((resolve, reject) => {
    child.once('close', (code) => {
      clearTimeout(timer);
      try {
        if (code !== 0) throw new Error(`exit ${code}`);
        resolve(JSON.parse(stdout) as SoakClientResult);
      } catch (error) {
        reject(new Error(`the soak client in ${host.name} failed (${(error as Error).message}): ${stderr}`, { cause: error }));
      }
    });
  });
}

/**
 * Waits until the connections have drained, then samples. Drained: every TCP socket any process
 * holds in every namespace is listening (TIME_WAIT and orphans closing belong to no process),
 * the router knows no live connection, and, after a round, every process's fds and live sockets are at the baseline; for the baseline
 * itself, fd counts unchanged over five polls. Bounded by DRAIN_LIMIT_MS.
 */
async function settle(mesh: SoakMesh, pids: ReadonlyMap<string, number>, baseline: ReadonlyMap<string, ProcPoint> | undefined, t0: number, label: string): Promise<Sample> {
  const started = Date.now();
  let stable = 0;
  let previous = '';
  let drained = false;
  for (;;) {
    const { procs, ns } = mesh.sample(pids);
    const routerLive = await mesh.routerLive();
    const quiet = [...ns.values()].every((n) => [...n.held].every(([state, count]) => state === 'LISTEN' || count === 0));
    const key = [...procs.values()].map((p) => `${p.fds}/${p.tcpLive}`).join(' ');
    stable = key === previous ? stable + 1 : 0;
    previous = key;
    const atBaseline = baseline ? [...baseline].every(([who, b]) => procs.get(who)?.fds === b.fds && procs.get(who)?.tcpLive === b.tcpLive) : stable >= 5;
    drained = quiet && atBaseline && (routerLive ?? 0) === 0;
    if (drained || Date.now() - started > DRAIN_LIMIT_MS) {
      return { label, at: (Date.now() - t0) / 1000, procs, ns, drained, drainMs: Date.now() - started, load: loadAverage(), routerLive };
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const mib = (kib: number): string => `${(kib / 1024).toFixed(1)} MiB`;

export function reportSoak(r: SoakResult): string {
  if ('skipped' in r) return `skipped: ${r.skipped}`;
  const { rounds, samples, verdict, notes, options: o } = r;
  const who = [...(samples[0]?.procs.keys() ?? [])];
  const hosts = [...(samples[0]?.ns.keys() ?? [])];
  const totals = rounds.map((x) => x.result).reduce(merge);
  const total = rounds.reduce((a, x) => a + x.connections, 0);
  const out = [
    `${total.toLocaleString('en')} connections (${rounds.length - 1} rounds of ${o.round.toLocaleString('en')} after a warm-up of ${WARMUP_CONNECTIONS.toLocaleString('en')}), concurrency ${o.concurrency}, ${o.minutes} min; ${(totals.bytesChecked / 1e9).toFixed(2)} GB checked byte for byte (each direction counted); ${totals.done.toLocaleString('en')} verified, ${totals.aborted} reset on purpose, ${totals.failed} failed.`,
    '',
    `| round | connections | conn/s | GB checked | failed | aborted | peak fds (${[...(rounds[0]?.peakFds.keys() ?? [])].join(' / ')}) | peak router live conns | machine busy (2 CPUs) | mesh CPU s |`,
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rounds.map((x) => `| ${x.label} | ${x.connections} | ${(x.connections / x.seconds).toFixed(0)} | ${(x.result.bytesChecked / 1e9).toFixed(2)} | ${x.result.failed} | ${x.result.aborted} | ${[...x.peakFds.values()].join(' / ')} | ${x.peakRouterLive ?? 'n/a'} | ${(x.machineBusy * 100).toFixed(0)}% | ${x.meshCpu.toFixed(1)} |`),
    '',
    `After each round, drained: fds / live TCP sockets / RSS per process; TIME_WAIT (+ other sockets no process holds) per namespace (${hosts.join(' / ')}); load average.`,
    '',
    `| sample | t (s) | drain | router live conns | ${who.join(' | ')} | TIME_WAIT | load |`,
    `| --- | --- | --- | --- | ${who.map(() => '---').join(' | ')} | --- | --- |`,
    ...samples.map((s) => `| ${s.label} | ${s.at.toFixed(0)} | ${s.drained ? `${s.drainMs} ms` : `**not drained** (${fmtHeld(s)})`} | ${s.routerLive ?? 'n/a'} | ${who.map((w) => {
      const p = s.procs.get(w);
      return p ? `${p.fds} / ${p.tcpLive} / ${mib(p.rssKiB)}` : '?';
    }).join(' | ')} | ${hosts.map((h) => fmtNoProcess(s.ns.get(h))).join(' / ')} | ${s.load} |`),
    '',
    `Verdict: **${verdict.ok ? 'PASS' : 'FAIL'}**`,
    '',
    ...verdict.checks.map((c) => `- ${c.ok ? 'ok' : '**FAILED**'}: ${c.what}: ${c.detail}`),
    '',
    ...notes.map((n) => `- ${n}`),
  ];
  return out.join('\n');
}

function fmtNoProcess(n: NsPoint | undefined): string {
  if (!n) return '?';
  const closing = fmtStates(n.closing);
  return `${n.timeWait}${closing === '-' ? '' : ` + ${closing}`}`;
}

function fmtHeld(s: Sample): string {
  return [...s.ns].map(([h, n]) => `${h}: ${fmtStates(new Map([...n.held].filter(([state]) => state !== 'LISTEN')))}`).join('; ');
}

/** Whatever happens (an exception, Ctrl-C), leave no process, namespace or file behind. */
function cleanUpOnExit(dir: string): void {
  process.once('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killAll();
      destroyAllNetns();
      rmSync(dir, { recursive: true, force: true });
      process.exit(130);
    });
  }
}
