import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from './wait.js';
import { FollowedProcess, descendants, descendantsWithArg, procInfo, stillAlive, waitForGone } from './processes.js';

test('FollowedProcess records lines of both streams and waits for one', async () => {
  const p = new FollowedProcess(['sh', '-c', 'echo one; echo two >&2; read x; echo "got $x"']);
  assert.equal(await p.waitForLine(/^two$/), 'two');
  p.child.stdin?.end('input\n');
  assert.equal(await p.waitForLine(/^got /), 'got input');
  assert.deepEqual((await p.exited).code, 0);
  await assert.rejects(p.waitForLine(/never/), /exited \(0\) before printing a line matching \/never\//);
});

test('descendants finds grandchildren; a snapshot still finds them once orphaned; waitForGone', async () => {
  // sh → sh (marked with --me) → sleep. The inner sh's argv is [sh, -c, …, --me, 127.9.9.9].
  const p = new FollowedProcess(['sh', '-c', "sh -c 'sleep 300; :' --me 127.9.9.9 & echo started; wait"]);
  await p.waitForLine(/started/);
  const tree = await waitFor(() => {
    const all = descendants(p.pid);
    return all.some((d) => d.argv[0] === 'sleep') ? all : undefined;
  }, { what: 'the sleep grandchild' });
  const [marked] = descendantsWithArg(p.pid, '--me', '127.9.9.9');
  assert.equal(marked?.argv[0], 'sh');
  assert.equal(procInfo(marked.pid)?.ppid, p.pid);

  // Killing the top leaves its descendants orphaned: no longer descendants, yet alive.
  process.kill(p.pid, 'SIGKILL');
  await p.exited;
  assert.deepEqual(descendants(p.pid), []);
  assert.equal(stillAlive(tree).length, tree.length);
  for (const d of tree) process.kill(d.pid, 'SIGKILL');
  await waitForGone(tree);
});
