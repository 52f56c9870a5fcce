import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { onceWithTimeout, waitFor, waitForLine, withTimeout } from './wait.js';

test('waitFor returns the first truthy value', async () => {
  let n = 0;
  assert.equal(await waitFor(() => (++n >= 3 ? n : 0), { intervalMs: 1 }), 3);
});

test('waitFor times out with what it waited for and the last error', async () => {
  await assert.rejects(
    waitFor(() => {
      throw new Error('ECONNREFUSED');
    }, { timeoutMs: 50, intervalMs: 5, what: 'the router' }),
    /timed out after 50 ms waiting for the router: last error: ECONNREFUSED/,
  );
});

test('waitForLine matches across chunk boundaries and reports an early end', async () => {
  const stream = new PassThrough();
  const line = waitForLine(stream, /^ready: \d+ hosts$/, 1000);
  stream.write('booting\nrea');
  stream.write('dy: 3 hosts\n');
  assert.equal(await line, 'ready: 3 hosts');

  const other = new PassThrough();
  const never = waitForLine(other, /ready/, 1000);
  other.end('crashed\n');
  await assert.rejects(never, /stream ended before a line matched \/ready\/; last lines:\n  crashed/);
});

test('onceWithTimeout resolves with the arguments, rejects on error and on the deadline', async () => {
  const emitter = new EventEmitter();
  const got = onceWithTimeout(emitter, 'exit', 1000);
  emitter.emit('exit', 0, null);
  assert.deepEqual(await got, [0, null]);

  const failed = onceWithTimeout(emitter, 'exit', 1000);
  emitter.emit('error', new Error('boom'));
  await assert.rejects(failed, /boom/);

  await assert.rejects(onceWithTimeout(emitter, 'exit', 20), /timed out after 20 ms waiting for event "exit"/);
  assert.equal(emitter.listenerCount('exit') + emitter.listenerCount('error'), 0);
});

test('withTimeout', async () => {
  assert.equal(await withTimeout(Promise.resolve(1), 100, 'x'), 1);
  await assert.rejects(withTimeout(new Promise(() => {}), 20, 'never'), /waiting for never/);
});
