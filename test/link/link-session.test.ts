/**
 * src/link/link-session.ts: two sessions, a router's and an agent's, over PassThrough pairs.
 * HELLO both ways and its checks, PING answered, a silent link ended by the keepalive, GOODBYE
 * before a link-fatal error, and the end reported once, after the call that caused it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { FEATURES, PROTO_TCP, ProtocolError, encodeControl, makeHello, type Hello } from '../../src/protocol/index.js';
import { LinkSession, type LinkEnd, type SessionHooks, type SessionOptions } from '../../src/link/index.js';
import { waitFor } from '../helpers/wait.js';

const VIP = '127.0.42.7';

interface Side {
  session: LinkSession;
  ends: LinkEnd[];
  goodbyes: string[];
  ups: Hello[];
}

function side(role: Hello['role'], input: PassThrough, output: PassThrough, options: Partial<SessionOptions> = {}, hooks: Partial<SessionHooks> = {}): Side {
  const s: Side = { ends: [], goodbyes: [], ups: [], session: undefined as unknown as LinkSession };
  s.session = new LinkSession(input, output, {
    hello: makeHello(role, VIP, 'test', FEATURES),
    schedule: { kind: 'turn' },
    inputOnClose: 'drain',
    intervalMs: 60_000,
    timeoutMs: 120_000,
    refTimer: false,
    ...options,
  }, {
    checkPeer: (peer) => (peer.vip === VIP ? undefined : new ProtocolError('bad-control', `wrong VIP ${peer.vip}`)),
    noHello: () => new ProtocolError('no-hello', 'no HELLO first'),
    onUp: (peer) => s.ups.push(peer),
    onFrame: () => undefined,
    onControl: () => undefined,
    onGoodbye: (reason, message) => s.goodbyes.push(`${reason}: ${message}`),
    onDown: (end) => s.ends.push(end),
    ...hooks,
  });
  return s;
}

function pair(routerOptions: Partial<SessionOptions> = {}, agentOptions: Partial<SessionOptions> = {}) {
  const toAgent = new PassThrough();
  const toRouter = new PassThrough();
  return { router: side('router', toRouter, toAgent, routerOptions), agent: side('agent', toAgent, toRouter, agentOptions), toAgent, toRouter };
}

test('both sides say HELLO first and come up with the features both announced', async () => {
  const { router, agent } = pair();
  router.session.start();
  agent.session.start();
  await waitFor(() => router.session.state === 'up' && agent.session.state === 'up', { what: 'both up' });
  assert.equal(router.ups[0]?.role, 'agent');
  assert.equal(agent.ups[0]?.role, 'router');
  assert.deepEqual([...router.session.features].sort(), [...FEATURES].sort());
});

test('a PING is answered with its nonce, and each side pings on its interval', async () => {
  const { router, agent, toAgent, toRouter } = pair({ intervalMs: 20 });
  const toAgentBytes: Buffer[] = [];
  const toRouterBytes: Buffer[] = [];
  toAgent.on('data', (c: Buffer) => toAgentBytes.push(c));
  toRouter.on('data', (c: Buffer) => toRouterBytes.push(c));
  router.session.start();
  agent.session.start();
  await waitFor(() => agent.session.state === 'up', { what: 'up' });
  agent.session.sendControl({ type: 'ping', nonce: 77n });
  await waitFor(() => Buffer.concat(toAgentBytes).includes(encodeControl({ type: 'pong', nonce: 77n })), { what: 'PONG 77' });
  await waitFor(() => Buffer.concat(toAgentBytes).includes(encodeControl({ type: 'ping', nonce: 2n })), { what: 'the router\'s second PING' });
  await waitFor(() => Buffer.concat(toRouterBytes).includes(encodeControl({ type: 'pong', nonce: 2n })), { what: 'the agent\'s PONG 2' });
  assert.equal(router.ends.length + agent.ends.length, 0);
  router.session.close({ kind: 'closed', why: 'done' });
});

test('a link silent for longer than the timeout ends as `silent`, once', async () => {
  const toAgent = new PassThrough();
  const agent = side('agent', toAgent, new PassThrough(), { intervalMs: 10, timeoutMs: 50 });
  agent.session.start();
  await waitFor(() => agent.ends.length > 0, { what: 'the keepalive to end the link' });
  const end = agent.ends[0]!;
  assert.equal(end.kind, 'silent');
  assert.ok(end.kind === 'silent' && end.ms > 50 && end.limitMs === 50);
  assert.equal(agent.session.stream.isClosed, true);
});

test('a frame before HELLO, a wrong VIP, another protocol version: GOODBYE with the right reason, then the end', async () => {
  const cases: [string, (s: LinkSession) => void, string, string][] = [
    ['tcp first', (s) => s.stream.send({ srcIP: 1, srcPort: 1, dstIP: 2, dstPort: 2, proto: PROTO_TCP, flags: 0 }, Buffer.from('x')), 'protocol-error', 'no-hello'],
    ['ping first', (s) => s.stream.sendControl({ type: 'ping', nonce: 1n }), 'protocol-error', 'no-hello'],
    ['wrong VIP', (s) => s.stream.sendControl({ type: 'hello', hello: makeHello('agent', '127.0.42.8', 'test', FEATURES) }), 'protocol-error', 'bad-control'],
    ['version', (s) => s.stream.sendControl({ type: 'hello', hello: { ...makeHello('agent', VIP, 'test', FEATURES), protocol: 2 } }), 'version-mismatch', 'version-mismatch'],
  ];
  for (const [name, send, reason, code] of cases) {
    const { router, agent } = pair();
    router.session.start();
    send(agent.session);
    await waitFor(() => router.ends.length > 0 && agent.goodbyes.length > 0, { what: name });
    const end = router.ends[0]!;
    assert.ok(end.kind === 'protocol-error' && end.error.code === code, `${name}: ${JSON.stringify(end)}`);
    assert.match(agent.goodbyes[0]!, new RegExp(`^${reason}: `), name);
    assert.equal(router.ends.length, 1, name);
  }
});

test('the end is reported after the call that ended the link returned, never from inside it', async () => {
  let inside = false;
  const order: string[] = [];
  const { router, agent } = pair({}, {});
  const s = side('router', new PassThrough(), new PassThrough(), {}, { onDown: () => order.push(inside ? 'down inside close' : 'down after close') });
  inside = true;
  s.session.close({ kind: 'closed', why: 'test' });
  s.session.close({ kind: 'closed', why: 'again' });
  inside = false;
  await waitFor(() => order.length > 0, { what: 'the end' });
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(order, ['down after close']);
  router.session.close({ kind: 'closed', why: 'done' });
  agent.session.close({ kind: 'closed', why: 'done' });
});
