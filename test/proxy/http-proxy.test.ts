// The HTTP proxy's own HTTP/1.1 handling (src/proxy/http-session.ts), in process: two
// bridges joined frame by frame stand for the client's agent and the web host's agent, whose
// forward dials real servers on 127.0.0.1 (node:http ones, and raw TCP ones that answer exactly
// the bytes a test needs). Every framing the proxy follows instead of re-serialising has a test.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createHttpServer, Agent, request, type IncomingMessage, type Server as HttpServer } from 'node:http';
import { createServer } from 'node:net';
import { createHash } from 'node:crypto';
import { forward, forwards, listen, logs, rawServer, useHttpProxy } from './http-harness.js';

describe('the HTTP proxy, in process', () => {
  const proxy = useHttpProxy();
  let web: HttpServer;
  let webConnections = 0;
  /** What the node:http server saw of each request. */
  const seen: { method: string; url: string; headers: IncomingMessage['headers']; rawHeaders: string[]; body: string }[] = [];

  before(async () => {
    web = createHttpServer((req, res) => {
      let body = '';
      req.setEncoding('latin1');
      req.on('data', (d: string) => { body += d; });
      req.on('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, rawHeaders: req.rawHeaders, body });
        if (req.url === '/chunked') {
          // No Content-Length: node:http answers chunked.
          const trailers = req.httpVersion === '1.1';
          res.writeHead(200, { 'content-type': 'text/plain', ...(trailers ? { trailer: 'x-sum' } : {}) });
          for (let i = 0; i < 5; i++) res.write(`part ${i};`);
          if (trailers) res.addTrailers({ 'x-sum': '5' });
          res.end();
          return;
        }
        if (req.url === '/no-content') return void res.writeHead(204).end();
        if (req.url === '/not-modified') return void res.writeHead(304, { etag: '"x"' }).end();
        if (req.url === '/echo') {
          const text = `${req.method} ${body.length} ${createHash('sha256').update(body, 'latin1').digest('hex')}`;
          res.writeHead(200, { 'content-length': Buffer.byteLength(text) });
          res.end(text);
          return;
        }
        const text = `hello ${req.method} ${req.url}`;
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(text) });
        res.end(req.method === 'HEAD' ? undefined : text);
      });
    });
    web.on('connection', () => { webConnections++; });
    await forward(8080, web);
  });

  /** node:http's client through the proxy, one keep-alive connection. */
  function get(agent: Agent, path: string, options: { method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; headers: IncomingMessage['headers']; body: string }> {
    return new Promise((resolve, reject) => {
      const req = request({ agent, host: '127.0.0.1', port: proxy.port, method: options.method ?? 'GET', path: `http://web:8080${path}`, headers: { host: 'web:8080', ...options.headers } }, (res) => {
        let body = '';
        res.setEncoding('latin1');
        res.on('data', (d: string) => { body += d; });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(options.body);
    });
  }

  test('keep-alive: many requests on one client connection take one upstream connection', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const was = webConnections;
    for (let i = 0; i < 20; i++) {
      const r = await get(agent, `/${i}?q=${i}`);
      assert.equal(r.status, 200);
      assert.equal(r.body, `hello GET /${i}?q=${i}`);
    }
    assert.equal(webConnections - was, 1);
    agent.destroy();
  });

  test('the request goes out in origin form, Host from the URI, without hop-by-hop fields; the response without them either', async () => {
    const c = proxy.client();
    await c.send('GET http://web:8080/path?x=1 HTTP/1.1\r\nHost: elsewhere\r\nProxy-Connection: keep-alive\r\nConnection: x-private, keep-alive\r\n'
      + 'X-Private: secret\r\nKeep-Alive: timeout=9\r\nTE: trailers\r\nProxy-Authorization: Basic eA==\r\nX-Kept: yes\r\n\r\n').until(/hello GET \/path\?x=1$/, 'the answer');
    const last = seen[seen.length - 1];
    assert.equal(last?.url, '/path?x=1');
    assert.deepEqual(last?.rawHeaders, ['Host', 'web:8080', 'X-Kept', 'yes']);
    // node:http's server sends Connection: keep-alive and Keep-Alive: timeout=5; neither is the client's business.
    assert.doesNotMatch(c.text, /^(connection|keep-alive):/im);
    assert.match(c.text, /^HTTP\/1\.1 200 OK\r\n/);
    c.socket.destroy();
  });

  test('a chunked request body and a chunked response with trailers pass through unchanged', async () => {
    const c = proxy.client();
    const body = 'a'.repeat(5000);
    // Chunks cut anywhere, the head and the chunks sent in many small writes.
    const wire = `POST http://web:8080/echo HTTP/1.1\r\nHost: web:8080\r\nTransfer-Encoding: chunked\r\n\r\n`
      + `10;ext=1\r\n${body.slice(0, 16)}\r\n${(body.length - 16).toString(16)}\r\n${body.slice(16)}\r\n0\r\nX-Trailer: t\r\n\r\n`;
    for (let i = 0; i < wire.length; i += 7) c.send(wire.slice(i, i + 7));
    await c.until(/POST 5000 [0-9a-f]{64}$/, 'the echo');
    assert.ok(c.text.endsWith(`POST 5000 ${createHash('sha256').update(body).digest('hex')}`));
    assert.equal(seen[seen.length - 1]?.headers['transfer-encoding'], 'chunked');
    c.text = '';
    c.send('GET http://web:8080/chunked HTTP/1.1\r\nHost: web:8080\r\n\r\n');
    const text = await c.until(/\r\n0\r\nx-sum: 5\r\n\r\n$/i, 'the chunked response, trailer and all');
    assert.match(text, /transfer-encoding: chunked\r\n/i);
    assert.match(text, /part 0;[\s\S]*part 4;/);
    c.socket.destroy();
  });

  test('HEAD, 204 and 304 responses have no body: the next response on the connection is read right', async () => {
    const c = proxy.client();
    c.send('HEAD http://web:8080/h HTTP/1.1\r\nHost: web:8080\r\n\r\n');
    await c.until(/content-length: 13\r\n[\s\S]*\r\n\r\n$/i, 'the HEAD response');
    c.send('GET http://web:8080/no-content HTTP/1.1\r\nHost: web:8080\r\n\r\n');
    await c.until(/204 No Content/, '204');
    c.send('GET http://web:8080/not-modified HTTP/1.1\r\nHost: web:8080\r\n\r\n');
    await c.until(/304 Not Modified/, '304');
    c.send('GET http://web:8080/after HTTP/1.1\r\nHost: web:8080\r\n\r\n');
    await c.until(/hello GET \/after$/, 'the request after them');
    assert.equal((c.text.match(/^HTTP\/1\.1 /gm) ?? []).length, 4);
    c.socket.destroy();
  });

  test('pipelined requests, with a body between them, are answered in order', async () => {
    const c = proxy.client();
    c.send([
      'GET http://web:8080/one HTTP/1.1\r\nHost: web:8080\r\n\r\n',
      'POST http://web:8080/echo HTTP/1.1\r\nHost: web:8080\r\nContent-Length: 3\r\n\r\nxyz',
      'HEAD http://web:8080/three HTTP/1.1\r\nHost: web:8080\r\n\r\n',
      'GET http://web:8080/four HTTP/1.1\r\nHost: web:8080\r\n\r\n',
    ].join(''));
    const text = await c.until(/hello GET \/four$/, 'four answers');
    const bodies = [...text.matchAll(/hello GET \/\w+|POST 3 [0-9a-f]+/g)].map((m) => m[0].slice(0, 14));
    assert.deepEqual(bodies, ['hello GET /one', 'POST 3 ' + createHash('sha256').update('xyz').digest('hex').slice(0, 7), 'hello GET /fou']);
    c.socket.destroy();
  });

  test('a response without a length ends when the server closes: so does the client connection', async () => {
    await rawServer(8081, (s, received) => {
      if (received.includes('\r\n\r\n')) s.end('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end');
    });
    const c = proxy.client();
    c.send('GET http://web:8081/ HTTP/1.1\r\nHost: web:8081\r\n\r\n');
    await c.closedByProxy();
    assert.match(c.text, /^HTTP\/1\.1 200 OK\r\nContent-Type: text\/plain\r\nConnection: close\r\n\r\nuntil the end$/);
    assert.equal(c.reset, false);
  });

  test('Connection: close from the client: the proxy closes after the response', async () => {
    const c = proxy.client();
    c.send('GET http://web:8080/bye HTTP/1.1\r\nHost: web:8080\r\nConnection: close\r\n\r\n');
    await c.closedByProxy();
    assert.match(c.text, /connection: close\r\n[\s\S]*hello GET \/bye$/i);
    assert.equal(seen[seen.length - 1]?.headers.connection, 'close');
  });

  test('HTTP/1.0: forwarded as 1.0 (no chunked answer), and the connection closes after it', async () => {
    const c = proxy.client();
    c.send('GET http://web:8080/chunked HTTP/1.0\r\n\r\n');
    await c.closedByProxy();
    assert.doesNotMatch(c.text, /transfer-encoding/i);
    assert.match(c.text, /part 0;part 1;part 2;part 3;part 4;$/);
  });

  test('refused destinations get 403 and the connection stays usable; malformed requests 400', async () => {
    const c = proxy.client();
    c.send('POST http://elsewhere:80/ HTTP/1.1\r\nHost: elsewhere\r\nContent-Length: 5\r\n\r\nabcde');
    await c.until(/norouter proxy: elsewhere:80 is not a host of the mesh\n$/, 'the refusal');
    assert.match(c.text, /^HTTP\/1\.1 403 Forbidden\r\n/);
    c.send('GET http://web:8080/still HTTP/1.1\r\nHost: web:8080\r\n\r\n');
    await c.until(/hello GET \/still$/, 'the next request on the same connection');
    for (const [wire, why] of [
      ['GET /relative HTTP/1.1\r\nHost: web\r\n\r\n', /is not an absolute http:\/\/ URI/],
      ['POST http://web:8080/ HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n', /both Transfer-Encoding and Content-Length/],
      ['GET http://web:8080/ HTTP/1.1\r\nX: a\r\n b\r\n\r\n', /obs-fold/],
      ['GET http://web:8080/ HTTP/1.1\r\nBad Name: x\r\n\r\n', /malformed header line/],
    ] as const) {
      const bad = proxy.client();
      bad.send(wire);
      await bad.closedByProxy();
      assert.match(bad.text, /^HTTP\/1\.1 400 Bad Request\r\n/, wire);
      assert.match(bad.text, why);
    }
    c.socket.destroy();
  });

  test('a port the far side cannot dial: 502 naming why', async () => {
    const closed = createServer();
    forwards.set(8082, await listen(closed));
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const c = proxy.client();
    c.send('GET http://web:8082/ HTTP/1.1\r\nHost: web:8082\r\n\r\n');
    await c.closedByProxy();
    assert.match(c.text, /^HTTP\/1\.1 502 Bad Gateway\r\n[\s\S]*norouter proxy: web \(127\.0\.42\.101:8082\): .*ECONNREFUSED/);
  });

  test('a response cut short by the server is a reset to the client, not a clean end', async () => {
    await rawServer(8083, (s, received) => {
      if (received.includes('\r\n\r\n')) s.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this');
    });
    const c = proxy.client();
    c.send('GET http://web:8083/ HTTP/1.1\r\nHost: web:8083\r\n\r\n');
    await c.closedByProxy();
    assert.equal(c.reset, true, c.text);
  });

  // Regression guard: a keep-alive upstream that the server closed just as the next request went
  // out (its idle timeout crossing the request) must not turn into a 502 for an idempotent request.
  test('a reused upstream closed before answering: a GET is sent again on a fresh connection', async () => {
    const { connections } = await rawServer(8084, (s, received, n) => {
      const requests = received.split('\r\n\r\n').length - 1;
      if (n === 1 && requests === 2) return void s.destroy();
      if (received.endsWith('\r\n\r\n')) s.write(`HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nconn ${n}`);
    });
    const c = proxy.client();
    c.send('GET http://web:8084/a HTTP/1.1\r\nHost: web:8084\r\n\r\n');
    await c.until(/conn 1$/, 'the first answer');
    c.send('GET http://web:8084/b HTTP/1.1\r\nHost: web:8084\r\n\r\n');
    await c.until(/conn 2$/, 'the second answer, from a second connection');
    assert.equal(connections(), 2);
    c.socket.destroy();
  });

  test('a malformed chunked request body closes the connection', async () => {
    const c = proxy.client();
    c.send('POST http://web:8080/echo HTTP/1.1\r\nHost: web:8080\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n');
    await c.closedByProxy();
    assert.ok(logs.some((l) => /malformed chunked body/.test(l)), logs.join('\n'));
  });
});
