/**
 * A stop always ends the process (docs/reliability.md, "Nothing hangs"). Was a bug: with a
 * threadpool thread blocked for good (an open() of a FIFO), SIGTERM stopped every agent and
 * printed "stopped", and the process never exited: Node's exit waits for that thread, so only
 * SIGKILL ended it. The router now ends itself by re-raising the signal when something still holds
 * the process after its stop. The fixture blocks a thread exactly so, for real.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FollowedProcess, descendants, run, stillAlive, waitForGone, which } from '../helpers/processes.js';
import { nextVip } from '../helpers/vips.js';
import { withTimeout } from '../helpers/wait.js';
import { TSX_LOADER } from './helpers.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/blocked-router.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'nrt-stop-deadline-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('a stop while a thread is blocked for good', { skip: which('mkfifo') ? undefined : '`mkfifo` is not installed', timeout: 60_000 }, () => {
  test('SIGTERM: every agent stopped, then the process ends by SIGTERM, saying why', async () => {
    const manifest = join(dir, 'm.yaml');
    writeFileSync(manifest, `${JSON.stringify({ hosts: { local: { vip: nextVip() } } })}\n`);
    await run(['mkfifo', join(dir, 'fifo')]);
    const router = new FollowedProcess([process.execPath, '--import', TSX_LOADER, FIXTURE, manifest, join(dir, 'fifo')]);
    try {
      const launcher = (await router.waitForLine(/^fixture: launcher directory /, 30_000)).replace(/^fixture: launcher directory /, '').trim();
      assert.ok(existsSync(launcher), launcher);
      await router.waitForLine(/^norouter: ready in /, 30_000);
      await router.waitForLine(/^fixture: a threadpool thread is blocked/, 10_000);
      const tree = descendants(router.pid);
      router.child.kill('SIGTERM');
      // Without the fallback it never exits: the deadline only turns that into a failure.
      const end = await withTimeout(router.exited, 30_000, 'the router to exit after SIGTERM');
      assert.deepEqual(end, { code: null, signal: 'SIGTERM' }, router.output());
      assert.match(router.output(), /^norouter: stopped$/m);
      assert.match(router.output(), /^norouter: something was still pending 2 s after the stop \(a blocked read\?\); exiting by SIGTERM$/m);
      await waitForGone(stillAlive(tree), 10_000);
      // Ended by a signal, which skips 'exit' listeners: the removal ran before the signal.
      assert.equal(existsSync(launcher), false, `${launcher} was left behind`);
    } finally {
      if (router.running) router.child.kill('SIGKILL');
    }
  });
});
