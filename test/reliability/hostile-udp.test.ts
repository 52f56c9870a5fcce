/**
 * docs/protocol.md §14.4: a hostile agent (test/fixtures/reliability/fake-agent.ts) sending UDP
 * frames the router must not forward: a datagram with another host's VIP as its source, and
 * datagrams to a port the target does not publish for UDP. A real victim agent in a network
 * namespace publishes a real UDP receiver (socat, printing every datagram); the local host is a
 * real bystander whose own datagrams must still arrive.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { startMesh, nsHostCmd, type Mesh } from '../helpers/mesh.js';
import { canUseNetns, cmdFor, createNetns, destroyAllNetns, destroyNetns, execIn } from '../helpers/netns.js';
import { FollowedProcess, which } from '../helpers/processes.js';
import { nextVip } from '../helpers/vips.js';
import { waitFor } from '../helpers/wait.js';
import { fakeAgentCmd } from './helpers.js';

const SKIP = canUseNetns() ?? (which('socat') ? undefined : '`socat` is not installed');
after(destroyAllNetns);

const PORT = 7100;

interface Scene {
  mesh: Mesh;
  vips: { local: string; victim: string };
  /** Datagrams the victim's receiver printed. */
  received(): string[];
  /** A real datagram from the local host reaches the victim's receiver. */
  bystanderOk(text: string): Promise<void>;
}

async function scene(fake: string[], body: (s: Scene) => Promise<void>): Promise<void> {
  const ns = await createNetns();
  const receiver = new FollowedProcess(cmdFor(ns, ['socat', '-u', `UDP4-RECV:${PORT},bind=127.0.0.1`, 'STDOUT']));
  const vips = { local: nextVip(), victim: nextVip() };
  const sub = (a: string) => (a === 'V' ? vips.victim : a === 'L' ? vips.local : a);
  let mesh: Mesh | undefined;
  try {
    await waitFor(async () => (await execIn(ns, ['ss', '-Huna', 'sport', '=', `:${PORT}`])).stdout.includes(`:${PORT}`), { what: 'socat listening' });
    mesh = await startMesh([
      { name: 'local', vip: vips.local },
      { name: 'victim', vip: vips.victim, cmd: nsHostCmd(ns), ports: [`${PORT}:127.0.0.1:${PORT}/udp`] },
      { name: 'fake', vip: nextVip(), cmd: fakeAgentCmd(...fake.map(sub)) },
    ]);
    const m = mesh;
    const s: Scene = {
      mesh: m,
      vips,
      received: () => receiver.lines.map((l) => l.text),
      bystanderOk: async (text) => {
        const socket = createSocket('udp4');
        try {
          // The first datagrams may race the local agent's socket just after "ready".
          await waitFor(() => {
            socket.send(`${text}\n`, PORT, vips.victim);
            return receiver.lines.some((l) => l.text.includes(text));
          }, { timeoutMs: 5000, intervalMs: 200, what: `"${text}" to reach the victim's receiver` });
        } finally {
          socket.close();
        }
      },
    };
    await body(s);
  } finally {
    await mesh?.stop().catch(() => {});
    await receiver.stop('SIGKILL').catch(() => {});
    destroyNetns(ns);
  }
}

describe('a hostile agent sending datagrams', { skip: SKIP, timeout: 60_000 }, () => {
  test('a datagram with another host\'s SrcIP: the spoofer\'s link is closed; nothing reaches the victim', async () => {
    await scene(['udp-spoof', 'L', 'V', String(PORT)], async (s) => {
      const line = await s.mesh.router.waitForLine(/^norouter: fake: link down: protocol error \(bad-address\): it sent a frame from [\d.]+, not its own VIP$/, 10_000);
      assert.ok(line.includes(s.vips.local), line);
      await s.bystanderOk('from the bystander');
      assert.ok(!s.received().some((t) => t.includes('spoofed')), 'the spoofed datagram reached the victim\'s receiver');
    });
  });

  test('datagrams to a port not published for UDP: dropped by the router, counted, logged once, never forwarded', async () => {
    await scene(['udp-unpublished', 'V', String(PORT + 1), '50'], async (s) => {
      await s.mesh.router.waitForLine(/^\[fake\] sent udp-unpublished 50$/, 10_000);
      await s.mesh.router.waitForLine(/^norouter: fake: dropped a datagram: .*publishes no such UDP port \(unpublished-port\)/, 5000);
      // The bystander's datagram goes through the same router after the fake's: all 50 were judged by then.
      await s.bystanderOk('from the bystander, later');
      const { code } = await s.mesh.stop();
      assert.equal(code, 0);
      const lines = s.mesh.router.lines.map((l) => l.text);
      assert.equal(lines.filter((t) => /^norouter: fake: dropped a datagram/.test(t)).length, 1, 'one log line for the kind');
      assert.ok(lines.includes('norouter: fake: datagrams dropped in all: 50 × unpublished-port'), lines.filter((t) => t.includes('dropped')).join('\n'));
      assert.ok(!lines.some((t) => /^\[victim\] .*dropped a datagram/.test(t)), 'a probe reached the victim\'s agent');
      assert.ok(!s.received().some((t) => t.startsWith('probe')), 'a probe reached the victim\'s receiver');
    });
  });
});
