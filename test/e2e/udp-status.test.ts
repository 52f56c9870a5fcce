/**
 * UDP in `norouter status --json`, the status table and the metrics (docs/status.md, `hosts[].udp`),
 * against a real mesh: this process (the local host) sends a known number of datagrams of known
 * sizes to a socat UDP echo in a network namespace, each answered; a third client beyond
 * `maxFlows: 2` has every datagram dropped by the local agent (`flow-limit`, reported in COUNTERS,
 * docs/protocol.md §4.8); a fake agent sends 50 datagrams to a port nobody publishes, dropped by
 * the router (`unpublished-port`). Every count is checked exactly, in the JSON and in a page of
 * metrics scraped with curl.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { startMesh, nsHostCmd, type Mesh } from '../helpers/mesh.js';
import { canUseNetns, cmdFor, createNetns, destroyAllNetns, execIn } from '../helpers/netns.js';
import { CLI_ARGV, FollowedProcess, run, which } from '../helpers/processes.js';
import { parseExposition } from '../helpers/prometheus.js';
import { nextVip } from '../helpers/vips.js';
import { waitFor } from '../helpers/wait.js';
import { fakeAgentCmd } from '../reliability/helpers.js';
import type { HostSnapshot, Snapshot } from '../../src/status/snapshot.js';

const SKIP = canUseNetns() ?? (which('socat') ? undefined : '`socat` is not installed')
  ?? (which('curl') ? undefined : 'curl is not installed (the metrics are scraped with it)');
const ECHO = 7000;
const PROBES = 50;

const procs: FollowedProcess[] = [];
after(async () => {
  await Promise.all(procs.map((p) => p.stop('SIGKILL').catch(() => {})));
  destroyAllNetns();
});

function udpSocket(): Promise<Socket> {
  const s = createSocket('udp4');
  return new Promise((resolve) => s.bind(0, '127.0.0.1', () => resolve(s)));
}

/** Sends `msg` and resolves with the next datagram, or undefined after `ms`. */
function exchange(s: Socket, msg: Buffer, ip: string, port: number, ms: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      s.off('message', onMessage);
      resolve(undefined);
    }, ms);
    const onMessage = (b: Buffer) => {
      clearTimeout(timer);
      s.off('message', onMessage);
      resolve(b);
    };
    s.on('message', onMessage);
    s.send(msg, port, ip);
  });
}

describe('UDP counted in status and metrics, on a real mesh', { skip: SKIP, timeout: 120_000 }, () => {
  let mesh: Mesh;
  const vips = { local: nextVip(), h1: nextVip(), fake: nextVip() };
  const sockets: Socket[] = [];
  after(async () => {
    for (const s of sockets) s.close();
    await mesh?.stop();
  });

  async function snapshot(): Promise<Snapshot> {
    const r = await run([...CLI_ARGV, 'status', '--json', mesh.manifestPath]);
    const parsed = JSON.parse(r.stdout) as { meshes: Snapshot[] };
    assert.equal(parsed.meshes.length, 1, r.stdout);
    return parsed.meshes[0]!;
  }
  const hostOf = (s: Snapshot, name: string): HostSnapshot => {
    const h = s.hosts.find((x) => x.name === name);
    assert.ok(h, name);
    return h;
  };

  before(async () => {
    const ns = await createNetns();
    const echo = new FollowedProcess(cmdFor(ns, ['socat', '-b', '65536', `UDP4-LISTEN:${ECHO},bind=127.0.0.1,fork,reuseaddr`, 'PIPE']));
    procs.push(echo);
    await waitFor(async () => (await execIn(ns, ['ss', '-Huna', 'sport', '=', `:${ECHO}`])).stdout.includes(`:${ECHO}`), { what: 'socat listening' });
    mesh = await startMesh([
      { name: 'local', vip: vips.local },
      { name: 'h1', vip: vips.h1, cmd: nsHostCmd(ns), ports: [`${ECHO}:127.0.0.1:${ECHO}/udp`] },
      // ECHO + 1 is published by nobody: the router drops each of these (docs/protocol.md §14.4).
      { name: 'fake', vip: vips.fake, cmd: fakeAgentCmd('udp-unpublished', vips.h1, String(ECHO + 1), String(PROBES)) },
    ], 15_000, { udp: { maxFlows: 2, idleTimeout: 600 }, metrics: { listen: '127.0.0.1:0' } });
  });

  test('datagrams and bytes each way, live flows, and drops by the router and by an agent, counted exactly', async () => {
    const [a, b, c] = [await udpSocket(), await udpSocket(), await udpSocket()];
    sockets.push(a, b, c);
    // The first datagrams may race the local agent's listener just after "ready": retried until one comes back.
    await waitFor(async () => (await exchange(a, Buffer.from('warm-up'), vips.h1, ECHO, 2000))?.toString() === 'warm-up', { timeoutMs: 15_000, intervalMs: 1, what: 'a first echo' });
    const before = await snapshot();
    // K datagrams of known sizes from the first client, one at a time, each echoed; one from the second (the second flow).
    const sizes = [1, 100, 1200, 1472, 9000, 30_000, 2, 512];
    let bytes = 0;
    for (const [i, n] of sizes.entries()) {
      const msg = Buffer.alloc(n, i + 1);
      const back = await exchange(a, msg, vips.h1, ECHO, 5000);
      assert.ok(back?.equals(msg), `datagram ${i} (${n} bytes) came back`);
      bytes += n;
    }
    const one = Buffer.from('second flow');
    assert.equal((await exchange(b, one, vips.h1, ECHO, 5000))?.toString(), 'second flow');
    const sent = sizes.length + 1;
    bytes += one.length;
    // A third client is a flow beyond maxFlows: its local agent drops every datagram it sends.
    const DROPPED = 7;
    for (let i = 0; i < DROPPED; i++) await new Promise<void>((resolve, reject) => c.send(`over ${i}`, ECHO, vips.h1, (e) => (e ? reject(e) : resolve())));

    // Agents report at most every 2 s (§4.8); the router's own drops arrive with the fake's frames.
    const now = await waitFor(async () => {
      const s = await snapshot();
      const local = hostOf(s, 'local').udp;
      const fake = hostOf(s, 'fake').udp;
      return local.dropped.agent['flow-limit'] === DROPPED && fake.dropped.router['unpublished-port'] === PROBES
        && local.flows.clients === 2 && hostOf(s, 'h1').udp.flows.targets === 2 ? s : undefined;
    }, { timeoutMs: 15_000, intervalMs: 200, what: 'the drops and flows in status --json' });
    const delta = (name: string, f: (u: HostSnapshot['udp']) => number) => f(hostOf(now, name).udp) - f(hostOf(before, name).udp);
    assert.equal(delta('local', (u) => u.datagrams.out), sent);
    assert.equal(delta('local', (u) => u.datagrams.in), sent);
    assert.equal(delta('h1', (u) => u.datagrams.in), sent);
    assert.equal(delta('h1', (u) => u.datagrams.out), sent);
    assert.equal(delta('local', (u) => u.bytes.out), bytes);
    assert.equal(delta('h1', (u) => u.bytes.out), bytes);
    assert.deepEqual(hostOf(now, 'fake').udp.dropped, { router: { 'unpublished-port': PROBES }, agent: {} }, 'a fake agent reports nothing');
    assert.deepEqual(hostOf(now, 'fake').udp.datagrams, { in: 0, out: 0 }, 'no dropped datagram is counted as forwarded');
    assert.deepEqual(hostOf(now, 'h1').udp.dropped, { router: {}, agent: {} });
    assert.equal(now.totals.datagrams, hostOf(now, 'local').udp.datagrams.out + hostOf(now, 'h1').udp.datagrams.out);
    // UDP is not TCP's bytes.
    assert.equal(now.totals.bytes, 0);

    const table = await run([...CLI_ARGV, 'status', mesh.manifestPath]);
    assert.match(table.stdout, new RegExp(`^\\s+local\\s.*udp: \\d+ out, \\d+ in, 2 flows, \\d+ dropped \\(.*${DROPPED} × flow-limit`, 'm'), table.stdout);
    assert.match(table.stdout, new RegExp(`^\\s+fake\\s.*udp: 0 out, 0 in, ${PROBES} dropped \\(${PROBES} × unpublished-port\\)$`, 'm'), table.stdout);

    const url = (await mesh.router.waitForLine(/^norouter: metrics at /)).replace(/^norouter: metrics at /, '');
    const curl = await run(['curl', '-sS', '--fail', url]);
    assert.equal(curl.code, 0, curl.stderr);
    const { samples } = parseExposition(curl.stdout);
    const get = (name: string, labels: Record<string, string>) =>
      samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
    assert.equal(get('norouter_udp_datagrams_dropped_total', { host: 'fake', by: 'router', kind: 'unpublished-port' }), PROBES);
    assert.equal(get('norouter_udp_datagrams_dropped_total', { host: 'local', by: 'agent', kind: 'flow-limit' }), DROPPED);
    assert.equal(get('norouter_udp_flows', { host: 'local', side: 'clients' }), 2);
    assert.equal(get('norouter_udp_flows', { host: 'h1', side: 'targets' }), 2);
    // Nothing was sent since the snapshot: the page holds the same counts.
    assert.equal(get('norouter_udp_datagrams_total', { host: 'h1', direction: 'in' }), hostOf(now, 'h1').udp.datagrams.in);
    assert.equal(get('norouter_udp_bytes_total', { host: 'local', direction: 'out' }), hostOf(now, 'local').udp.bytes.out);
  });
});
