import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { canUseNetns, createNetns, destroyAllNetns } from './netns.js';
import { httpGet, httpGetIn } from './http.js';
import { freePort, randomPayload, sha256, startHttpServer, startTcpServer } from './services.js';
import { tcpExchange } from './tcp.js';

after(destroyAllNetns);

test('an HTTP server inside a namespace answers curl inside it, and nothing outside', { skip: canUseNetns() }, async () => {
  const ns = await createNetns();
  const server = await startHttpServer('hello from h1', { ns, port: 80 });
  after(() => server.stop());
  assert.equal(server.port, 80);
  assert.deepEqual(await httpGetIn(ns, 'http://127.0.0.1:80/'), { status: 200, body: 'hello from h1' });
});

test('a local HTTP server on port 0', async () => {
  const server = await startHttpServer('local');
  after(() => server.stop());
  assert.deepEqual(await httpGet(`http://127.0.0.1:${server.port}/x`), { status: 200, body: 'local' });
});

test('tcp fixtures: echo, banner, upload after half-close, reset, blackhole, refused', async () => {
  const servers = await Promise.all(
    (['echo', 'banner', 'upload', 'reset', 'blackhole'] as const).map((m) => startTcpServer(m, { text: 'SSH-2.0-test' })),
  );
  after(() => Promise.all(servers.map((s) => s.stop())));
  const [echo, banner, upload, reset, blackhole] = servers.map((s) => s.port) as [number, number, number, number, number];

  const data = randomPayload(256 * 1024);
  const echoed = await tcpExchange('127.0.0.1', echo, { send: data });
  assert.equal(echoed.end, 'eof');
  assert.equal(sha256(echoed.data), sha256(data));

  const hello = await tcpExchange('127.0.0.1', banner, { halfClose: false, until: (d) => d.includes('\n') });
  assert.equal(hello.data.toString(), 'SSH-2.0-test\n');

  const up = await tcpExchange('127.0.0.1', upload, { send: data });
  assert.deepEqual([up.end, up.data.toString()], ['eof', `${data.length} ${sha256(data)}\n`]);

  const rst = await tcpExchange('127.0.0.1', reset, { halfClose: false });
  assert.equal(rst.end, 'reset');

  const hole = await tcpExchange('127.0.0.1', blackhole, { send: 'x', timeoutMs: 200 });
  assert.equal(hole.end, 'timeout');

  const refused = await tcpExchange('127.0.0.1', await freePort());
  assert.deepEqual([refused.end, refused.code], ['error', 'ECONNREFUSED']);
});
