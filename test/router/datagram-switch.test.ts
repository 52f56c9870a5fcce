/**
 * The router's UDP checks in memory (src/router/datagram-switch.ts, docs/protocol.md §14.4): the
 * router's own HostLinks with scripted agents at the other end (./switch-harness.ts). What is
 * forwarded, dropped and counted is read off the frames each agent receives and the switch's
 * drop counters.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { FEATURES, FEATURE_UDP, FLAG_FROM_ACCEPTOR, PROTO_UDP, abortPayload, ipFromString, type FrameHeader } from '../../src/protocol/index.js';
import { Host } from './switch-harness.js';
import { Switch } from '../../src/router/switch.js';
import { MAX_OPEN_BACKLOG } from '../../src/router/host-link.js';
import { UDP_MAX_QUEUED } from '../../src/net/udp-limits.js';
import type { AgentConfig, Plan, PlanHost } from '../../src/plan/types.js';
import { waitFor } from '../helpers/wait.js';

const A = '127.0.42.1';
const B = '127.0.42.2';
const ip = (text: string): number => ipFromString(text)!;
const DNS = 53;

function planHost(name: string, me: string, udpPorts: number[]): PlanHost {
  const agent: AgentConfig = {
    me,
    forwards: [
      ...udpPorts.map((p) => ({ listenPort: p, connectHost: '127.0.0.1', connectPort: p, proto: 'udp' as const })),
      // A TCP port of the same number as nothing: it publishes nothing for UDP.
      { listenPort: 80, connectHost: '127.0.0.1', connectPort: 80, proto: 'tcp' as const },
    ],
    others: [],
  };
  return { name, vip: me, local: false, argv: ['(scripted agent)'], agent };
}

const dgram = (src: string, srcPort: number, dst: string, dstPort: number, flags = 0): FrameHeader =>
  ({ srcIP: ip(src), srcPort, dstIP: ip(dst), dstPort, proto: PROTO_UDP, flags });

async function mesh(bFeatures: readonly string[] = FEATURES, bInput?: PassThrough) {
  const plan: Plan = { hosts: [planHost('a', A, []), planHost('b', B, [DNS])] };
  const log: string[] = [];
  const sw = new Switch(plan, { log: (l) => log.push(l), maxOpenBacklog: MAX_OPEN_BACKLOG });
  const a = new Host(plan.hosts[0]!, sw, FEATURES);
  const b = new Host(plan.hosts[1]!, sw, bFeatures, bInput ? { toAgent: bInput } : {});
  await waitFor(() => a.link.isUp && b.link.isUp, { what: 'two links up' });
  return { sw, log, a, b };
}

test('datagrams to a published UDP port and replies from it are forwarded unchanged, boundaries kept', async () => {
  const { sw, a, b } = await mesh();
  a.send(dgram(A, 2000, B, DNS), Buffer.from('query'));
  a.send(dgram(A, 2000, B, DNS), Buffer.alloc(0));
  await waitFor(() => b.received.length === 2, { what: 'two datagrams at b' });
  assert.deepEqual(b.received.map((f) => f.payload.toString()), ['query', '']);
  b.send(dgram(B, DNS, A, 2000, FLAG_FROM_ACCEPTOR), Buffer.from('answer'));
  await waitFor(() => a.received.length === 1, { what: 'the reply at a' });
  assert.equal(a.received[0]!.payload.toString(), 'answer');
  assert.equal(sw.datagramDrops().size, 0);
});

test('a datagram with another host\'s SrcIP ends the sender\'s link, as for TCP', async () => {
  const { sw, a, b } = await mesh();
  a.send(dgram(B, 2000, B, DNS), Buffer.from('spoofed'));
  await waitFor(() => a.inputEnded, { what: 'a\'s link closed' });
  assert.equal(b.received.length, 0);
  assert.deepEqual([...sw.violations().get('a') ?? []], [['spoofed-source', 1]]);
});

test('datagrams to an unpublished port (a TCP port of that number too), or replies from one, are dropped and counted, logged once', async () => {
  const { sw, log, a, b } = await mesh();
  a.send(dgram(A, 2000, B, 80), Buffer.from('x'));
  a.send(dgram(A, 2000, B, 9999), Buffer.from('x'));
  b.send(dgram(B, 9999, A, 2000, FLAG_FROM_ACCEPTOR), Buffer.from('x'));
  // A flow's end carries no data: it goes whatever the port (the receiver checks its flow).
  a.send(dgram(A, 2000, B, 9999, 0x0010), abortPayload('timeout'));
  await waitFor(() => b.received.length === 1, { what: 'the flow end at b' });
  await waitFor(() => sw.datagramDrops().get('b') !== undefined, { what: 'b\'s drop counted' });
  assert.deepEqual([...sw.datagramDrops().get('a')!], [['unpublished-port', 2]]);
  assert.deepEqual([...sw.datagramDrops().get('b')!], [['unpublished-port', 1]]);
  assert.equal(a.received.length, 0);
  assert.equal(log.filter((l) => l.startsWith('a: dropped a datagram')).length, 1);
  assert.ok(a.link.isUp && b.link.isUp, 'a drop is nobody\'s protocol error');
});

test('an agent that did not announce udp gets no UDP frame: its decoder would take it for a protocol error', async () => {
  const { sw, a, b } = await mesh(FEATURES.filter((f) => f !== FEATURE_UDP));
  a.send(dgram(A, 2000, B, DNS), Buffer.from('x'));
  await waitFor(() => sw.datagramDrops().get('a') !== undefined, { what: 'the drop' });
  assert.deepEqual([...sw.datagramDrops().get('a')!], [['peer-too-old', 1]]);
  assert.equal(b.received.length, 0);
});

test('a destination link whose queue holds its share of datagrams drops more instead of queueing them', async () => {
  // b's input is never read past its buffer: what the router writes to it stays in the router's backlog.
  const input = new PassThrough({ highWaterMark: 1024 });
  const { sw, a, b } = await mesh(FEATURES, input);
  input.pause();
  const big = Buffer.alloc(60_000);
  for (let i = 0; i < 40; i++) a.send(dgram(A, 2000, B, DNS), big);
  await waitFor(() => (sw.datagramDrops().get('a')?.get('link-congested') ?? 0) > 0, { what: 'a congestion drop' });
  const forwarded = 40 - (sw.datagramDrops().get('a')?.get('link-congested') ?? 0);
  // What the router took on is bounded by the datagrams' share of the queue (plus the one datagram that crossed it).
  assert.ok(forwarded * big.length <= UDP_MAX_QUEUED + big.length + 64 * 1024, `${forwarded} datagrams of 60 KB queued`);
  assert.ok(b.link.isUp);
});
