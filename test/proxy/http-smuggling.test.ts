// Regression (docs/protocol.md §13.2): a request whose Connection field named Content-Length
// was framed by the proxy by its Content-Length, which the proxy then removed as hop-by-hop: the
// origin read the body as a second request (request smuggling). The proxy may only forward a
// message whose framing the far end reads as the proxy did; here a raw origin records every byte
// it receives, and every head that two parsers could frame differently must reach it never
// (requests: 400) or reach the client never (responses: 502).
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rawServer, useHttpProxy } from './http-harness.js';

const SMUGGLED = 'GET http://web:8090/smuggled HTTP/1.1\r\nHost: web\r\n\r\n';

/** Requests that must be refused with 400 and never reach the origin. */
const BAD_REQUESTS: readonly [string, string][] = [
  ['Connection naming Content-Length', `POST http://web:8090/ HTTP/1.1\r\nConnection: content-length\r\nContent-Length: ${SMUGGLED.length}\r\n\r\n${SMUGGLED}`],
  ['Connection naming it among others', `POST http://web:8090/ HTTP/1.1\r\nConnection: keep-alive, Content-Length\r\nContent-Length: ${SMUGGLED.length}\r\n\r\n${SMUGGLED}`],
  ['Connection naming Transfer-Encoding', `POST http://web:8090/ HTTP/1.1\r\nTransfer-Encoding: chunked\r\nConnection: transfer-encoding\r\n\r\n${SMUGGLED.length.toString(16)}\r\n${SMUGGLED}\r\n0\r\n\r\n`],
  ['Connection naming Host', 'GET http://web:8090/ HTTP/1.1\r\nHost: web\r\nConnection: host\r\n\r\n'],
  ['Content-Length and Transfer-Encoding', `POST http://web:8090/ HTTP/1.1\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${SMUGGLED}`],
  ['two Content-Length values', 'POST http://web:8090/ HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!'],
  ['a Content-Length list that disagrees', 'POST http://web:8090/ HTTP/1.1\r\nContent-Length: 5, 6\r\n\r\nhello!'],
  ['a signed Content-Length', 'POST http://web:8090/ HTTP/1.1\r\nContent-Length: +5\r\n\r\nhello'],
  ['Transfer-Encoding not ending in chunked', 'POST http://web:8090/ HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\nxx'],
  ['chunked then another coding', 'POST http://web:8090/ HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n'],
  ['chunked twice', 'POST http://web:8090/ HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
  ['an empty Transfer-Encoding', 'POST http://web:8090/ HTTP/1.1\r\nTransfer-Encoding: \r\nContent-Length: 3\r\n\r\nabc'],
  ['Transfer_Encoding with an underscore', `POST http://web:8090/ HTTP/1.1\r\nTransfer_Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n`],
  ['Content_Length with an underscore', 'POST http://web:8090/ HTTP/1.1\r\nContent_Length: 5\r\n\r\nhello'],
  ['Transfer-Encoding in HTTP/1.0', 'POST http://web:8090/ HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
  ['obs-fold', 'GET http://web:8090/ HTTP/1.1\r\nX-A: a\r\n Transfer-Encoding: chunked\r\n\r\n'],
  ['whitespace before the colon', 'POST http://web:8090/ HTTP/1.1\r\nTransfer-Encoding : chunked\r\nContent-Length: 5\r\n\r\nhello'],
  ['a bare LF inside the head', 'POST http://web:8090/ HTTP/1.1\r\nX-A: a\nContent-Length: 5\r\n\r\nhello'],
  ['a bare CR inside the head', 'POST http://web:8090/ HTTP/1.1\r\nX-A: a\rContent-Length: 5\r\n\r\nhello'],
  ['a bare LF in the request line', 'GET http://web:8090/ HTTP/1.1\nX: y\r\n\r\n'],
  ['whitespace before the first field', 'GET http://web:8090/ HTTP/1.1\r\n Host: web\r\n\r\n'],
  ['a control character in the target', 'GET http://web:8090/\x1b[2J HTTP/1.1\r\n\r\n'],
  ['a tab in the target', 'GET http://web:8090/a\tb HTTP/1.1\r\n\r\n'],
  ['a NUL in a field', 'GET http://web:8090/ HTTP/1.1\r\nX-A: a\0b\r\n\r\n'],
];

/** Responses that must reach the client as a 502, never as they are. */
const BAD_RESPONSES: readonly [string, string][] = [
  ['Connection naming Content-Length', 'HTTP/1.1 200 OK\r\nConnection: content-length\r\nContent-Length: 5\r\n\r\nhello'],
  ['Connection naming Transfer-Encoding', 'HTTP/1.1 200 OK\r\nConnection: transfer-encoding\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n'],
  ['Content-Length and Transfer-Encoding', 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n'],
  ['two Content-Length values', 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!'],
  ['an empty Transfer-Encoding', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: \r\nContent-Length: 5\r\n\r\nhello'],
  ['Transfer-Encoding in HTTP/1.0', 'HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n'],
  ['Content_Length with an underscore', 'HTTP/1.1 200 OK\r\nContent_Length: 5\r\nContent-Length: 5\r\n\r\nhello'],
  ['obs-fold', 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: a\r\n b\r\n\r\nhello'],
  ['whitespace before the colon', 'HTTP/1.1 200 OK\r\nContent-Length : 5\r\n\r\nhello'],
  ['a bare LF', 'HTTP/1.1 200 OK\r\nX-A: a\nContent-Length: 5\r\n\r\nhello'],
];

describe('the HTTP proxy frames messages exactly as the far end will', () => {
  const proxy = useHttpProxy();
  let origin: Awaited<ReturnType<typeof rawServer>>;
  /** Everything the recording origin received, per connection. */
  const received: string[] = [];

  before(async () => {
    // Answers each request with the response its path names: /ok, or /bad/N for BAD_RESPONSES[N].
    origin = await rawServer(8090, (socket, text, n) => {
      received[n - 1] = text;
      const m = /^GET \/(ok|bad\/(\d+)) HTTP\/1\.1\r\n[\s\S]*?\r\n\r\n$/.exec(text.slice(text.lastIndexOf('GET /')));
      if (!m) return;
      socket.write(m[1] === 'ok' ? 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok' : BAD_RESPONSES[Number(m[2])]?.[1] ?? '');
    });
  });

  test('every request two parsers could frame differently: 400, and the origin receives nothing', async () => {
    for (const [what, wire] of BAD_REQUESTS) {
      const before = origin.connections();
      const c = proxy.client();
      c.send(wire);
      await c.closedByProxy();
      assert.match(c.text, /^HTTP\/1\.1 400 Bad Request\r\n/, `${what}: ${JSON.stringify(c.text)}`);
      assert.equal(origin.connections(), before, `${what}: the origin was dialled`);
    }
    assert.ok(!received.some((r) => r.includes('smuggled')), received.join('\n'));
  });

  test('a clean request reaches the origin byte for byte as expected: origin form, Host from the URI, hop-by-hop fields gone', async () => {
    const c = proxy.client();
    c.send('GET http://web:8090/ok HTTP/1.1\r\nHost: elsewhere\r\nConnection: keep-alive, X-A\r\nX-A: 1\r\nContent-Length: 0\r\nX-B: 2\r\n\r\n');
    await c.until(/\r\n\r\nok$/, 'the answer');
    assert.equal(received[origin.connections() - 1], 'GET /ok HTTP/1.1\r\nHost: web:8090\r\nContent-Length: 0\r\nX-B: 2\r\n\r\n');
    c.socket.destroy();
  });

  test('every response two parsers could frame differently: 502, and none of its body reaches the client', async () => {
    for (const [i, [what]] of BAD_RESPONSES.entries()) {
      const c = proxy.client();
      c.send(`GET http://web:8090/bad/${i} HTTP/1.1\r\nHost: web\r\n\r\n`);
      await c.closedByProxy();
      assert.match(c.text, /^HTTP\/1\.1 502 Bad Gateway\r\n/, `${what}: ${JSON.stringify(c.text)}`);
      assert.doesNotMatch(c.text, /hello/, what);
    }
  });
});
