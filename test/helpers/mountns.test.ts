import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { canUseNetns, createNetns, destroyAllNetns } from './netns.js';
import { canUseMountns, resolvConfMount } from './mountns.js';
import { run } from './processes.js';

const skip = canUseNetns() ?? canUseMountns();
after(destroyAllNetns);

test('resolvConfMount: writes land in the temp file, rename fails like in a container, the host file is untouched', { skip }, async () => {
  const hostBefore = readFileSync('/etc/resolv.conf', 'utf8');
  const ns = await createNetns();
  const mount = resolvConfMount(ns, 'nameserver 192.0.2.1\n');
  after(() => mount.cleanup());

  const seen = await run(mount.cmd(['cat', '/etc/resolv.conf']));
  assert.equal(seen.stdout, 'nameserver 192.0.2.1\n');

  const write = await run(mount.cmd(['sh', '-c', 'printf "nameserver 127.0.0.53\\n" > /etc/resolv.conf']));
  assert.equal(write.code, 0, write.stderr);
  assert.equal(mount.read(), 'nameserver 127.0.0.53\n');

  // What Docker's bind mount does to rename(): EBUSY ("Device or resource busy").
  const rename = await run(mount.cmd(['sh', '-c', 'f=/tmp/nrt-rc.$$; echo x > $f && mv $f /etc/resolv.conf; s=$?; rm -f $f; exit $s']));
  assert.notEqual(rename.code, 0);
  assert.match(rename.stderr, /busy/i);

  assert.equal(readFileSync('/etc/resolv.conf', 'utf8'), hostBefore);
});
