import { rmSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { destroyAllNetns } from './netns.js';
import { killAll, stop } from './procs.js';

/**
 * The end of a benchmark that ran `norouter run` beside helper children in network namespaces:
 * their input closed, the router stopped (it stops its agents), the children, anything left,
 * the namespaces and the scratch directory.
 */
export async function teardown(router: ChildProcess | undefined, children: readonly ChildProcess[], dir: string): Promise<void> {
  for (const p of children) p.stdin?.end();
  if (router) await stop(router, 'SIGTERM', 8000);
  await Promise.all(children.map((p) => stop(p, 'SIGTERM', 2000)));
  killAll();
  destroyAllNetns();
  rmSync(dir, { recursive: true, force: true });
}
