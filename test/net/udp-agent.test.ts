/**
 * src/net/udp-agent.ts with real UDP sockets on this machine's loopback: two agents' UDP sides
 * joined by an in-memory "router" that hands each frame to the agent of its DstIP. What the
 * drop counters say (docs/protocol.md §14.5) is what the test checks: flow caps, a congested
 * link, a reply for no flow, a target where nothing listens.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { PROTO_UDP, ipFromString, readAbortPayload, type Frame, type FrameHeader } from '../../src/protocol/index.js';
import { UdpAgent } from '../../src/net/udp-agent.js';
import { UDP_MAX_BACKLOG } from '../../src/net/udp-limits.js';
import type { AgentConfig } from '../../src/plan/types.js';
import { nextVip } from '../helpers/vips.js';
import { waitFor } from '../helpers/wait.js';

const sockets: Socket[] = [];
const agents: UdpAgent[] = [];
after(() => {
  for (const s of sockets) s.close();
  for (const a of agents) a.closeAll();
});

async function socket(onMessage?: (msg: Buffer, port: number, address: string, s: Socket) => void): Promise<Socket> {
  const s = createSocket('udp4');
  sockets.push(s);
  if (onMessage) s.on('message', (m, r) => onMessage(m, r.port, r.address, s));
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  return s;
}

/** Two agents, a (clients) and b (publishes PORT/udp towards `target`), and every frame between them. */
async function pair(targetPort: number, limits: AgentConfig['udp'] = undefined, connectHost = '127.0.0.1') {
  const vips = { a: nextVip(), b: nextVip() };
  const PORT = 5300;
  const frames: Frame[] = [];
  let backlog = 0;
  let queuedBytes = 0;
  const byVip = new Map<number, UdpAgent>();
  const link = {
    get backlog() {
      return backlog;
    },
    get queuedBytes() {
      return queuedBytes;
    },
    send(h: FrameHeader, payload: Buffer): boolean {
      queuedBytes += 20 + payload.length;
      const f: Frame = { ...h, payload: Buffer.from(payload) };
      frames.push(f);
      // Delivered on the next turn, as a link would.
      setImmediate(() => byVip.get(h.dstIP)?.receive(f));
      return true;
    },
  };
  const make = (me: string) => new UdpAgent({ me: ipFromString(me)!, link, enabled: () => true, log: () => {}, onChange: () => {} });
  const a = make(vips.a);
  const b = make(vips.b);
  agents.push(a, b);
  byVip.set(ipFromString(vips.a)!, a);
  byVip.set(ipFromString(vips.b)!, b);
  await a.apply({ me: vips.a, forwards: [], others: [{ vip: vips.b, port: PORT, proto: 'udp' }], ...(limits ? { udp: limits } : {}) });
  await b.apply({ me: vips.b, forwards: [{ listenPort: PORT, connectHost, connectPort: targetPort, proto: 'udp' }], others: [], ...(limits ? { udp: limits } : {}) });
  return { a, b, vips, PORT, frames, setBacklog: (n: number) => { backlog = n; } };
}

const echo = () => socket((m, port, address, s) => s.send(m, port, address));

test('a flow per client: replies reach their own client; past maxFlows a new client\'s datagram is dropped and counted', async () => {
  const target = await echo();
  const { a, b, vips, PORT } = await pair(target.address().port, { idleMs: 60_000, maxFlows: 2 });
  const got = new Map<number, string[]>();
  const clients = await Promise.all([0, 1, 2].map((i) => socket((m) => got.set(i, [...(got.get(i) ?? []), m.toString()]))));
  for (const [i, c] of clients.slice(0, 2).entries()) c.send(`hello ${i}`, PORT, vips.b);
  await waitFor(() => got.size === 2, { what: 'two replies' });
  clients[2]!.send('one too many', PORT, vips.b);
  await waitFor(() => a.drops.total === 1, { what: 'the third client\'s datagram dropped' });
  assert.deepEqual([...a.drops.snapshot()], [['flow-limit', 1]]);
  assert.deepEqual([got.get(0), got.get(1), got.get(2)], [['hello 0'], ['hello 1'], undefined]);
  assert.deepEqual(a.flows, { clients: 2, targets: 0 });
  assert.deepEqual(b.flows, { clients: 0, targets: 2 });
});

test('a congested link: the datagram is dropped and counted, never queued', async () => {
  const target = await echo();
  const { a, vips, PORT, frames, setBacklog } = await pair(target.address().port);
  setBacklog(UDP_MAX_BACKLOG + 1);
  const c = await socket();
  c.send('x', PORT, vips.b);
  await waitFor(() => a.drops.total === 1, { what: 'the drop' });
  assert.deepEqual([...a.drops.snapshot()], [['link-congested', 1]]);
  assert.equal(frames.length, 0);
  // The listener stopped reading for a moment (src/net/udp-read-pause.ts) and reads again: once the link is free, the next datagram goes.
  setBacklog(0);
  c.send('y', PORT, vips.b);
  await waitFor(() => frames.length >= 1, { what: 'the datagram after the link emptied' });
  assert.equal(frames[0]!.payload.toString(), 'y');
  assert.equal(a.drops.total, 1);
});

test('a reply for no flow, or from another port than the flow\'s, is dropped (no-flow)', async () => {
  const target = await echo();
  const { a, vips, PORT } = await pair(target.address().port);
  const reply = (srcPort: number, dstPort: number): Frame => ({
    srcIP: ipFromString(vips.b)!, srcPort, dstIP: ipFromString(vips.a)!, dstPort, proto: PROTO_UDP, flags: 0x8000, payload: Buffer.from('stray'),
  });
  a.receive(reply(PORT, 1024));
  a.receive(reply(PORT + 1, 1024));
  assert.deepEqual([...a.drops.snapshot()], [['no-flow', 2]]);
});

test('a target where nothing listens: ICMP port unreachable drops the datagram, counted; the flow ends both ways (§14.5)', async () => {
  const closed = await socket();
  const port = closed.address().port;
  closed.close();
  sockets.splice(sockets.indexOf(closed), 1);
  const { a, b, vips, PORT, frames } = await pair(port);
  const c = await socket();
  // The first datagram goes out; the ICMP error shows on the flow's socket afterwards.
  await waitFor(() => {
    c.send('anyone?', PORT, vips.b);
    return b.drops.snapshot().get('target-unreachable');
  }, { what: 'the unreachable target counted', intervalMs: 50 });
  const end = frames.find((f) => f.flags === (0x0010 | 0x8000));
  assert.equal(end && readAbortPayload(end.payload).reason, 'refused');
  await waitFor(() => a.flows.clients === 0 && b.flows.targets === 0, { what: 'both sides to forget the flow' });
});

// Bug: the target's socket was always udp4 and its connect() error went to connect's callback
// (Node passes it there, not to 'error', when a callback is given), which ignored it: the held
// datagrams were then sent on an unconnected socket, which throws (ERR_SOCKET_BAD_PORT) and ended
// the agent. An IPv6 target is what discovery publishes for a UDP server on :: or ::1.
test('a target at an IPv6 address is reached over IPv6', async () => {
  const target = createSocket('udp6');
  target.on('message', (m, r) => target.send(m, r.port, r.address));
  await new Promise<void>((resolve) => target.bind(0, '::1', resolve));
  after(() => target.close());
  const { vips, PORT } = await pair(target.address().port, undefined, '::1');
  const got: string[] = [];
  const c = await socket((m) => got.push(m.toString()));
  c.send('over v6', PORT, vips.b);
  await waitFor(() => got.length === 1, { what: 'the reply from the IPv6 target' });
  assert.deepEqual(got, ['over v6']);
});

test('a target name that does not resolve: the datagram is dropped and counted, the flow ends both ways', async () => {
  const { a, b, vips, PORT, frames } = await pair(5300, undefined, 'no-such-name.invalid');
  const c = await socket();
  c.send('anyone?', PORT, vips.b);
  await waitFor(() => b.drops.snapshot().get('target-unreachable') === 1, { what: 'the unresolvable target counted' });
  const end = frames.find((f) => f.flags === (0x0010 | 0x8000));
  assert.equal(end && readAbortPayload(end.payload).reason, 'unreachable');
  await waitFor(() => a.flows.clients === 0 && b.flows.targets === 0, { what: 'both sides to forget the flow' });
});
