/**
 * Network namespaces as stand-ins for containers (README, "Development"): each has its own
 * loopback, so a VIP exists inside only through our agent, and `ip netns exec NS …` pipes stdio
 * exactly like `docker exec -i`.
 *
 * Names are `nrt-<pid>-<n>`: unique per test process, so concurrent test runs (and other
 * engineers' runs on the same machine) never touch each other's namespaces, and a leftover
 * from a crashed run names the process that made it (sweepStaleNetns removes those).
 *
 * Typical use:
 *   const reason = canUseNetns(); if (reason) return t.skip(reason);
 *   after(destroyAllNetns);
 *   const ns = await createNetns();
 *   await execIn(ns, ['ip', 'addr']);
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { run, runOk, which, type RunOptions, type RunResult } from './processes.js';

const PREFIX = `nrt-${process.pid}-`;
const created = new Set<string>();
let counter = 0;

/** Why namespaces cannot be used here, or undefined when they can. Print it when skipping. */
export function canUseNetns(): string | undefined {
  if (process.platform !== 'linux') return `network namespaces need Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'creating network namespaces needs root (run the tests as root, as .ci/run does)';
  if (!which('ip')) return '`ip` (iproute2) is not installed';
  return undefined;
}

/** The argv that runs `argv` inside `ns`: what a manifest's `cmd` would be for that "container". */
export function cmdFor(ns: string, argv: readonly string[]): string[] {
  return ['ip', 'netns', 'exec', ns, ...argv];
}

/** Runs `argv` inside `ns` to completion; resolves with its output whatever the exit code. */
export function execIn(ns: string, argv: readonly string[], options?: RunOptions): Promise<RunResult> {
  return run(cmdFor(ns, argv), options);
}

/** Like execIn, but rejects (quoting stderr) unless the command exits 0. */
export function execInOk(ns: string, argv: readonly string[], options?: RunOptions): Promise<RunResult> {
  return runOk(cmdFor(ns, argv), options);
}

/** Creates a namespace with `lo` up and returns its name. Destroyed by destroyAllNetns. */
export async function createNetns(): Promise<string> {
  const name = `${PREFIX}${++counter}`;
  await runOk(['ip', 'netns', 'add', name]);
  created.add(name);
  // A new namespace's loopback is down: nothing, not even 127.0.0.1, would answer.
  await execInOk(name, ['ip', 'link', 'set', 'lo', 'up']);
  return name;
}

/**
 * Kills every process still inside `ns` (a service a test started there, an agent that
 * outlived its router) and deletes the namespace. Idempotent. Also used by the benchmarks.
 */
export function killAndDeleteNetns(name: string): void {
  // Synchronous on purpose: it also runs from 'exit' handlers, where nothing async can.
  const pids = spawnSync('ip', ['netns', 'pids', name], { encoding: 'utf8' }).stdout ?? '';
  for (const pid of pids.split(/\s+/).filter(Boolean)) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  spawnSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
}

/** killAndDeleteNetns for a namespace this process created. */
export function destroyNetns(name: string): void {
  killAndDeleteNetns(name);
  created.delete(name);
}

/** Destroys every namespace this process created. Register with `after(destroyAllNetns)`. */
export function destroyAllNetns(): void {
  for (const name of [...created]) destroyNetns(name);
}

/** The namespaces this process created and has not destroyed yet. */
export function liveNetns(): string[] {
  return [...created];
}

/** Whether a namespace of that name exists (in /run/netns, where `ip netns add` puts them). */
export function netnsExists(name: string): boolean {
  return existsSync(`/run/netns/${name}`);
}

/**
 * Removes `nrt-<pid>-*` namespaces left by test processes that no longer exist (a run killed
 * with SIGKILL cannot clean up after itself). Namespaces of live processes are left alone.
 */
export function sweepStaleNetns(): string[] {
  let names: string[] = [];
  try {
    names = readdirSync('/run/netns');
  } catch {
    return [];
  }
  const swept: string[] = [];
  for (const name of names) {
    const m = /^nrt-(\d+)-\d+$/.exec(name);
    if (!m || existsSync(`/proc/${m[1]}`)) continue;
    destroyNetns(name);
    swept.push(name);
  }
  return swept;
}

// A test file that crashes or is cancelled may never run its `after` hooks; the exit handler is
// the last chance to delete what this process made. (SIGKILL leaves them: sweepStaleNetns.)
process.once('exit', destroyAllNetns);
