/**
 * What the books of `norouter status` cost, in instructions (docs/benchmarks.md, "Status"): a
 * figure the machine's load cannot move, where bench/accounting.ts's rates swing by more than the
 * 3% budget on a shared machine. The router (`node dist/norouter.cjs run`) runs under valgrind's
 * callgrind, which counts the instructions the router's process executes (node's JIT code
 * included, all of its threads); its two agents are its children and run natively
 * (--trace-children=no). Both agents live on this machine's loopback (two VIPs), the servers are
 * in this process. Counting starts after a warm-up (the JIT's first tiers) and is dumped after
 * each phase: a single stream of STREAM_MIB MiB client -> server, then ROUND_TRIPS sequential
 * 64-byte round trips on one connection. The same build runs with NOROUTER_ACCOUNTING=off
 * (src/status/status-service.ts) and as it ships, alternating, REPS times each.
 *
 * V8's optimizing compiler is left out of the counts (excludingCompiler below). The frames each
 * phase switched are counted (framesSwitched), and the books' own instructions per frame are
 * counted apart, in a loop that load cannot move (booksPerFrame).
 *
 * Needs valgrind (Debian: `apt-get install valgrind`, which brings callgrind_control, vgdb and
 * callgrind_annotate); no root. About 1.5 to 2 minutes per router on the loaded 2-vCPU machine,
 * so about 20 minutes for the 10 routers of the default and the loop.
 * Command: `npm run bench -- accounting-instructions`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLI } from './lib/mesh-router.js';
import { fmtRatio, median } from './lib/stats.js';
import { which } from './lib/procs.js';
import { callgrindControl, excludingCompiler } from './lib/callgrind.js';

const STREAM_MIB = 64;
const ROUND_TRIPS = 2000;
/**
 * Warm-up, not counted, until V8's optimizing compiler is done with the router's hot paths: with
 * 16 MiB and 500 trips (the first version) the counted phases still ran much of the router in
 * V8's first tiers (2.1 M instructions a MiB against 0.7 M after this warm-up), and what the books
 * cost there is not what they cost once optimized. The report gives the compiler's share of each
 * phase, a few % or less after this warm-up.
 */
const WARM_MIB = 512;
const WARM_TRIPS = 5000;
const REPS = 5;
const BUDGET = 1.03;
/** Two VIPs of this benchmark's own on the loopback (bench/accounting.ts uses 127.0.42.1xx). */
const VIP = { client: '127.0.43.11', server: '127.0.43.12' } as const;

type Side = 'off' | 'on';
/** Instructions excluding V8's optimizing compiler; compilerShare: its share of all (stream, trips). */
export interface Counted { side: Side; perMiB: number; perTrip: number; compilerShare: [number, number]; frames: [number, number] }
export type InstructionsResult =
  | { skipped: string }
  | {
    runs: Counted[]; perMiB: Record<Side, number>; perTrip: Record<Side, number>; ratioMiB: number; ratioTrip: number; spreadMiB: [number, number]; spreadTrip: [number, number]; met: boolean;
    /** The books' own instructions per forwarded frame (booksPerFrame), and that over the router's per frame. */
    books: { perFrame: number; shareMiB: number; shareTrip: number };
  };

export async function benchAccountingInstructions(reps = REPS): Promise<InstructionsResult> {
  if (!which('valgrind') || !which('callgrind_control')) return { skipped: '`valgrind` (with callgrind_control) is not installed' };
  const runs: Counted[] = [];
  for (let i = 0; i < reps; i++) {
    for (const side of (i % 2 === 0 ? ['off', 'on'] : ['on', 'off']) as Side[]) {
      const r = await countOnce(side);
      runs.push(r);
      process.stderr.write(`accounting-instructions: run ${runs.length} of ${2 * reps}, books ${side}: ${(r.perMiB / 1e6).toFixed(2)} M/MiB, ${(r.perTrip / 1e3).toFixed(1)} k/round trip, ${(r.frames[0] / STREAM_MIB).toFixed(1)} frames/MiB, ${(r.perMiB * STREAM_MIB / r.frames[0] / 1e3).toFixed(2)} k/stream frame, ${(r.frames[1] / ROUND_TRIPS).toFixed(2)} frames/trip (compiler left out: ${r.compilerShare.map((x) => `${(100 * x).toFixed(0)}%`).join('/')})\n`);
    }
  }
  const of = (side: Side, k: 'perMiB' | 'perTrip') => runs.filter((r) => r.side === side).map((r) => r[k]);
  const perMiB = { off: median(of('off', 'perMiB')), on: median(of('on', 'perMiB')) };
  const perTrip = { off: median(of('off', 'perTrip')), on: median(of('on', 'perTrip')) };
  // The spread of the ratio: the worst and best pairing of an `on` run with an `off` run.
  const spread = (k: 'perMiB' | 'perTrip'): [number, number] => [
    Math.min(...of('on', k)) / Math.max(...of('off', k)), Math.max(...of('on', k)) / Math.min(...of('off', k)),
  ];
  const ratioMiB = perMiB.on / perMiB.off;
  const ratioTrip = perTrip.on / perTrip.off;
  const perFrame = await booksPerFrame();
  const framesPerMiB = median(runs.map((r) => r.frames[0] / STREAM_MIB));
  const framesPerTrip = median(runs.map((r) => r.frames[1] / ROUND_TRIPS));
  const books = { perFrame, shareMiB: (perFrame * framesPerMiB) / perMiB.off, shareTrip: (perFrame * framesPerTrip) / perTrip.off };
  return { runs, perMiB, perTrip, ratioMiB, ratioTrip, spreadMiB: spread('perMiB'), spreadTrip: spread('perTrip'), met: ratioMiB <= BUDGET && ratioTrip <= BUDGET, books };
}

async function countOnce(side: Side): Promise<Counted> {
  const dir = mkdtempSync(join(tmpdir(), 'norouter-bench-instr-'));
  const servers: Server[] = [];
  let router: ChildProcess | undefined;
  try {
    const echo = await listen((s) => s.pipe(s));
    const sink = await listen((s) => { s.resume(); s.on('end', () => s.end()); });
    servers.push(echo, sink);
    const port = { echo: (echo.address() as AddressInfo).port, sink: (sink.address() as AddressInfo).port };
    const manifest = join(dir, 'mesh.json');
    const agent = [process.execPath, CLI];
    writeFileSync(manifest, `${JSON.stringify({
      hosts: {
        client: { cmd: agent, vip: VIP.client },
        // Both agents share this namespace: without loopback.disable the server's own agent would
        // listen on its VIP's ports too, beside the client's, and whichever bound first would take
        // the connections (the other logs EADDRINUSE), so the path would change from run to run.
        server: { cmd: agent, vip: VIP.server, loopback: { disable: true }, ports: [`${port.echo}:127.0.0.1:${port.echo}`, `${port.sink}:127.0.0.1:${port.sink}`] },
      },
    })}\n`);
    const runtime = join(dir, 'xdg');
    mkdirSync(runtime, { mode: 0o700 });
    const env: NodeJS.ProcessEnv = { ...process.env, XDG_RUNTIME_DIR: runtime, ...(side === 'off' ? { NOROUTER_ACCOUNTING: 'off' } : {}) };
    delete env.NODE_OPTIONS;
    // --perf-basic-prof: node writes /tmp/perf-PID.map, the names of its JIT code, which the
    // dumps only know by address; it is how the frames are counted (framesSwitched below).
    // --single-threaded: V8 compiles on the main thread, when a function is hot, rather than on
    // a thread whose progress depends on the machine's load (the code runs in a slower tier until
    // it is done): the counts of the same build spread less.
    router = spawn('valgrind', [
      '--tool=callgrind', '--instr-atstart=no', '--trace-children=no', `--callgrind-out-file=${join(dir, 'cg.out')}`,
      process.execPath, '--perf-basic-prof', '--single-threaded', CLI, 'run', manifest,
    ], { env, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    const child = router;
    let log = '';
    child.stderr?.on('data', (d: Buffer) => { log = (log + d.toString()).slice(-4000); });
    await ready(child, () => log);

    // Warm-up, not counted: the router's hot paths reach the JIT's optimizing tier.
    await stream(port.sink, WARM_MIB);
    await roundTrips(port.echo, WARM_TRIPS);
    callgrindControl(child.pid, ['-i', 'on']);
    await stream(port.sink, STREAM_MIB);
    callgrindControl(child.pid, ['-d', 'stream']);
    await roundTrips(port.echo, ROUND_TRIPS);
    callgrindControl(child.pid, ['-d', 'trips']);
    const dumps = readdirSync(dir).filter((f) => f.startsWith('cg.out')).sort();
    const counted = (name: string) => {
      const file = dumps.find((f) => readFileSync(join(dir, f), 'utf8').includes(`desc: Trigger: dump ${name}\n`));
      if (!file) throw new Error(`no callgrind dump ${name} in ${dir}`);
      return excludingCompiler(join(dir, file));
    };
    const s = counted('stream');
    const t = counted('trips');
    const receive = codeOf(`/tmp/perf-${child.pid}.map`, switchReceive());
    const frames = (name: string) => framesSwitched(join(dir, dumps.find((f) => readFileSync(join(dir, f), 'utf8').includes(`desc: Trigger: dump ${name}\n`))!), receive);
    return {
      side, perMiB: s.run / STREAM_MIB, perTrip: t.run / ROUND_TRIPS, compilerShare: [s.compiler / s.total, t.compiler / t.total],
      frames: [frames('stream'), frames('trips')],
    };
  } finally {
    if (router && router.exitCode === null) {
      const exited = new Promise((resolve) => router!.once('exit', resolve));
      router.kill('SIGTERM');
      const t = setTimeout(() => router!.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(t);
    }
    for (const s of servers) s.close();
    rmSync(dir, { recursive: true, force: true });
    if (router?.pid !== undefined) rmSync(`/tmp/perf-${router.pid}.map`, { force: true });
  }
}


/**
 * The books' own instructions per forwarded frame: bench/lib/books-loop.ts (forwarded() in a loop,
 * as for a round trip: two data frames and every 16th a WINDOW) under callgrind, for LOOP_TRIPS and
 * twice as many; the difference, over the frames it adds, leaves node's start-up out.
 */
const LOOP_TRIPS = 200_000;
async function booksPerFrame(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'norouter-bench-books-'));
  try {
    const { build } = await import('esbuild');
    const script = join(dir, 'books-loop.cjs');
    await build({ entryPoints: [fileURLToPath(new URL('./lib/books-loop.ts', import.meta.url))], outfile: script, bundle: true, platform: 'node', format: 'cjs', logLevel: 'warning' });
    const count = (trips: number): number => {
      const r = spawnSync('valgrind', ['--tool=callgrind', `--callgrind-out-file=${join(dir, `cg.${trips}`)}`, process.execPath, '--single-threaded', script, String(trips)], { encoding: 'utf8' });
      const m = /Collected : (\d+)/.exec(r.stderr);
      if (r.status !== 0 || !m) throw new Error(`books-loop ${trips} under callgrind failed: ${r.stderr.slice(-2000)}`);
      return Number(m[1]);
    };
    const frames = (trips: number) => 2 * trips + Math.floor(trips / 16);
    return (count(2 * LOOP_TRIPS) - count(LOOP_TRIPS)) / (frames(2 * LOOP_TRIPS) - frames(LOOP_TRIPS));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * How V8 names the router's Switch.receive() (src/router/switch.ts), called once for every frame
 * a link delivers: the bundle's file, line and column of the method's parameter list.
 * dist/norouter.cjs embeds the bundle it compiles as a string literal (scripts/code-cache-loader.mjs).
 */
function switchReceive(): string {
  const text = readFileSync(CLI, 'utf8');
  const start = text.indexOf(')("(function (exports') + 2;
  const end = /", "[0-9a-f]+", \[/.exec(text.slice(start));
  if (start < 2 || !end) throw new Error(`${CLI}: no embedded bundle where scripts/code-cache-loader.mjs puts it`);
  const code = JSON.parse(text.slice(start, start + end.index + 1)) as string;
  const marker = 'receive(from,frame){if(frame.srcIP!==';
  const at = code.indexOf(marker);
  if (at < 0 || code.indexOf(marker, at + 1) >= 0) throw new Error(`${CLI}: Switch.receive (src/router/switch.ts) not found once by its text ${marker}`);
  const lines = code.slice(0, at).split('\n');
  return `${CLI}:${lines.length}:${lines.at(-1)!.length + 'receive('.length}`;
}

/** The address ranges of every compiled version of the function V8 names `where`, from node's perf map. */
function codeOf(perfMap: string, where: string): [number, number][] {
  const ranges: [number, number][] = [];
  for (const line of readFileSync(perfMap, 'utf8').split('\n')) {
    const m = /^([0-9a-f]+) ([0-9a-f]+) JS:\S* (.*)$/.exec(line);
    if (m && m[3] === where) ranges.push([parseInt(m[1]!, 16), parseInt(m[1]!, 16) + parseInt(m[2]!, 16)]);
  }
  if (ranges.length === 0) throw new Error(`${perfMap}: no code of ${where}`);
  return ranges;
}

/**
 * Frames the router switched in a dump: the calls into Switch.receive's code (callgrind names
 * JIT code by the address it was entered at). Throws when there are none: the method was inlined
 * into its caller, and the per-frame figures would be wrong.
 */
function framesSwitched(file: string, code: readonly [number, number][]): number {
  const names = new Map<string, string>();
  let callee = '';
  let frames = 0;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.startsWith('cfn=')) {
      const m = /^cfn=\((\d+)\)(?: (.*))?$/.exec(line);
      if (!m) continue;
      if (m[2] !== undefined) names.set(m[1]!, m[2]);
      callee = names.get(m[1]!) ?? '';
    } else if (line.startsWith('fn=')) {
      const m = /^fn=\((\d+)\) (.*)$/.exec(line);
      if (m) names.set(m[1]!, m[2]!);
    } else if (line.startsWith('calls=') && callee.startsWith('0x')) {
      const at = parseInt(callee, 16);
      if (code.some(([from, to]) => at >= from && at < to)) frames += Number(line.slice(6).split(' ')[0]);
    }
  }
  if (frames === 0) throw new Error(`${file}: no calls into Switch.receive (inlined?): frames not counted`);
  return frames;
}

function listen(onConn: (s: Socket) => void): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer(onConn);
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

function ready(child: ChildProcess, log: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`the router was not ready under valgrind within 180 s:\n${out}${log()}`)), 180_000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const line = /^.*ready.*$/m.exec(out)?.[0];
      if (line === undefined) return;
      clearTimeout(timer);
      if (/ of \d+ hosts up/.test(line)) reject(new Error(`not every host came up:\n${out}${log()}`));
      else resolve();
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`the router exited (${code}) before it was ready:\n${out}${log()}`)); });
  });
}


/** Sends `mib` MiB to the sink through the router and waits for the sink's end. */
function stream(port: number, mib: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = connect(port, VIP.server);
    const chunk = Buffer.alloc(64 * 1024, 0x5a);
    let left = mib * 16;
    const write = () => {
      while (left > 0) {
        left--;
        if (!s.write(chunk)) return void s.once('drain', write);
      }
      s.end();
    };
    s.once('connect', write);
    s.resume();
    s.once('close', () => resolve());
    s.once('error', reject);
  });
}

/** `n` sequential 64-byte round trips on one connection. */
function roundTrips(port: number, n: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = connect(port, VIP.server);
    const msg = Buffer.alloc(64, 0x61);
    let got = 0;
    let done = 0;
    s.once('connect', () => s.write(msg));
    s.on('data', (d: Buffer) => {
      got += d.length;
      while (got >= 64) {
        got -= 64;
        if (++done === n) { s.end(); return; }
        s.write(msg);
      }
    });
    s.once('close', () => (done === n ? resolve() : reject(new Error(`round trips: ${done} of ${n} before close`))));
    s.once('error', reject);
  });
}

export function reportAccountingInstructions(r: InstructionsResult): string {
  if ('skipped' in r) return `skipped: ${r.skipped}`;
  const m = (x: number) => `${(x / 1e6).toFixed(2)} M`;
  const k = (x: number) => `${(x / 1e3).toFixed(1)} k`;
  return [
    '| router instructions (callgrind, V8 compiler left out) | books off | books on | on / off | spread | target | met |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    `| per MiB, single stream (${STREAM_MIB} MiB, median of ${r.runs.length / 2}) | ${m(r.perMiB.off)} | ${m(r.perMiB.on)} | ${fmtRatio(r.ratioMiB)} | ${fmtRatio(r.spreadMiB[0])} to ${fmtRatio(r.spreadMiB[1])} | ≤ ${BUDGET}× | ${r.ratioMiB <= BUDGET ? 'yes' : '**no**'} |`,
    `| per 64-byte round trip (${ROUND_TRIPS} on one connection, median of ${r.runs.length / 2}) | ${k(r.perTrip.off)} | ${k(r.perTrip.on)} | ${fmtRatio(r.ratioTrip)} | ${fmtRatio(r.spreadTrip[0])} to ${fmtRatio(r.spreadTrip[1])} | ≤ ${BUDGET}× | ${r.ratioTrip <= BUDGET ? 'yes' : '**no**'} |`,
    '',
    `- Each run (in order): ${r.runs.map((x) => `${x.side} ${m(x.perMiB)}/MiB ${k(x.perTrip)}/trip`).join('; ')}.`,
    `- V8's optimizing compiler, left out of the figures above, was ${r.runs.map((x) => `${(100 * x.compilerShare[0]).toFixed(0)}%/${(100 * x.compilerShare[1]).toFixed(0)}%`).join(', ')} of each run's stream/round-trip phase.`,
    `- Frames the router switched (calls into Switch.receive): ${r.runs.map((x) => `${(x.frames[0] / STREAM_MIB).toFixed(1)}/MiB ${(x.frames[1] / ROUND_TRIPS).toFixed(2)}/trip`).join('; ')}.`,
    `- The books' own work (bench/lib/books-loop.ts, forwarded() in a loop): ${r.books.perFrame.toFixed(0)} instructions a frame; at the frames above that is ${(100 * r.books.shareMiB).toFixed(2)}% of the router's instructions per MiB (books off) and ${(100 * r.books.shareTrip).toFixed(2)}% per round trip.`,
  ].join('\n');
}
