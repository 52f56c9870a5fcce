// The port watcher on this machine's real /proc/net/tcp{,6}: a server in a child process is
// found and, once it exits, withdrawn; a server of this very process (the agent's own socket,
// as its proxies are) is never published, found by inode in /proc/self/fd.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { PortWatcher, ownSocketInodes } from '../../src/discover/watcher.js';
import type { PresenceChange } from '../../src/discover/presence.js';
import { startTcpServer } from '../helpers/services.js';
import { waitFor } from '../helpers/wait.js';

test('a child\'s listener appears and is withdrawn; this process\'s own never appears', { skip: process.platform !== 'linux' && 'needs /proc' }, async () => {
  const own = createServer();
  await new Promise<void>((resolve) => own.listen(0, '127.0.0.1', resolve));
  const ownPort = (own.address() as AddressInfo).port;
  const child = await startTcpServer('echo', { host: '127.0.0.1' });
  const changes: PresenceChange[] = [];
  const watcher = new PortWatcher({
    filter: { include: [[1, 65535]], exclude: [] },
    meshAddresses: new Set(),
    onChange: (c) => changes.push(c),
    log: (line) => assert.fail(line),
    pollMs: 20,
  });
  try {
    watcher.start();
    await waitFor(() => watcher.published.some((p) => p.port === child.port), { what: `port ${child.port} discovered` });
    assert.deepEqual(watcher.published.find((p) => p.port === child.port), { port: child.port, host: '127.0.0.1' });
    assert.ok(!watcher.published.some((p) => p.port === ownPort), 'the watcher\'s own process\'s socket is left out');
    await child.stop();
    await waitFor(() => changes.some((c) => c.withdrawn.some((p) => p.port === child.port)), { what: `port ${child.port} withdrawn` });
    assert.ok(!watcher.published.some((p) => p.port === child.port));
  } finally {
    watcher.close();
    own.close();
    await child.stop();
  }
});

test('ownSocketInodes lists this process\'s sockets', { skip: process.platform !== 'linux' && 'needs /proc' }, async () => {
  const before = ownSocketInodes().size;
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  assert.equal(ownSocketInodes().size, before + 1);
  s.close();
});
