/**
 * Processes for the mesh bench: spawn and remember them (so that every exit path kills what we
 * started, by pid), run a command to completion with a deadline, and read the process tree and
 * VmRSS from /proc (the router's agents are its descendants).
 */
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';

const started = new Set<ChildProcess>();

/** Spawns argv and tracks it until it exits; killAll() ends whatever is left. */
export function start(argv: readonly string[], options: SpawnOptions = {}): ChildProcess {
  const [file, ...args] = argv;
  if (!file) throw new Error('Assertion failed: empty argv');
  const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'], ...options });
  started.add(child);
  child.once('exit', () => started.delete(child));
  child.on('error', () => {}); // reported through the exit code or the caller's own wait
  return child;
}

/** SIGKILLs every process we started that is still running (synchronous: also used on exit). */
export function killAll(): void {
  for (const child of started) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  started.clear();
}

/** Sends `signal`, then SIGKILL after `graceMs`; resolves once the process has exited. */
export function stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill(signal);
  });
}

export interface Completed {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs argv to completion; SIGKILL at the deadline. */
export function runToEnd(argv: readonly string[], timeoutMs: number, options: { env?: NodeJS.ProcessEnv } = {}): Promise<Completed> {
  const child = start(argv, { stdio: ['ignore', 'pipe', 'pipe'], ...(options.env ? { env: options.env } : {}) });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) => {
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs argv synchronously; throws with its stderr unless it exits 0. */
export function runOk(argv: readonly string[]): void {
  const [file, ...args] = argv;
  if (!file) throw new Error('Assertion failed: empty argv');
  const r = spawnSync(file, args, { encoding: 'utf8', timeout: 10_000 });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr ?? r.error?.message ?? ''}`.trim());
}

// The /proc walks and PATH lookup are the tests' (test/helpers/processes.ts): one copy of each.
export { descendants, rssKiB, which } from '../../test/helpers/processes.js';

const CLOCK_TICKS = 100; // USER_HZ: what /proc/PID/stat counts in on Linux

/** User + system CPU time of a process so far, in seconds (NaN when it is gone). */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return Number.NaN;
  }
}

/** CPU seconds of a process plus those of its children it has reaped (cutime + cstime). */
export function cpuSecondsWithChildren(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ').slice(11, 15).map(Number);
    return f.reduce((a, b) => a + b, 0) / CLOCK_TICKS;
  } catch {
    return Number.NaN;
  }
}
