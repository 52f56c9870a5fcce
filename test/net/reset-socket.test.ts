import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { resetSocket } from '../../src/net/reset-socket.js';
import { withTimeout } from '../helpers/wait.js';

/** A connected pair on port 0: `server` is the side under test. */
async function pair(): Promise<{ server: Socket; client: Socket; close(): void }> {
  const srv = createServer({ allowHalfOpen: true });
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const address = srv.address();
  assert.ok(address && typeof address === 'object');
  const client = connect({ host: '127.0.0.1', port: address.port, allowHalfOpen: true });
  const [server] = (await once(srv, 'connection')) as [Socket];
  server.on('error', () => {});
  return { server, client, close: () => { client.destroy(); srv.close(); } };
}

// Regression (docs/reliability.md, bug 11, found by the soak): the peer half-closed (so the agent
// called end() on the local socket) and aborted right after, in the same turn: resetAndDestroy()
// then met the pending shutdown, libuv refused with EINVAL, and Node had already dropped the
// handle: the descriptor was never closed, the agent held a CLOSE-state socket for good and could
// not exit by itself.
test('a socket reset just after end() is closed, not leaked', async () => {
  const { server, client, close } = await pair();
  try {
    client.on('error', () => {});
    server.end();
    resetSocket(server);
    await withTimeout(once(server, 'close'), 2000, 'the socket to close');
  } finally {
    close();
  }
});

test('a socket reset otherwise reaches the client as ECONNRESET', async () => {
  const { server, client, close } = await pair();
  try {
    const ended = new Promise<string>((resolve) => {
      client.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
      client.on('end', () => resolve('clean end'));
    });
    client.resume();
    resetSocket(server);
    assert.equal(await withTimeout(ended, 2000, 'the client to hear of it'), 'ECONNRESET');
  } finally {
    close();
  }
});
