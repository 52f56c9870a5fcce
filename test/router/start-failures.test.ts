// The give-up rule (src/router/start-failures.ts): a host is given up on only after identical
// quick failures in a row. A rule that counted failures of any kind, or slow ones, would give up
// on a host that merely restarts now and then, or one still coming up (a container starting).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GIVE_UP_KNOWN, GIVE_UP_OTHER, QUICK_FAILURE_MS, StartFailures } from '../../src/router/start-failures.js';
import type { ProcessEnd } from '../../src/router/agent-process.js';

const end = (code: number, last: string): ProcessEnd => ({ code, signal: null, lastLines: ['first', last] });

test('a known-permanent status is given up after GIVE_UP_KNOWN identical quick failures', () => {
  const f = new StartFailures();
  const verdicts = Array.from({ length: GIVE_UP_KNOWN }, () => f.record(end(127, 'sh: norouter: not found'), 50, false));
  assert.deepEqual(verdicts.map((v) => v.giveUp), [...Array(GIVE_UP_KNOWN - 1).fill(false), true]);
});

test('any other identical quick failure is given up too, later', () => {
  const f = new StartFailures();
  const verdicts = Array.from({ length: GIVE_UP_OTHER }, () => f.record(end(1, 'Error: container c1 is not running'), 50, false));
  assert.equal(verdicts.findIndex((v) => v.giveUp), GIVE_UP_OTHER - 1);
});

test('a different last line, a different status, a slow failure or a run that came up starts the count again', () => {
  const f = new StartFailures();
  for (let i = 0; i < 3 * GIVE_UP_KNOWN; i++) {
    assert.equal(f.record(end(127, `attempt ${i}`), 50, false).giveUp, false, 'a changing last line');
    assert.equal(f.record(end(126 + (i % 2), 'same'), 50, false).giveUp, false, 'a changing status');
  }
  const g = new StartFailures();
  for (let i = 0; i < 3 * GIVE_UP_KNOWN; i++) {
    assert.equal(g.record(end(127, 'same'), i % 2 ? QUICK_FAILURE_MS : 50, false).giveUp, false, 'every other one slow');
    assert.equal(g.record(end(127, 'same'), 50, i % 2 === 0).giveUp, false, 'every other one came up');
  }
});
