/**
 * STATUS (docs/protocol.md §4.8), end to end: an address an agent must listen on is taken by
 * something else on its machine (a stale agent of an earlier run, another program). The readiness
 * summary names it, the agent keeps trying, and once the address is free the port works and the
 * router says so.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { startMesh, nsHostCmd } from '../helpers/mesh.js';
import { canUseNetns, createNetns, destroyAllNetns } from '../helpers/netns.js';
import { startTcpServer, type Service } from '../helpers/services.js';
import { tcpExchange } from '../helpers/tcp.js';
import { nextVip } from '../helpers/vips.js';

const NETNS_SKIP = canUseNetns();
const services: Service[] = [];
after(async () => {
  await Promise.all(services.map((s) => s.stop().catch(() => {})));
  destroyAllNetns();
});

describe('an address an agent cannot listen on', { skip: NETNS_SKIP, timeout: 60_000 }, () => {
  test('is named in the readiness summary, retried, and reported once it listens', async () => {
    const ns = await createNetns();
    const echo = await startTcpServer('echo', { ns, port: 7000 });
    services.push(echo);
    const vips = { local: nextVip(), remote: nextVip() };
    // Something else holds remote's VIP:7000 on the local host's machine (this one).
    const squatter = createServer((s) => s.destroy());
    squatter.listen(7000, vips.remote);
    await once(squatter, 'listening');
    let squatting = true;
    const mesh = await startMesh([
      { name: 'local', vip: vips.local },
      { name: 'remote', vip: vips.remote, cmd: nsHostCmd(ns), ports: ['7000:127.0.0.1:7000'] },
    ]);
    try {
      const row = mesh.router.lines.find((l) => /^\s+local\s/.test(l.text))?.text ?? '';
      assert.match(row, new RegExp(`up, not listening on ${vips.remote.replaceAll('.', '\\.')}:7000 \\(EADDRINUSE\\)$`));
      assert.match(mesh.router.lines.find((l) => /^\s+remote\s/.test(l.text))?.text ?? '', /\sup$/);
      squatter.close();
      squatting = false;
      await mesh.router.waitForLine(/^norouter: local: listening on every address again$/, 10_000);
      await mesh.router.waitForLine(new RegExp(`^\\[local\\] now listening on ${vips.remote.replaceAll('.', '\\.')}:7000$`), 10_000);
      const data = Buffer.from('through the retried listener');
      const outcome = await tcpExchange(vips.remote, 7000, { send: data, timeoutMs: 5000 });
      assert.equal(outcome.data.toString(), data.toString());
    } finally {
      if (squatting) squatter.close();
      await mesh.stop();
    }
  });
});
