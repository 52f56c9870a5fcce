/**
 * Network namespaces for the mesh bench, as in the tests (test/helpers/netns.ts):
 * each stands in for a container with its own loopback. Names are `nrb-<pid>-<n>`, unique to
 * this bench process; destroyAll() kills whatever still runs inside them (by pid, from
 * `ip netns pids`) and deletes them, and also runs on process exit.
 */
import { runOk } from './procs.js';
import { killAndDeleteNetns } from '../../test/helpers/netns.js';

const created = new Set<string>();
let counter = 0;

export function createNetns(): string {
  const name = `nrb-${process.pid}-${++counter}`;
  runOk(['ip', 'netns', 'add', name]);
  created.add(name);
  runOk(['ip', 'netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up']);
  return name;
}

/** argv running `argv` inside `ns`, exactly as a manifest's `cmd` would (`ip netns exec`). */
export function inNetns(ns: string, argv: readonly string[]): string[] {
  return ['ip', 'netns', 'exec', ns, ...argv];
}

/** Like inNetns but only joins the network namespace: cheap enough to run once per connection. */
export function nsenterNet(ns: string, argv: readonly string[]): string[] {
  return ['nsenter', `--net=/run/netns/${ns}`, ...argv];
}

export function destroyNetns(name: string): void {
  killAndDeleteNetns(name);
  created.delete(name);
}

export function destroyAllNetns(): void {
  for (const name of [...created]) destroyNetns(name);
}

process.once('exit', destroyAllNetns);
