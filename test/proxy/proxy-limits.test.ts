// Slow clients and descriptor limits (docs/reliability.md, "Proxies and routes…", item 3):
// - Regression: the HTTP proxy's head timeout and the SOCKS handshake timeout were idle
//   timeouts, restarted by every byte: a client sending one byte every few seconds held a
//   connection for days. Both are absolute deadlines now (shortened here, not waited for).
// - Regression: a proxy listener accepted connections without bound, and when the process ran
//   out of descriptors nothing was logged where the connections were refused (Node's net.Server
//   closes them silently). Now a cap per listener, and a line for each, once per burst.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { createHttpProxy } from '../../src/proxy/http-proxy.js';
import { createSocksProxy } from '../../src/proxy/socks-proxy.js';
import { Proxies } from '../../src/proxy/proxies.js';
import { DEFAULT_LIMITS, LOG_WINDOW_MS as CAP_WINDOW_MS } from '../../src/proxy/listener-guard.js';
import { logs, serve, useMesh } from './http-harness.js';
import { freePort } from '../helpers/services.js';
import { CLI_ARGV, CLI_PATH, FollowedProcess } from '../helpers/processes.js';
import { existsSync } from 'node:fs';
import { waitFor } from '../helpers/wait.js';

const { host } = useMesh();
const cleanups: (() => void)[] = [];
after(() => {
  for (const c of cleanups) c();
});

/**
 * Sends `bytes` one at a time, 100 ms apart (far below the idle timeouts), until the proxy closes
 * the connection; returns what came back and how many bytes went out. What closed it is told by
 * the answer and the log line, which only the deadline produces.
 */
async function drip(port: number, bytes: Buffer): Promise<{ reply: string; sent: number }> {
  const socket = connect({ host: '127.0.0.1', port });
  let reply = '';
  let closed = false;
  socket.on('data', (d: Buffer) => { reply += d.toString('latin1'); });
  socket.on('error', () => {});
  socket.on('close', () => { closed = true; });
  let sent = 0;
  const tick = (): void => {
    if (closed || sent >= bytes.length) return;
    socket.write(bytes.subarray(sent, sent + 1), () => {
      sent++;
      setTimeout(tick, 100);
    });
  };
  socket.once('connect', tick);
  await waitFor(() => closed, { timeoutMs: 30_000, what: 'the proxy to close the slow connection' });
  return { reply, sent };
}

test('HTTP: a head dripped byte by byte is cut off at the absolute deadline, with a 408', async () => {
  const port = await serve(createHttpProxy(host, { ...DEFAULT_LIMITS, headDeadlineMs: 1000 }));
  // Never complete: 2,000 bytes at ten a second would take over three minutes.
  const head = Buffer.from(`GET http://web:8080/ HTTP/1.1\r\nX-Slow: ${'a'.repeat(2000)}`);
  const r = await drip(port, head);
  assert.ok(r.sent < head.length, 'the whole head went out: the test proves nothing');
  assert.match(r.reply, /^HTTP\/1\.1 408 Request Timeout\r\n[\s\S]*the request head did not arrive within 1 s\n$/);
  assert.ok(logs.some((l) => /did not send a whole request head within 1 s/.test(l)), logs.join('\n'));
});

test('SOCKS: a handshake dripped byte by byte is cut off at the absolute deadline', async () => {
  const port = await serve(createSocksProxy(host, { ...DEFAULT_LIMITS, handshakeDeadlineMs: 1000 }));
  // SOCKS4 with a user id that never ends (the proxy's limit is 1,024 bytes).
  const hello = Buffer.concat([Buffer.from([4, 1, 0, 80, 10, 0, 0, 1]), Buffer.alloc(1000, 0x61)]);
  const r = await drip(port, hello);
  assert.ok(r.sent < hello.length, 'the whole handshake went out: the test proves nothing');
  assert.equal(r.reply, '');
  assert.ok(logs.some((l) => /did not finish its handshake within 1 s/.test(l)), logs.join('\n'));
});

/** A SOCKS5 greeting; resolves true when the proxy answered it (so it accepted the connection), false when it closed. */
function greet(port: number): Promise<{ socket: Socket; accepted: boolean }> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => socket.write(Buffer.from([5, 1, 0])));
    socket.on('error', () => {});
    socket.once('data', () => resolve({ socket, accepted: true }));
    socket.once('close', () => resolve({ socket, accepted: false }));
  });
}

test('a listener keeps at most its cap of connections, and says so once per burst', async () => {
  const lines: string[] = [];
  const capTimes: number[] = [];
  const proxies = new Proxies({
    ...host,
    log: (l) => {
      lines.push(l);
      if (/3 connections are open, the most it keeps/.test(l)) capTimes.push(Date.now());
    },
  }, { ...DEFAULT_LIMITS, maxConnections: 3 });
  cleanups.push(() => proxies.closeAll());
  const address = `127.0.0.1:${await freePort()}`;
  await proxies.apply({ socks: address, names: [] });
  assert.deepEqual(proxies.listening, [`socks ${address}`]);
  const port = Number(address.split(':')[1]);
  const held = [await greet(port), await greet(port), await greet(port)];
  assert.deepEqual(held.map((h) => h.accepted), [true, true, true]);
  const refused = [await greet(port), await greet(port), await greet(port)];
  assert.deepEqual(refused.map((h) => h.accepted), [false, false, false]);
  const capLines = lines.filter((l) => /3 connections are open, the most it keeps/.test(l));
  assert.match(capLines[0] ?? '', new RegExp(`^socks proxy ${address}: `), lines.join('\n'));
  // Once per burst: never two such lines within one window, however long the three took.
  for (let i = 1; i < capTimes.length; i++) assert.ok((capTimes[i] ?? 0) - (capTimes[i - 1] ?? 0) >= CAP_WINDOW_MS, lines.join('\n'));
  // One ends: a new one is taken again.
  held[0]?.socket.destroy();
  await waitFor(async () => {
    const again = await greet(port);
    again.socket.destroy();
    return again.accepted;
  }, { what: 'a connection accepted once one of the three ended' });
  for (const h of held) h.socket.destroy();
});

test('out of file descriptors: the agent says so where the connections arrive (RLIMIT_NOFILE lowered)', async (t) => {
  if (!existsSync(CLI_PATH)) return t.skip(`${CLI_PATH} is missing: run \`npm run build\``);
  const address = `127.0.0.1:${await freePort()}`;
  const port = Number(address.split(':')[1]);
  // `ulimit -n` in a child shell: the agent alone runs with 48 descriptors.
  const limited = new FollowedProcess([
    'sh', '-c', 'ulimit -n 48 && exec "$@"', 'sh', ...CLI_ARGV, 'internal', 'agent', '--me', '127.0.42.1', '--no-loopback', '--socks-proxy', address,
  ]);
  cleanups.push(() => limited.child.kill('SIGKILL'));
  await limited.waitForLine(/socks proxy listening on /, 10_000);
  const sockets: Socket[] = [];
  cleanups.push(() => { for (const s of sockets) s.destroy(); });
  let refused = 0;
  for (let i = 0; i < 200 && refused === 0; i++) {
    const g = await greet(port);
    sockets.push(g.socket);
    if (!g.accepted) refused++;
  }
  assert.equal(refused, 1, 'the agent never ran out of descriptors');
  await limited.waitForLine(/socks proxy 127\.0\.0\.1:\d+: out of file descriptors \(EMFILE\)/, 10_000);
});
