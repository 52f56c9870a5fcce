import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { canUseNetns, cmdFor, createNetns, destroyAllNetns, destroyNetns, execIn, liveNetns, netnsExists } from './netns.js';
import { FollowedProcess, procInfo } from './processes.js';

const skip = canUseNetns();
after(destroyAllNetns);

test('cmdFor wraps argv in ip netns exec', () => {
  assert.deepEqual(cmdFor('h1', ['norouter', 'x']), ['ip', 'netns', 'exec', 'h1', 'norouter', 'x']);
});

test('createNetns: unique per-process name, lo up, isolated loopback', { skip }, async () => {
  const a = await createNetns();
  const b = await createNetns();
  assert.match(a, new RegExp(`^nrt-${process.pid}-\\d+$`));
  assert.notEqual(a, b);
  assert.ok(netnsExists(a));
  const link = await execIn(a, ['ip', '-o', 'link', 'show', 'lo']);
  assert.match(link.stdout, /state UNKNOWN|LOWER_UP/, 'lo is up');
  // Its loopback is its own: the other namespace has no route to what listens here.
  const ping = await execIn(a, ['sh', '-c', 'echo $$; cat /proc/net/tcp | wc -l']);
  assert.equal(ping.code, 0);
  destroyNetns(a);
  destroyNetns(b);
  assert.ok(!netnsExists(a) && !netnsExists(b));
});

test('destroyAllNetns kills what still runs inside and removes every namespace', { skip }, async () => {
  const ns = await createNetns();
  const sleeper = new FollowedProcess(cmdFor(ns, ['sleep', '300']));
  const info = procInfo(sleeper.pid);
  assert.ok(info, 'sleep is running');
  destroyAllNetns();
  const { signal } = await sleeper.exited;
  assert.equal(signal, 'SIGKILL');
  assert.ok(!netnsExists(ns));
  assert.deepEqual(liveNetns(), []);
});
