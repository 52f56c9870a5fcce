// Which answers the UDP relay takes. A nameserver's answer is passed on only when it comes from
// a nameserver the query went to, carries the id it went with, and asks the same question
// (src/dns/relay.ts, sameQuestion). The nameservers here are real UDP sockets on loopback that
// answer in a scripted order; the client is a real UDP exchange with the add-on's server.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { DnsServer } from '../../src/dns/dns-server.js';
import { NameTable } from '../../src/dns/name-table.js';
import { sameQuestion, type Upstream } from '../../src/dns/relay.js';
import { HEADER_LEN } from '../../src/dns/packet-guard.js';
import { nextVip } from '../helpers/vips.js';
import { buildQuery, readAnswer, udpExchange } from './helpers.js';

const cleanups: Array<() => unknown> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** `query` turned into an answer with one A record (a compression pointer to the question's name). */
function answerTo(query: Buffer, address: string): Buffer {
  const out = Buffer.concat([query, Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, ...address.split('.').map(Number)])]);
  out[2] = (out[2] as number) | 0x80;
  out[3] = 0x80;
  out.writeUInt16BE(1, 6);
  return out;
}

/** A nameserver that answers each query with what `script` makes of it, in that order. */
async function scriptedServer(script: (query: Buffer) => Buffer[]): Promise<Upstream> {
  const address = nextVip();
  const udp = createSocket('udp4');
  udp.on('message', (msg, from) => {
    for (const datagram of script(msg)) udp.send(datagram, from.port, from.address);
  });
  await new Promise<void>((resolve) => udp.bind(0, address, resolve));
  cleanups.push(() => udp.close());
  return { address, port: udp.address().port };
}

async function relayFor(upstream: Upstream, maxSockets?: number): Promise<{ vip: string; port: number }> {
  const vip = nextVip();
  const server = new DnsServer(new NameTable([{ name: 'host1', vip: '127.0.42.101' }]), [upstream], { vip, log: () => {}, maxSockets });
  const port = await server.listen(0);
  cleanups.push(() => server.close());
  return { vip, port };
}

test('an answer with the right id from the right nameserver but another question is dropped', async () => {
  const upstream = await scriptedServer((query) => {
    const id = query.readUInt16BE(0);
    return [
      answerTo(buildQuery('evil.test', 1, id), '198.51.100.66'), // another name
      answerTo(buildQuery('example.test', 28, id), '198.51.100.67'), // another type
      answerTo(query, '192.0.2.7'),
    ];
  });
  const { vip, port } = await relayFor(upstream);
  for (let i = 0; i < 20; i++) {
    assert.deepEqual(readAnswer(await udpExchange(vip, port, buildQuery('example.test', 1, 100 + i))), { id: 100 + i, rcode: 0, addresses: ['192.0.2.7'] });
  }
});

test('a nameserver that echoes the name in another letter case is still heard', async () => {
  const upstream = await scriptedServer((query) => {
    const echoed = Buffer.from(query);
    for (let i = HEADER_LEN; i < echoed.length; i++) if ((echoed[i] as number) >= 0x61 && (echoed[i] as number) <= 0x7a) echoed[i] = (echoed[i] as number) & ~0x20;
    return [answerTo(echoed, '192.0.2.8')];
  });
  const { vip, port } = await relayFor(upstream);
  assert.deepEqual(readAnswer(await udpExchange(vip, port, buildQuery('example.test', 1, 9))).addresses, ['192.0.2.8']);
});

test('sameQuestion compares names without case and everything else exactly', () => {
  const query = buildQuery('Example.test', 1, 1);
  const end = query.length;
  assert.equal(sameQuestion(buildQuery('example.TEST', 1, 2), query, end), true);
  assert.equal(sameQuestion(buildQuery('example.tesu', 1, 2), query, end), false);
  assert.equal(sameQuestion(buildQuery('example.test', 28, 2), query, end), false);
  assert.equal(sameQuestion(buildQuery('example.test.x', 1, 2), query, end), false);
  assert.equal(sameQuestion(query.subarray(0, end - 1), query, end), false);
  // Label lengths are bytes, not letters: 'a' (0x61) as a length must not equal 'A' (0x41).
  const long = buildQuery(`${'a'.repeat(0x21)}.test`, 1, 1);
  const other = Buffer.from(long);
  other[HEADER_LEN] = 0x01;
  assert.equal(sameQuestion(other, long, long.length), false);
});

/**
 * A nameserver that waits until `count` queries have arrived, then hands all of them, with the
 * port each came from, to `answer` (which sends what it likes from the nameserver's socket).
 */
async function gatheringServer(count: number, answer: (queries: Array<{ query: Buffer; port: number }>, send: (datagram: Buffer, port: number) => void) => void): Promise<Upstream> {
  const address = nextVip();
  const udp = createSocket('udp4');
  const queries: Array<{ query: Buffer; port: number }> = [];
  udp.on('message', (query, from) => {
    queries.push({ query, port: from.port });
    if (queries.length === count) answer(queries, (datagram, port) => udp.send(datagram, port, from.address));
  });
  await new Promise<void>((resolve) => udp.bind(0, address, resolve));
  cleanups.push(() => udp.close());
  return { address, port: udp.address().port };
}

test('queries in flight at once leave from different source ports', async () => {
  let ports: number[] = [];
  const upstream = await gatheringServer(8, (queries, send) => {
    ports = queries.map((q) => q.port);
    for (const { query, port } of queries) send(answerTo(query, '192.0.2.9'), port);
  });
  const { vip, port } = await relayFor(upstream);
  const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => udpExchange(vip, port, buildQuery(`q${i}.example.test`, 1, 200 + i))));
  for (const [i, answer] of answers.entries()) assert.deepEqual(readAnswer(answer), { id: 200 + i, rcode: 0, addresses: ['192.0.2.9'] });
  assert.equal(new Set(ports).size, 8, `source ports ${ports.join(', ')}`);
});

test("an answer right in id, source and question but sent to another query's port is dropped", async () => {
  const upstream = await gatheringServer(2, ([a, b], send) => {
    if (!a || !b) return;
    // First the forgery: a's answer, perfect but for the port it is sent to (b's socket).
    send(answerTo(a.query, '198.51.100.66'), b.port);
    send(answerTo(a.query, '192.0.2.10'), a.port);
    send(answerTo(b.query, '192.0.2.11'), b.port);
  });
  const { vip, port } = await relayFor(upstream);
  const [first, second] = await Promise.all([
    udpExchange(vip, port, buildQuery('one.example.test', 1, 301)),
    udpExchange(vip, port, buildQuery('two.example.test', 1, 302)),
  ]);
  // Which query the nameserver saw first is the kernel's business: each must get its own answer.
  const addresses = [readAnswer(first as Buffer).addresses, readAnswer(second as Buffer).addresses].flat().sort();
  assert.deepEqual(addresses, ['192.0.2.10', '192.0.2.11']);
});

test('beyond the socket cap, queries share sockets and are all answered', async () => {
  let ports: number[] = [];
  const upstream = await gatheringServer(6, (queries, send) => {
    ports = queries.map((q) => q.port);
    for (const { query, port } of queries) send(answerTo(query, '192.0.2.12'), port);
  });
  const { vip, port } = await relayFor(upstream, 2);
  const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => udpExchange(vip, port, buildQuery(`c${i}.example.test`, 1, 400 + i))));
  for (const [i, answer] of answers.entries()) assert.deepEqual(readAnswer(answer), { id: 400 + i, rcode: 0, addresses: ['192.0.2.12'] });
  assert.equal(new Set(ports).size, 2, `source ports ${ports.join(', ')}`);
});
