import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Reloader } from '../../src/watch/reloader.js';
import type { Router } from '../../src/router/router.js';
import type { PlanDiff } from '../../src/plan/diff-plan.js';
import { waitFor, withTimeout } from '../helpers/wait.js';

const MANIFEST = 'hosts:\n  here:\n    vip: "127.0.42.1"\n  there:\n    cmd: ["true"]\n    vip: "127.0.42.2"\n';
const NO_CHANGE: PlanDiff = { added: [], removed: [], restarted: [], reconfigured: [], unchanged: [] };

/** A router whose apply() the test finishes by hand (or makes throw). */
function fakeRouter(behaviour: 'manual' | 'throw') {
  const pending: (() => void)[] = [];
  const router = {
    applied: 0,
    apply(): Promise<PlanDiff> {
      router.applied++;
      if (behaviour === 'throw') return Promise.reject(new Error('boom'));
      return new Promise((resolve) => pending.push(() => resolve(NO_CHANGE)));
    },
    finishOne: () => pending.shift()?.(),
  };
  return router;
}

function setup(behaviour: 'manual' | 'throw') {
  const dir = mkdtempSync(join(tmpdir(), 'norouter-reloader-'));
  const file = join(dir, 'manifest.yaml');
  writeFileSync(file, MANIFEST);
  const router = fakeRouter(behaviour);
  const lines: string[] = [];
  const reloader = new Reloader({
    file, self: ['norouter'], router: router as unknown as Router, log: (l) => lines.push(l), stderr: new PassThrough(), initialText: MANIFEST,
  });
  return { reloader, router, lines, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

// Bug: a SIGHUP arriving while a file-change reload ran was queued as a plain, unforced reload
// labelled with the first trigger: the text being unchanged, it did nothing and printed nothing.
test('a SIGHUP during a reload still forces its own reload, under its own name', async () => {
  const { reloader, router, lines, cleanup } = setup('manual');
  try {
    const first = reloader.reload('file changed', true);
    void reloader.reload('SIGHUP', true);
    void reloader.reload('file changed'); // a weaker request does not downgrade the queued one
    await waitFor(() => router.applied >= 1, { timeoutMs: 2000, intervalMs: 1, what: 'the first apply' });
    router.finishOne();
    await first;
    await waitFor(() => router.applied >= 2, { timeoutMs: 2000, intervalMs: 1, what: 'the queued SIGHUP reload to apply' });
    router.finishOne();
    await waitFor(() => lines.length >= 2, { timeoutMs: 2000, intervalMs: 1, what: 'two reload lines' });
    assert.deepEqual(lines, ['reload (file changed): no change', 'reload (SIGHUP): no change']);
    assert.equal(router.applied, 2);
  } finally {
    cleanup();
  }
});

// Bug: a reload asked for during another got the running one's outcome, and nobody saw the queued
// one's: what follows an applied reload (status's books, the metrics' move in
// src/router/run-router.ts) missed the plan the queued reload applied.
test('a reload asked for during another resolves with its own outcome, after its own apply', async () => {
  const { reloader, router, cleanup } = setup('manual');
  try {
    const first = reloader.reload('file changed', true);
    let secondDone = false;
    const second = reloader.reload('SIGHUP', true).then((o) => { secondDone = true; return o; });
    await waitFor(() => router.applied >= 1, { timeoutMs: 2000, intervalMs: 1, what: 'the first apply' });
    router.finishOne();
    assert.equal((await first).kind, 'applied');
    await waitFor(() => router.applied >= 2, { timeoutMs: 2000, intervalMs: 1, what: 'the queued reload to apply' });
    assert.equal(secondDone, false, 'the queued request waits for its own reload');
    router.finishOne();
    assert.equal((await withTimeout(second, 2000, 'the queued reload to settle')).kind, 'applied');
  } finally {
    cleanup();
  }
});

// Bug: reload() is fired and forgotten (`void reloader.reload(…)`): a throwing apply became an
// unhandled rejection, which ends the router process on Node 20.
test('an apply that throws is logged as a bug and never rejects', async () => {
  const { reloader, lines, cleanup } = setup('throw');
  try {
    const outcome = await withTimeout(reloader.reload('SIGHUP', true), 2000, 'the reload to settle');
    assert.equal(outcome.kind, 'invalid');
    assert.match(lines[0] ?? '', /^reload \(SIGHUP\): Assertion failed: Error: boom/);
  } finally {
    cleanup();
  }
});
