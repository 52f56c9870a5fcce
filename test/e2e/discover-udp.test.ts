/**
 * End to end: UDP port discovery (docs/discovery.md, "UDP") on a real host in a network namespace.
 * A real UDP client there sends from an unconnected socket on an ephemeral port the whole time (as
 * a resolver or a statsd client does): it looks like a server in /proc/net/udp and must never be
 * published. A real UDP echo server started after the mesh is up is published as a `/udp` port,
 * answers datagrams from this process (the local host) at the host's VIP, shows in `status --json`
 * and in `plan`, and is withdrawn when it stops.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { startMesh, nsHostCmd, type Mesh } from '../helpers/mesh.js';
import { canUseNetns, cmdFor, createNetns, destroyAllNetns } from '../helpers/netns.js';
import { CLI_ARGV, FollowedProcess, run } from '../helpers/processes.js';
import { nextVip } from '../helpers/vips.js';
import { waitFor } from '../helpers/wait.js';
import type { Snapshot } from '../../src/status/snapshot.js';

const SKIP = canUseNetns();
const PORT = 7300;
const ECHO = `const s = require('dgram').createSocket('udp4'); s.on('message', (m, r) => s.send(m, r.port, r.address)); s.bind(${PORT}, '127.0.0.1', () => console.log('ready'));`;
// Sends to the discard port every 50 ms from one unconnected socket on an ephemeral port.
const CLIENT = `const s = require('dgram').createSocket('udp4'); s.bind(0, '127.0.0.1', () => { console.log('port ' + s.address().port); setInterval(() => s.send('x', 9, '127.0.0.1'), 50); });`;

const procs: FollowedProcess[] = [];
after(async () => {
  await Promise.all(procs.map((p) => p.stop('SIGKILL').catch(() => {})));
  destroyAllNetns();
});

function exchange(s: Socket, msg: string, ip: string, ms: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const onMessage = (b: Buffer) => {
      clearTimeout(timer);
      s.off('message', onMessage);
      resolve(b.toString());
    };
    const timer = setTimeout(() => {
      s.off('message', onMessage);
      resolve(undefined);
    }, ms);
    s.on('message', onMessage);
    s.send(msg, PORT, ip);
  });
}

describe('UDP port discovery in a network namespace', { skip: SKIP, timeout: 120_000 }, () => {
  let mesh: Mesh;
  let ns: string;
  const vips = { local: nextVip(), h1: nextVip() };
  const socket = createSocket('udp4');
  socket.on('error', () => {});

  before(async () => {
    ns = await createNetns();
    mesh = await startMesh([
      { name: 'local', vip: vips.local },
      { name: 'h1', vip: vips.h1, cmd: nsHostCmd(ns), discover: { udp: true } },
    ]);
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  });
  after(async () => {
    socket.close();
    await mesh?.stop();
  });

  async function snapshot(): Promise<Snapshot> {
    const r = await run([...CLI_ARGV, 'status', '--json', mesh.manifestPath]);
    return (JSON.parse(r.stdout) as { meshes: Snapshot[] }).meshes[0]!;
  }

  test('a server is published as /udp and answers at the VIP; a client\'s socket never is; the server stopping withdraws it', async () => {
    const client = new FollowedProcess(cmdFor(ns, [process.execPath, '-e', CLIENT]));
    procs.push(client);
    const clientPort = Number((await client.waitForLine(/^port \d+$/)).slice(5));
    const server = new FollowedProcess(cmdFor(ns, [process.execPath, '-e', ECHO]));
    procs.push(server);
    await server.waitForLine(/^ready$/);
    const published = new RegExp(`^norouter: h1: discovered port ${PORT}/udp \\(listening at 127\\.0\\.0\\.1:${PORT}\\): published as ${vips.h1.replace(/\./g, '\\.')}:${PORT}/udp$`);
    await mesh.router.waitForLine(published, 10_000);
    // The local agent listens on the VIP once its CONFIG is applied: retried until the echo answers.
    await waitFor(async () => (await exchange(socket, 'ping', vips.h1, 1000)) === 'ping', { timeoutMs: 10_000, intervalMs: 1, what: 'an echo through the discovered port' });

    const s = await snapshot();
    assert.deepEqual(s.hosts.find((h) => h.name === 'h1')?.discovered.map((d) => `${d.port}/${d.proto} ${d.dialled}`), [`${PORT}/udp 127.0.0.1`]);
    // The client's socket was there for every scan that published the server (it opened first).
    assert.ok(!mesh.router.lines.some((l) => l.text.includes(`discovered port ${clientPort}`)), `the client's port ${clientPort} was published`);
    assert.ok(client.running, 'the client ran throughout');
    const table = await run([...CLI_ARGV, 'status', mesh.manifestPath]);
    assert.match(table.stdout, new RegExp(`discovered: ${PORT}/udp \\(`));

    const plan = await run([...CLI_ARGV, 'plan', mesh.manifestPath]);
    assert.match(plan.stdout, /# h1 \([\d.]+; discovers TCP and UDP ports 1-65535 except [\d,-]+\)/);
    assert.match(plan.stdout, / --discover-udp\b/);

    await server.stop('SIGTERM');
    await mesh.router.waitForLine(new RegExp(`^norouter: h1: discovered port ${PORT}/udp withdrawn \\(no longer listening\\)$`), 10_000);
    await waitFor(async () => (await snapshot()).hosts.find((h) => h.name === 'h1')?.discovered.length === 0, { what: 'the port gone from status' });
  });
});
