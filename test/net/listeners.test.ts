import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { Listeners } from '../../src/net/listeners.js';
import { freePort } from '../helpers/services.js';

// STATUS (docs/protocol.md §4.6): failed listens are reported, and forgotten once withdrawn.
test('an address held by another program is a failure until it is withdrawn', async () => {
  const port = await freePort('127.0.0.1');
  const squatter = createServer();
  squatter.listen(port, '127.0.0.1');
  await once(squatter, 'listening');
  const lines: string[] = [];
  let changes = 0;
  const listeners = new Listeners((s) => s.destroy(), (l) => lines.push(l), () => { changes++; });
  try {
    await listeners.apply([{ ip: '127.0.0.1', port }]);
    assert.deepEqual(listeners.failures, [{ listen: `127.0.0.1:${port}`, error: 'EADDRINUSE' }]);
    assert.match(lines.join('\n'), new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: EADDRINUSE; .*trying again every 2 s`));
    await listeners.apply([]);
    assert.deepEqual(listeners.failures, [], 'withdrawn: no longer a failure');
    assert.equal(changes, 0, 'the first attempt and a withdrawal are reported by whoever applied them');
  } finally {
    listeners.closeAll();
    squatter.close();
  }
});
