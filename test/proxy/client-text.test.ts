// Regression (src/proxy/safe-log.ts): the proxies logged request lines and targets as their
// clients wrote them, and echoed hosts in 400/403 bodies, so an escape sequence sent to a proxy
// reached the terminal of whoever read the router's output (or curl's): it could clear the
// screen, set the window title or forge a `norouter:` line. Every line and body is escaped now.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHttpProxy } from '../../src/proxy/http-proxy.js';
import { createSocksProxy } from '../../src/proxy/socks-proxy.js';
import { errorResponse } from '../../src/proxy/http-response.js';
import { safeHost } from '../../src/proxy/safe-log.js';
import { hasControls } from '../../src/terminal/safe-text.js';
import { RawClient, logs, serve, useMesh } from './http-harness.js';

const ESC = '\x1b]0;pwned\x07\x1b[2J\rnorouter: forged\x9b1m';
const mesh = useMesh();
let httpPort: number;
let socksPort: number;

before(async () => {
  httpPort = await serve(createHttpProxy(mesh.host));
  socksPort = await serve(createSocksProxy(mesh.host));
});

test('control bytes anywhere in a request reach neither the log nor the answer', async () => {
  const wires = [
    `GET http://web:8080/${ESC} HTTP/1.1\r\n\r\n`,
    `GET${ESC} http://web:8080/ HTTP/1.1\r\n\r\n`,
    `GET http://${ESC}:8080/ HTTP/1.1\r\n\r\n`,
    `CONNECT ${ESC}:443 HTTP/1.1\r\n\r\n`,
    `CONNECT web:443${ESC} HTTP/1.1\r\n\r\n`,
    `GET http://web:8080/ HTTP/1.1\r\nX${ESC}: 1\r\n\r\n`,
    `GET http://web:8080/ HTTP/9${ESC}\r\n\r\n`,
    `GET http://nowhere.example/ HTTP/1.1\r\nX: ${ESC}\r\n\r\n`,
  ];
  for (const wire of wires) {
    const c = new RawClient(httpPort);
    c.send(Buffer.from(wire, 'latin1'));
    await c.until(/norouter proxy: .*\n$/, JSON.stringify(wire));
    assert.ok(!hasControls(c.text.replace(/\r\n/g, '').replace(/\n$/, '')), `answer to ${JSON.stringify(wire)}: ${JSON.stringify(c.text)}`);
    c.socket.destroy();
  }
  const name = Buffer.from(`web${ESC}`, 'latin1');
  for (const hello of [Buffer.concat([Buffer.from([4, 1, 0, 80, 0, 0, 0, 1, 0]), name, Buffer.from([0])])]) {
    const c = new RawClient(socksPort);
    c.send(hello);
    await c.closedByProxy();
  }
  assert.ok(logs.length > 0);
  for (const line of logs) assert.ok(!hasControls(line), JSON.stringify(line));
});

test('error bodies and proxy log lines escape what they quote', () => {
  const body = errorResponse(403, `${ESC}:80 is not a host of the mesh`).toString('latin1');
  assert.ok(!hasControls(body.split('\r\n\r\n')[1]?.replace(/\n$/, '') ?? ''), body);
  assert.match(body, /\\x1b\]0;pwned\\x07\\x1b\[2J\\rnorouter: forged\\x9b1m:80/);
  const seen: string[] = [];
  safeHost({ ...mesh.host, log: (l) => seen.push(l) }).log(`refused ${ESC}`);
  assert.deepEqual(seen, ['refused \\x1b]0;pwned\\x07\\x1b[2J\\rnorouter: forged\\x9b1m']);
});
