// docs/protocol.md §13.2: the HTTP proxy follows message framing instead of re-serialising messages
// (src/proxy/http-head.ts, http-body.ts). Where a message ends must not depend on how TCP cut
// the bytes, and what two parsers could disagree on (request smuggling) is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bodyFor } from '../../src/proxy/http-body.js';
import { parseHead, requestFraming, responseFraming, emitHead, type Field, type Framing, type HeadProblem } from '../../src/proxy/http-head.js';
import { prng } from '../protocol/prng.js';

/** A chunked body of `data` in chunks of the given sizes, with extensions and trailers. */
function chunked(data: Buffer, sizes: number[]): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (const size of sizes) {
    if (at >= data.length) break;
    const piece = data.subarray(at, at + size);
    at += piece.length;
    parts.push(Buffer.from(`${piece.length.toString(16)}${at % 3 === 0 ? ';name=value' : ''}\r\n`), piece, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from('0\r\nX-Checksum: 1\r\nX-Other: 2\r\n\r\n'));
  return Buffer.concat(parts);
}

test('a chunked body ends at the same byte however the bytes are cut', () => {
  // Seeded: a failing cut is reproduced by its round number.
  for (let round = 0; round < 200; round++) {
    const r = prng(round + 1);
    const data = Buffer.from(Array.from({ length: r.int(0, 2999) }, () => r.int(0, 255)));
    const body = chunked(data, Array.from({ length: 50 }, () => r.int(1, 400)));
    const next = Buffer.from('GET http://next/ HTTP/1.1\r\n\r\n');
    const wire = Buffer.concat([body, next]);
    const framer = bodyFor({ kind: 'chunked' });
    assert.ok(framer);
    let taken = 0;
    let at = 0;
    while (at < wire.length && !framer.done) {
      const end = Math.min(wire.length, at + r.int(1, 64));
      const piece = wire.subarray(at, end);
      const n = framer.take(piece, 0);
      assert.ok(n >= 0, `round ${round}: ${framer.error ?? ""}`);
      taken += n;
      at = end;
    }
    assert.equal(framer.done, true);
    assert.equal(taken, body.length, `round ${round}`);
  }
});

test('malformed chunked bodies are errors, not guesses', () => {
  for (const bad of ['zz\r\n', '5\nhello\r\n', '5\r\nhello!\r\n', '\r\n', '3\r\nabc\r\n0\r\nX: 1\n\r\n', `${'f'.repeat(14)}\r\n`]) {
    const framer = bodyFor({ kind: 'chunked' });
    assert.equal(framer?.take(Buffer.from(bad), 0), -1, JSON.stringify(bad));
    assert.match(framer?.error ?? '', /malformed chunked body/);
  }
});

test('a Content-Length body stops at its length; none at all takes no framer', () => {
  const framer = bodyFor({ kind: 'length', length: 5 });
  assert.equal(framer?.take(Buffer.from('abc'), 0), 3);
  assert.equal(framer?.done, false);
  assert.equal(framer?.take(Buffer.from('xdeGET '), 1), 2);
  assert.equal(framer?.done, true);
  assert.equal(bodyFor({ kind: 'none' }), undefined);
});

/** Why a framing was refused, or what it was (the test then fails on the text). */
function problem(r: Framing | HeadProblem): string {
  return r.kind === 'bad' ? `${r.code}: ${r.why}` : JSON.stringify(r);
}

function fields(head: string): Field[] {
  const r = parseHead(Buffer.from(`${head}\r\n\r\n`));
  assert.equal(r.kind, 'head', JSON.stringify(r));
  return r.kind === 'head' ? r.head.fields : [];
}

test('request framing: chunked, a length, none; smuggling-prone heads refused', () => {
  assert.deepEqual(requestFraming(fields('POST / HTTP/1.1\r\nTransfer-Encoding: chunked'), 'HTTP/1.1'), { kind: 'chunked' });
  assert.deepEqual(requestFraming(fields('POST / HTTP/1.1\r\nContent-Length: 7\r\ncontent-length: 7'), 'HTTP/1.1'), { kind: 'length', length: 7 });
  assert.deepEqual(requestFraming(fields('GET / HTTP/1.1\r\nHost: x'), 'HTTP/1.1'), { kind: 'none' });
  assert.match(problem(requestFraming(fields('POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3'), 'HTTP/1.1')), /both/);
  assert.match(problem(requestFraming(fields('POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4'), 'HTTP/1.1')), /disagree/);
  assert.match(problem(requestFraming(fields('POST / HTTP/1.1\r\nContent-Length: -1'), 'HTTP/1.1')), /invalid/);
  assert.match(problem(requestFraming(fields('POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip'), 'HTTP/1.1')), /chunked once/);
  assert.match(problem(requestFraming(fields('POST / HTTP/1.0\r\nTransfer-Encoding: chunked'), 'HTTP/1.0')), /HTTP\/1\.0/);
  for (const head of ['GET / HTTP/1.1\r\nX : y', 'GET / HTTP/1.1\r\nX: y\r\n folded', 'GET / HTTP/1.1\r\nX: a\rb', 'GET / HTTP/1.1\r\nX: a\nb']) {
    assert.equal(parseHead(Buffer.from(`${head}\r\n\r\n`)).kind, 'bad', JSON.stringify(head));
  }
});

test('response framing: HEAD, 1xx, 204 and 304 have no body; no length means until the close', () => {
  const f = fields('HTTP/1.1 200 OK\r\nContent-Length: 10');
  assert.deepEqual(responseFraming(f, 200, 'HEAD'), { kind: 'none' });
  for (const status of [100, 204, 304]) assert.deepEqual(responseFraming(f, status, 'GET'), { kind: 'none' });
  assert.deepEqual(responseFraming(f, 200, 'GET'), { kind: 'length', length: 10 });
  assert.deepEqual(responseFraming(fields('HTTP/1.1 200 OK\r\nX: y'), 200, 'GET'), { kind: 'close' });
  assert.deepEqual(responseFraming(fields('HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip'), 200, 'GET'), { kind: 'close' });
  assert.deepEqual(responseFraming(fields('HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked'), 200, 'GET'), { kind: 'chunked' });
  // docs/protocol.md §13.2: a client could frame this by either field; the proxy answers 502.
  assert.match(problem(responseFraming(fields('HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\nContent-Length: 3'), 200, 'GET')), /both/);
});

test('a head is re-emitted from its own lines, minus hop-by-hop fields and those Connection names', () => {
  const r = parseHead(Buffer.from('\r\nGET http://h/ HTTP/1.1\r\nHost: h\r\nConnection: X-A, close\r\nX-A: 1\r\nX-B:  caf\xe9 \r\nTE: trailers\r\n\r\nbody', 'latin1'));
  assert.equal(r.kind, 'head');
  if (r.kind !== 'head') return;
  assert.equal(r.head.size, r.head.start.length + 2 + 'Host: h\r\nConnection: X-A, close\r\nX-A: 1\r\nX-B:  caf\xe9 \r\nTE: trailers\r\n\r\n'.length + 2);
  const out = emitHead('GET / HTTP/1.1', r.head.fields, { first: 'Host: h', drop: 'host', last: 'Connection: close' });
  assert.equal(out.toString('latin1'), 'GET / HTTP/1.1\r\nHost: h\r\nX-B:  caf\xe9 \r\nConnection: close\r\n\r\n');
});
