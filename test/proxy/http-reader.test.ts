// src/proxy/http-reader.ts: a head cut across reads is held as pieces and joined only once its
// end or the size limit arrived. Whatever the cuts, the reader must see the same messages (heads,
// body bytes, refusals, the 431 limit) as it does with the bytes in one piece.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MessageReader, hasHeadEnd } from '../../src/proxy/http-reader.js';
import { MAX_HEAD, requestFraming } from '../../src/proxy/http-head.js';
import { prng } from '../protocol/prng.js';

/** Everything the reader makes of `pieces`, pushed one by one and read as far as each allows. */
function read(pieces: readonly Buffer[]): string[] {
  const reader = new MessageReader();
  const seen: string[] = [];
  let body = '';
  for (const piece of pieces) {
    reader.push(piece);
    while (reader.size > 0) {
      if (reader.inBody) {
        const p = reader.takeBody();
        if (p.kind === 'bad') return [...seen, `bad body: ${p.why}`];
        body += p.data.toString('latin1');
        if (p.done) {
          seen.push(`body ${JSON.stringify(body)}`);
          body = '';
        }
        continue;
      }
      const r = reader.head();
      if (r.kind === 'more') break;
      if (r.kind === 'bad') return [...seen, `bad head: ${r.code}`];
      const raw = reader.consume(r.head).toString('latin1');
      const framing = requestFraming(r.head.fields, 'HTTP/1.1');
      if (framing.kind === 'bad') return [...seen, `bad framing: ${framing.code}`];
      seen.push(`head ${r.head.start} (${raw.length} bytes)`);
      reader.follow(framing);
    }
  }
  return seen;
}

function cut(wire: Buffer, r: ReturnType<typeof prng>, max: number): Buffer[] {
  const pieces: Buffer[] = [];
  for (let at = 0; at < wire.length;) {
    const end = Math.min(wire.length, at + r.int(1, max));
    pieces.push(wire.subarray(at, end));
    at = end;
  }
  return pieces;
}

const WIRE = Buffer.from([
  '\r\nGET http://web/a HTTP/1.1\r\nHost: web\r\nX-Long: ' + 'x'.repeat(300) + '\r\n\r\n',
  'POST http://web/b HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello',
  'POST http://web/c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\nT: 1\r\n\r\n',
  'GET http://web/d HTTP/1.1\r\n\r\n',
].join(''), 'latin1');

test('the same messages however the bytes are cut (seeded)', () => {
  const whole = read([WIRE]);
  assert.equal(whole.length, 6, whole.join('\n'));
  for (let round = 0; round < 300; round++) {
    const r = prng(round + 1);
    assert.deepEqual(read(cut(WIRE, r, round % 2 ? 8 : 200)), whole, `round ${round}`);
  }
});

test('a head over the limit is refused as too large whether it comes whole or byte by byte', () => {
  const big = Buffer.from(`GET http://web/ HTTP/1.1\r\nX: ${'a'.repeat(MAX_HEAD)}\r\n\r\n`);
  assert.deepEqual(read([big]), ['bad head: too-large']);
  const r = prng(7);
  assert.deepEqual(read(cut(big, r, 3000)), ['bad head: too-large']);
  // Without an end in sight the limit alone decides, as it does for the bytes in one piece.
  assert.deepEqual(read(cut(big.subarray(0, MAX_HEAD + 40), r, 1000)), ['bad head: too-large']);
  assert.deepEqual(read(cut(big.subarray(0, MAX_HEAD - 40), r, 1000)), []);
});

test('hasHeadEnd finds CR LF CR LF across pieces exactly where indexOf finds it in the whole (seeded)', () => {
  for (let round = 0; round < 500; round++) {
    const r = prng(1000 + round);
    const bytes = Buffer.from(Array.from({ length: r.int(0, 40) }, () => r.pick([13, 10, 13, 10, 65])));
    const from = r.int(0, bytes.length);
    assert.equal(hasHeadEnd(cut(bytes, r, 5), from), bytes.indexOf('\r\n\r\n', from) >= 0, `round ${round}: ${JSON.stringify(bytes.toString())} from ${from}`);
  }
});

// Regression: empty lines before a start line were held and never counted towards the head's
// size limit, so a client sending only CRLFs was buffered (and joined again at every read)
// until the head deadline. Now they are dropped as they come and count towards MAX_HEAD.
test('empty lines before a request are dropped as they come and count towards the head limit', () => {
  const r = prng(17);
  const reader = new MessageReader();
  let sent = 0;
  let verdict = '';
  while (sent <= MAX_HEAD + 4 && verdict === '') {
    // 1 to 600 bytes of the endless CRLF CRLF … stream, cut anywhere (a CR and its LF apart too).
    const piece = Buffer.from('\r\n'.repeat(301)).subarray(sent % 2, sent % 2 + r.int(1, 600));
    reader.push(piece);
    sent += piece.length;
    const h = reader.head();
    assert.ok(reader.size <= 1, `${reader.size} bytes of empty lines held`);
    if (h.kind === 'bad') verdict = h.code;
    else assert.equal(h.kind, 'more');
  }
  assert.equal(verdict, 'too-large');
  // A few empty lines (a CRLF after a body, cut anywhere) before a request are still skipped.
  const request = Buffer.from('\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n');
  for (let cut = 1; cut < 8; cut++) {
    assert.deepEqual(read([request.subarray(0, cut), request.subarray(cut)]), ['head GET / HTTP/1.1 (27 bytes)']);
  }
});
