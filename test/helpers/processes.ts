/**
 * Real child processes for end-to-end tests: run a command to completion, spawn the built CLI
 * and follow its output line by line, stop it with a signal, and find the processes it started
 * (walking /proc) so a test can prove that nothing is left behind.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { onLines, waitFor, WaitTimeoutError, withTimeout } from './wait.js';

/** The repository root (this file is test/helpers/processes.ts). */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url)).replace(/\/$/, '');
/** The built CLI; `npm test` builds it before running the tests. */
export const CLI_PATH = `${REPO_ROOT}/dist/norouter.cjs`;
/** argv that runs the built CLI with this very node. */
export const CLI_ARGV: readonly string[] = [process.execPath, CLI_PATH];

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  timeoutMs?: number;
  input?: string | Buffer;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** Runs argv to completion (killed with SIGKILL at the deadline) and returns its output. */
export function run(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const { timeoutMs = 10_000, input, env, cwd } = options;
  const [file, ...args] = argv;
  if (!file) throw new Error('run: empty argv');
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'], env, cwd });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new WaitTimeoutError(`\`${argv.join(' ')}\` to exit`, timeoutMs));
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`cannot run \`${argv.join(' ')}\`: ${error.message}`, { cause: error }));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
    });
    child.stdin.on('error', () => {}); // a child that exits without reading its input is fine
    child.stdin.end(input);
  });
}

/** Like run(), but rejects unless the command exits 0; the error quotes the command and stderr. */
export async function runOk(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const result = await run(argv, options);
  if (result.code !== 0) {
    throw new Error(
      `\`${argv.join(' ')}\` exited with ${result.code ?? result.signal}: ${result.stderr.trim() || '(no stderr)'}`,
    );
  }
  return result;
}

/** Whether an executable is on PATH (or, for a path with a slash, exists). */
export function which(name: string): string | undefined {
  if (name.includes('/')) return existsSync(name) ? name : undefined;
  for (const dir of (process.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin').split(':')) {
    const path = `${dir}/${name}`;
    if (dir && existsSync(path)) return path;
  }
  for (const dir of ['/usr/sbin', '/sbin']) if (existsSync(`${dir}/${name}`)) return `${dir}/${name}`;
  return undefined;
}

/** One output line of a followed process. */
export interface Line {
  stream: 'stdout' | 'stderr';
  text: string;
}

/**
 * A long-running child whose output is recorded line by line (and echoed to the test's stderr
 * when NOROUTER_TEST_VERBOSE is set, which is how to see a router's log while debugging).
 */
export class FollowedProcess {
  readonly child: ChildProcess;
  readonly lines: Line[] = [];
  /**
   * Resolves when the process exits. Its output may still be arriving: a grandchild that
   * inherited stdout keeps the pipe open after the process itself is gone (see `closed`).
   */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves when the process has exited and every holder of its stdout/stderr closed them. */
  readonly closed: Promise<void>;
  private readonly listeners = new Set<(line: Line) => void>();

  constructor(readonly argv: readonly string[], options: SpawnOptions = {}) {
    const [file, ...args] = argv;
    if (!file) throw new Error('spawn: empty argv');
    this.child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'], ...options });
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => resolve({ code, signal }));
      // Spawn failures (ENOENT) emit 'error' and no 'exit'; record them as a line.
      this.child.on('error', (error) => {
        this.record({ stream: 'stderr', text: `spawn error: ${error.message}` });
        resolve({ code: null, signal: null });
      });
    });
    this.closed = new Promise((resolve) => {
      this.child.on('close', () => resolve());
      this.child.on('error', () => resolve());
    });
    // Writing to a child that exited must not crash the test with EPIPE.
    this.child.stdin?.on('error', () => {});
    const verbose = Boolean(process.env.NOROUTER_TEST_VERBOSE);
    for (const stream of ['stdout', 'stderr'] as const) {
      const readable = this.child[stream];
      if (!readable) continue;
      onLines(readable, (text) => {
        if (verbose) process.stderr.write(`[${this.child.pid} ${stream}] ${text}\n`);
        this.record({ stream, text });
      });
    }
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error(`\`${this.argv.join(' ')}\` did not start`);
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Every line so far, stdout and stderr interleaved in arrival order. */
  output(): string {
    return this.lines.map((l) => l.text).join('\n');
  }

  /** Resolves with the first line (already seen or future) matching `regex`, on either stream. */
  waitForLine(regex: RegExp, timeoutMs = 10_000): Promise<string> {
    const seen = this.lines.find((l) => regex.test(l.text));
    if (seen) return Promise.resolve(seen.text);
    return new Promise((resolve, reject) => {
      const listener = (line: Line): void => {
        if (!regex.test(line.text)) return;
        done();
        resolve(line.text);
      };
      const timer = setTimeout(() => {
        done();
        reject(new WaitTimeoutError(`a line matching ${regex} from \`${this.argv.join(' ')}\``, timeoutMs, this.tail()));
      }, timeoutMs);
      void this.exited.then(async ({ code, signal }) => {
        // Its last lines may still be in the pipe: give them a moment (bounded, since an
        // orphaned grandchild can hold the pipe open indefinitely) to be matched first.
        await withTimeout(this.closed, 500, 'output to end').catch(() => {});
        if (!this.listeners.has(listener)) return;
        done();
        reject(new Error(`\`${this.argv.join(' ')}\` exited (${code ?? signal}) before printing a line matching ${regex}; ${this.tail()}`));
      });
      const done = (): void => {
        clearTimeout(timer);
        this.listeners.delete(listener);
      };
      this.listeners.add(listener);
    });
  }

  /** Sends `signal` and waits for the exit; after `timeoutMs` sends SIGKILL and throws. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 5000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.running) this.child.kill(signal);
    try {
      return await withTimeout(this.exited, timeoutMs, `\`${this.argv.join(' ')}\` to exit after ${signal}`);
    } catch (error) {
      this.child.kill('SIGKILL');
      await this.exited;
      throw error;
    }
  }

  /** The last lines, for error messages. */
  tail(n = 15): string {
    const last = this.lines.slice(-n).map((l) => `${l.stream}: ${l.text}`);
    return last.length ? `last output:\n  ${last.join('\n  ')}` : 'no output';
  }

  private record(line: Line): void {
    this.lines.push(line);
    for (const listener of [...this.listeners]) listener(line);
  }
}

/** Spawns the built CLI (`node dist/norouter.cjs ARGS…`) and follows its output. */
export function spawnCli(args: readonly string[], options: SpawnOptions = {}): FollowedProcess {
  if (!existsSync(CLI_PATH)) throw new Error(`${CLI_PATH} is missing: run \`npm run build\``);
  return new FollowedProcess([...CLI_ARGV, ...args], options);
}

/** A process as /proc describes it. starttime tells a live process from a reused pid. */
export interface ProcInfo {
  pid: number;
  ppid: number;
  starttime: string;
  argv: string[];
}

/** Reads /proc/PID; undefined when it is gone (or became a zombie, which holds nothing). */
export function procInfo(pid: number): ProcInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may itself contain spaces or parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    if (argv.at(-1) === '') argv.pop();
    return { pid, ppid: Number(fields[1]), starttime: fields[19] ?? '', argv };
  } catch {
    return undefined;
  }
}

/** VmRSS of a process in KiB (NaN when it is gone). */
export function rssKiB(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Every live process on the machine (that this user can see). */
export function allProcesses(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const info = procInfo(Number(name));
    if (info) out.push(info);
  }
  return out;
}

/**
 * Every live descendant of `pid` (children, grandchildren…), found by walking parent links in
 * /proc. A descendant whose parent died is re-parented (to init or a subreaper) and is no
 * longer found here: to prove nothing outlived a process, snapshot its descendants before
 * stopping it and check them with stillAlive().
 */
export function descendants(pid: number): ProcInfo[] {
  const byParent = new Map<number, ProcInfo[]>();
  for (const p of allProcesses()) {
    const siblings = byParent.get(p.ppid) ?? [];
    siblings.push(p);
    byParent.set(p.ppid, siblings);
  }
  const out: ProcInfo[] = [];
  const queue = [pid];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    for (const child of byParent.get(next) ?? []) {
      out.push(child);
      queue.push(child.pid);
    }
  }
  return out;
}

/** Those of `procs` still running: same pid and same start time (so not a reused pid). */
export function stillAlive(procs: readonly ProcInfo[]): ProcInfo[] {
  return procs.filter((p) => procInfo(p.pid)?.starttime === p.starttime);
}

/** Waits until none of `procs` is alive; the error lists the survivors' command lines. */
export async function waitForGone(procs: readonly ProcInfo[], timeoutMs = 5000): Promise<void> {
  try {
    await waitFor(() => stillAlive(procs).length === 0, { timeoutMs, what: 'processes to exit' });
  } catch {
    const left = stillAlive(procs).map((p) => `${p.pid}: ${p.argv.join(' ')}`);
    throw new Error(`still running after ${timeoutMs} ms:\n  ${left.join('\n  ')}`);
  }
}

/** The descendants of `pid` whose argv contains the two consecutive words `flag value`. */
export function descendantsWithArg(pid: number, flag: string, value: string): ProcInfo[] {
  return descendants(pid).filter((p) => p.argv.some((a, i) => a === flag && p.argv[i + 1] === value));
}
