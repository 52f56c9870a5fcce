/**
 * The router's switch in memory (src/router/switch.ts): the router's own HostLinks with a
 * scripted agent at the other end of each (./switch-harness.ts). No processes, no network namespaces: what the switch forwards,
 * refuses and closes is read off the frames each agent receives.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  FEATURES, FEATURE_PEER_DOWN, FLAG_FROM_ACCEPTOR, FLAG_OPEN, FLAG_OPEN_OK, PRE_OPEN_WINDOW, PROTO_TCP, ROUTED_PORT,
  ipFromString, routedOpenPayload, u32Payload, type FrameHeader,
} from '../../src/protocol/index.js';
import { Host } from './switch-harness.js';
import { Switch, type SwitchOptions } from '../../src/router/switch.js';
import { MAX_OPEN_BACKLOG } from '../../src/router/host-link.js';
import type { AgentConfig, Plan, PlanHost } from '../../src/plan/types.js';
import { waitFor } from '../helpers/wait.js';

const A = '127.0.42.1';
const B = '127.0.42.2';
const C = '127.0.42.3';
const ip = (text: string): number => ipFromString(text)!;
const PORT = 8080;

function config(me: string, forwards: number[] = [], routes: AgentConfig['routes'] = undefined): AgentConfig {
  return {
    me,
    forwards: forwards.map((p) => ({ listenPort: p, connectHost: '127.0.0.1', connectPort: p, proto: 'tcp' as const })),
    others: [],
    ...(routes ? { routes } : {}),
  };
}

function planHost(name: string, agent: AgentConfig): PlanHost {
  return { name, vip: agent.me, local: false, argv: ['(scripted agent)'], agent };
}

/** A (no ports), B (publishes PORT), C (publishes PORT): three hosts up on one switch. */
async function mesh(options: Partial<SwitchOptions> = {}, features: Record<string, readonly string[]> = {}) {
  const hosts = [planHost('a', config(A)), planHost('b', config(B, [PORT])), planHost('c', config(C, [PORT], [{ via: C, to: ['10.0.0.0/8'] }]))];
  const plan: Plan = { hosts };
  const log: string[] = [];
  const sw = new Switch(plan, { log: (l) => log.push(l), maxOpenBacklog: MAX_OPEN_BACKLOG, ...options });
  const [a, b, c] = hosts.map((h) => new Host(h, sw, features[h.name]));
  await waitFor(() => a!.link.isUp && b!.link.isUp && c!.link.isUp, { what: 'three links up' });
  return { sw, log, a: a!, b: b!, c: c! };
}

const tcp = (src: string, srcPort: number, dst: string, dstPort: number, flags: number): FrameHeader =>
  ({ srcIP: ip(src), srcPort, dstIP: ip(dst), dstPort, proto: PROTO_TCP, flags });

test('frames go to the host of their DstIP unchanged, both ways', async () => {
  const { sw, a, b, c } = await mesh();
  a.send(tcp(A, 40_000, B, PORT, FLAG_OPEN), u32Payload(1 << 20));
  a.send(tcp(A, 40_000, B, PORT, 0), Buffer.from('request'));
  await waitFor(() => b.received.length === 2, { what: 'OPEN and data at B' });
  assert.deepEqual(b.received.map((f) => [f.srcIP, f.srcPort, f.dstIP, f.dstPort, f.flags]), [[ip(A), 40_000, ip(B), PORT, FLAG_OPEN], [ip(A), 40_000, ip(B), PORT, 0]]);
  assert.equal(b.received[1]!.payload.toString(), 'request');
  b.send(tcp(B, PORT, A, 40_000, FLAG_OPEN_OK | FLAG_FROM_ACCEPTOR), u32Payload(1 << 20));
  b.send(tcp(B, PORT, A, 40_000, FLAG_FROM_ACCEPTOR), Buffer.from('response'));
  await waitFor(() => a.received.length === 2, { what: 'OPEN_OK and data at A' });
  assert.equal(a.received[1]!.payload.toString(), 'response');
  assert.equal(sw.connections, 1);
  assert.equal(c.received.length, 0, 'nothing reached a third host');
});

test('a frame with another host\'s SrcIP is not forwarded; the sender gets GOODBYE and its link closes', async () => {
  const { sw, a, b } = await mesh();
  a.send(tcp(C, 40_000, B, PORT, FLAG_OPEN), u32Payload(1 << 20));
  await waitFor(() => a.inputEnded, { what: 'A\'s input closed' });
  const bye = a.control.find((m) => m.type === 'goodbye');
  assert.ok(bye?.type === 'goodbye' && bye.reason === 'protocol-error' && /not its own VIP/.test(bye.message), JSON.stringify(a.control, (_, v) => typeof v === 'bigint' ? String(v) : v));
  assert.equal(b.received.length, 0);
  assert.deepEqual([...sw.violations().get('a') ?? []], [['spoofed-source', 1]]);
  await waitFor(() => b.control.some((m) => m.type === 'peer-down' && m.vip === ip(A)), { what: 'PEER_DOWN for A at B' });
});

test('a frame that breaks the connection books ends the sender\'s link the same way', async () => {
  const { sw, a, b } = await mesh();
  a.send(tcp(A, 40_000, B, PORT, FLAG_OPEN), u32Payload(1 << 20));
  // One byte past the credit before OPEN_OK (§6.2).
  a.send(tcp(A, 40_000, B, PORT, 0), Buffer.alloc(PRE_OPEN_WINDOW));
  a.send(tcp(A, 40_000, B, PORT, 0), Buffer.alloc(1));
  await waitFor(() => a.inputEnded, { what: 'A\'s input closed' });
  const bye = a.control.find((m) => m.type === 'goodbye');
  assert.ok(bye?.type === 'goodbye' && bye.reason === 'protocol-error' && /window/.test(bye.message));
  assert.equal(b.received.length, 2, 'the OPEN and the data within the credit reached B, nothing more');
  assert.deepEqual([...sw.violations().get('a') ?? []], [['window-overrun', 1]]);
});

test('an OPEN to a port the host does not publish is refused with ABORT policy and reaches nobody', async () => {
  const { sw, log, a, b } = await mesh();
  a.send(tcp(A, 40_001, B, 9999, FLAG_OPEN), u32Payload(1 << 20));
  a.send(tcp(A, 40_001, B, 9999, 0), Buffer.from('dropped'));
  a.send(tcp(A, 40_002, B, 9998, FLAG_OPEN), u32Payload(1 << 20));
  await waitFor(() => a.aborts().length === 2, { what: 'two ABORTs at A' });
  for (const abort of a.aborts()) {
    assert.equal(abort.reason, 'policy');
    assert.match(abort.text, /b does not publish port 999[89]/);
    assert.equal(abort.header.flags & FLAG_FROM_ACCEPTOR, FLAG_FROM_ACCEPTOR, 'answered on the acceptor\'s behalf');
  }
  assert.equal(b.received.length, 0);
  assert.ok(a.link.isUp, 'a refusal is not the sender\'s fault');
  assert.deepEqual([...sw.refusals().get('a') ?? []], [['unpublished-port', 2]]);
  assert.equal(log.filter((l) => l.includes('(unpublished-port)')).length, 1, 'logged once, then counted');
});

test('the open policy: routed OPENs only to a route\'s via host, and no more connections than the limit', async () => {
  const { sw, a, b, c } = await mesh({ limits: { perPeer: 1 } });
  const target = routedOpenPayload(1 << 20, { host: '10.1.2.3', port: 22 });
  a.send(tcp(A, 40_003, B, ROUTED_PORT, FLAG_OPEN), target);
  await waitFor(() => a.aborts().length === 1, { what: 'ABORT for the routed OPEN to b' });
  assert.equal(a.aborts()[0]!.reason, 'policy');
  a.send(tcp(A, 40_004, C, ROUTED_PORT, FLAG_OPEN), target);
  a.send(tcp(A, 40_005, C, PORT, FLAG_OPEN), u32Payload(1 << 20));
  await waitFor(() => a.aborts().length === 2, { what: 'ABORT for the second connection to c' });
  const limit = a.aborts()[1]!;
  assert.equal(limit.reason, 'resource-limit');
  assert.equal(limit.header.dstPort, 40_005);
  assert.deepEqual(c.received.map((f) => f.dstPort), [ROUTED_PORT], 'c got the routed OPEN only');
  assert.equal(b.received.length, 0);
  assert.deepEqual(new Map(sw.refusals().get('a')), new Map([['not-a-route-host', 1], ['connection-limit', 1]]));
});

test('a host going away mid-connection: PEER_DOWN to every other agent that takes it, its frames dropped, OPENs to it refused', async () => {
  const { sw, a, b, c } = await mesh({}, { c: FEATURES.filter((f) => f !== FEATURE_PEER_DOWN) });
  a.send(tcp(A, 40_000, B, PORT, FLAG_OPEN), u32Payload(1 << 20));
  b.send(tcp(B, PORT, A, 40_000, FLAG_OPEN_OK | FLAG_FROM_ACCEPTOR), u32Payload(1 << 20));
  await waitFor(() => a.received.length === 1 && sw.connections === 1, { what: 'the connection open' });
  b.leave();
  await waitFor(() => a.control.some((m) => m.type === 'peer-down' && m.vip === ip(B)), { what: 'PEER_DOWN for B at A' });
  assert.equal(sw.connections, 0, 'its connections are forgotten');
  assert.equal(c.control.filter((m) => m.type === 'peer-down').length, 0, 'c did not announce peer-down');
  a.send(tcp(A, 40_000, B, PORT, 0), Buffer.from('late'));
  a.send(tcp(A, 40_006, B, PORT, FLAG_OPEN), u32Payload(1 << 20));
  a.send(tcp(A, 40_007, '127.0.42.99', PORT, FLAG_OPEN), u32Payload(1 << 20));
  await waitFor(() => a.aborts().length === 2, { what: 'two ABORTs at A' });
  assert.deepEqual(a.aborts().map((x) => [x.header.srcPort, x.reason]), [[PORT, 'host-down'], [PORT, 'unreachable']]);
  assert.deepEqual(a.aborts().map((x) => x.header.dstPort), [40_006, 40_007]);
  assert.equal(b.received.length, 1, 'nothing after B left was delivered to it');
});

test('the router\'s GOODBYE for an agent of another protocol version says version-mismatch (docs/protocol.md §3)', async () => {
  // The router used to answer every link-fatal error with GOODBYE protocol-error.
  const sw = new Switch({ hosts: [] }, { log: () => {}, maxOpenBacklog: MAX_OPEN_BACKLOG });
  const host = new Host(planHost('a', config(A)), sw, FEATURES, { protocol: 99 });
  await waitFor(() => host.inputEnded, { what: 'the link closed' });
  const bye = host.control.find((m) => m.type === 'goodbye');
  assert.ok(bye?.type === 'goodbye' && bye.reason === 'version-mismatch' && /protocol 99/.test(bye.message));
  assert.equal(host.link.isUp, false);
});
