/**
 * Processes that outlive the router (docs/reliability.md). Was a bug: an agent started through a
 * wrapper (`sh -c 'helper & node …; sleep 25'`) exited when its stdin closed, but the wrapper's
 * own processes (the helper, then the `sleep`) ran on after the router was killed with SIGKILL:
 * nothing told them. Now a watchdog process (src/router/watchdog.ts) holding a pipe from the
 * router signals every agent's process group when that pipe ends. Checked by walking /proc.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startMesh } from '../helpers/mesh.js';
import { CLI_ARGV, allProcesses, descendants, descendantsWithArg, stillAlive, type ProcInfo } from '../helpers/processes.js';
import { nextVip } from '../helpers/vips.js';
import { waitFor } from '../helpers/wait.js';

/** `sleep N` with an N no other test uses: found in /proc after it was re-parented. */
const marks = [1_000_000 + (process.pid % 100_000) * 2, 1_000_001 + (process.pid % 100_000) * 2].map(String);
const marked = (): ProcInfo[] => allProcesses().filter((p) => p.argv[0] === 'sleep' && marks.includes(p.argv[1] ?? ''));

describe('the router killed with SIGKILL, an agent started through a wrapper', { timeout: 60_000 }, () => {
  test('the agent, its wrapper, what the wrapper started and the watchdog are all gone', async () => {
    const vip = nextVip();
    // A helper in the background, the agent in the foreground, then more work after it.
    const wrapper = ['sh', '-c', `sleep ${marks[0]} & "$@"; sleep ${marks[1]}`, 'sh', ...CLI_ARGV];
    const mesh = await startMesh([{ name: 'local', vip: nextVip() }, { name: 'wrapped', vip, cmd: wrapper }], 30_000);
    try {
      await waitFor(() => descendantsWithArg(mesh.router.pid, '--me', vip).length > 0 && marked().length > 0, { timeoutMs: 10_000, what: 'the wrapped agent and its helper' });
      const tree = descendants(mesh.router.pid);
      assert.ok(tree.some((p) => p.argv.includes('-e') && p.argv[0] === process.execPath), `no watchdog among ${JSON.stringify(tree.map((p) => p.argv.slice(0, 3)))}`);
      mesh.router.child.kill('SIGKILL');
      await mesh.router.exited;
      // Anything left would live for hours (sleep 1,000,000 s): the deadline only turns that into
      // a failure, well past the watchdog's 3 s grace.
      await waitFor(() => stillAlive(tree).length === 0 && marked().length === 0, { timeoutMs: 20_000, what: 'every process the router started to end' }).catch((error: Error) => {
        throw new Error(`${error.message}; left: ${JSON.stringify([...stillAlive(tree), ...marked()].map((p) => p.argv.join(' ')))}`);
      });
    } finally {
      for (const p of marked()) process.kill(p.pid, 'SIGKILL');
      await mesh.stop().catch(() => {});
    }
  });
});
