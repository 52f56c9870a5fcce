// docs/protocol.md §13: the host that dials a route checks every routed OPEN against its
// own routes; one they do not allow is answered ABORT `policy` and never dialled.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { Bridge } from '../../src/net/bridge.js';
import { RouteTable } from '../../src/proxy/destination.js';
import { resolveRoute } from '../../src/proxy/route-resolve.js';
import { FLAG_ABORT, FLAG_OPEN, FLAG_OPEN_OK, ROUTED_PORT, ipFromString, readAbortPayload, routedOpenPayload, type FrameHeader } from '../../src/protocol/index.js';
import { waitFor } from '../helpers/wait.js';

const BASTION = ipFromString('127.0.42.102') ?? 0;
const PEER = ipFromString('127.0.42.100') ?? 0;

test('a routed OPEN outside the bastion\'s routes is refused by policy, and one inside is dialled', async () => {
  let accepted = 0;
  const server = createServer((s) => { accepted++; s.destroy(); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const sent: { header: FrameHeader; payload?: Buffer | undefined }[] = [];
  let routes = new RouteTable([{ via: '127.0.42.102', to: ['10.0.0.0/8'] }, { via: '127.0.42.103', to: ['127.0.0.0/8'] }]);
  const bridge = new Bridge({
    localIP: BASTION,
    send: (header, payload) => sent.push({ header, payload }) > 0,
    forwardFor: () => undefined,
    resolveRoute: (t) => resolveRoute(routes, BASTION, t),
    log: () => {},
  });
  const open = (srcPort: number) => bridge.receive({
    srcIP: PEER, srcPort, dstIP: BASTION, dstPort: ROUTED_PORT, proto: 6, flags: FLAG_OPEN,
    payload: routedOpenPayload(1 << 20, { host: '127.0.0.1', port }),
  });
  try {
    // 127.0.0.0/8 is another host's route, not this one's.
    assert.equal(open(2000), undefined);
    await waitFor(() => sent.length === 1, { what: 'the ABORT' });
    assert.equal(sent[0]!.header.flags & FLAG_ABORT, FLAG_ABORT);
    assert.deepEqual(readAbortPayload(sent[0]!.payload!), { reason: 'policy', text: "127.0.42.102 has no route to 127.0.0.1 (the manifest's routes via this host do not match it)" });
    assert.equal(accepted, 0);
    // A reload gives this host the route: now it dials.
    routes = new RouteTable([{ via: '127.0.42.102', to: ['127.0.0.1'] }]);
    assert.equal(open(2001), undefined);
    await waitFor(() => sent.some((s) => (s.header.flags & FLAG_OPEN_OK) !== 0), { what: 'OPEN_OK' });
    assert.equal(accepted, 1);
  } finally {
    bridge.resetAll('shutting-down');
    server.close();
  }
});

// Regression (docs/protocol.md §13.1): the via host checked a routed OPEN's host and then let
// connect() resolve the same text again. Now it dials the addresses its check returned, as IP
// literals, in order: a name nobody can resolve still reaches the address the check chose.
test('a routed OPEN is dialled at the checked addresses only, the next after a refusal; the name is never resolved again', async () => {
  let accepted = 0;
  const server = createServer((s) => { accepted++; s.destroy(); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const sent: FrameHeader[] = [];
  const asked: string[] = [];
  const bridge = new Bridge({
    localIP: BASTION,
    send: (header) => sent.push(header) > 0,
    forwardFor: () => undefined,
    // 127.0.0.3 refuses (nothing listens there); 127.0.0.1 answers.
    resolveRoute: (t) => {
      asked.push(t.host);
      return Promise.resolve({ ok: true, addresses: ['127.0.0.3', '127.0.0.1'] });
    },
    log: () => {},
  });
  try {
    bridge.receive({
      srcIP: PEER, srcPort: 3000, dstIP: BASTION, dstPort: ROUTED_PORT, proto: 6, flags: FLAG_OPEN,
      payload: routedOpenPayload(1 << 20, { host: 'no-such-name.invalid', port }),
    });
    await waitFor(() => sent.some((h) => (h.flags & (FLAG_OPEN_OK | FLAG_ABORT)) !== 0), { what: 'OPEN_OK or ABORT' });
    assert.ok(sent.some((h) => (h.flags & FLAG_OPEN_OK) !== 0), 'not OPEN_OK');
    assert.deepEqual(asked, ['no-such-name.invalid']);
    await waitFor(() => accepted === 1, { what: 'the connection at 127.0.0.1' });
  } finally {
    bridge.resetAll('shutting-down');
    server.close();
  }
});
