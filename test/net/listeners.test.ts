import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, type Socket } from 'node:net';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { Listeners } from '../../src/net/listeners.js';
import { freePort } from '../helpers/services.js';
import { CLI_ARGV, CLI_PATH, FollowedProcess } from '../helpers/processes.js';
import { nextVip } from '../helpers/vips.js';
import { waitFor } from '../helpers/wait.js';

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

// Regression: an agent that ran out of descriptors closed connections to its VIP listeners
// without a word (Node's net.Server hides a failed accept: src/net/descriptors.ts). A real agent
// under `ulimit -n 48`, connections held open until one is refused, then its line.
test('out of file descriptors: an agent says so when its mesh listeners drop connections', async (t) => {
  if (!existsSync(CLI_PATH)) return t.skip(`${CLI_PATH} is missing: run \`npm run build\``);
  const me = nextVip();
  const other = nextVip();
  const port = await freePort(other);
  const agent = new FollowedProcess([
    'sh', '-c', 'ulimit -n 48 && exec "$@"', 'sh', ...CLI_ARGV, 'internal', 'agent', '--me', me, '--other', `${other}:${port}/tcp`,
  ]);
  const sockets: Socket[] = [];
  t.after(() => {
    for (const s of sockets) s.destroy();
    agent.child.kill('SIGKILL');
  });
  await waitFor(() => new Promise<boolean>((resolve) => {
    const probe = connect({ host: other, port }, () => { probe.destroy(); resolve(true); });
    probe.on('error', () => resolve(false));
  }), { what: `the agent listening on ${other}:${port}` });
  // Each accepted connection costs the agent a descriptor or more (it is held open: the router
  // never answers the agent's OPEN), so well before 200 it has none left and libuv starts closing
  // new ones at once; connect until the first is closed by the agent, then read its line.
  for (let i = 0, closed = false; i < 200 && !closed; i++) {
    const socket = connect({ host: other, port });
    socket.on('error', () => {});
    sockets.push(socket);
    closed = await new Promise<boolean>((resolve) => {
      socket.once('close', () => resolve(true));
      socket.once('connect', () => resolve(false));
    });
  }
  await agent.waitForLine(/mesh listeners: out of file descriptors \(EMFILE\)/, 10_000);
});
