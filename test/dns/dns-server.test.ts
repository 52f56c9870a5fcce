// The DNS server of one agent, against real clients on loopback: dig, raw UDP and TCP,
// and a plain dns2 server as the host's own nameserver. No root needed (ports from the kernel).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { DnsServer } from '../../src/dns/dns-server.js';
import { NameTable } from '../../src/dns/name-table.js';
import { run, which } from '../helpers/processes.js';
import { nextVip } from '../helpers/vips.js';
import { buildQuery, readAnswer, startUpstream, tcpExchange, udpExchange } from './helpers.js';

const vip = nextVip();
const upstreamIp = nextVip();
const names = [{ name: 'host1', vip: '127.0.42.101' }, { name: 'host2', vip: '127.0.42.102' }, { name: 'www', vip: '127.0.42.102' }];
let server: DnsServer;
let port = 0;
let upstream: Awaited<ReturnType<typeof startUpstream>>;
const logs: string[] = [];

before(async () => {
  upstream = await startUpstream(upstreamIp, { 'example.test': '192.0.2.7' });
  server = new DnsServer(new NameTable(names, 'mesh'), [{ address: upstreamIp, port: upstream.port }], { vip, log: (l) => logs.push(l), budgetMs: 600 });
  port = await server.listen(0);
});
after(async () => {
  await server.close();
  await upstream.close();
});

const dig = which('dig');
async function digShort(...args: string[]): Promise<string> {
  const r = await run(['dig', '+short', '+time=2', '+tries=1', '-p', String(port), `@${vip}`, ...args]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim();
}

test('dig: A over UDP and TCP, any case, with and without the suffix', { skip: dig ? false : '`dig` (dnsutils) is not installed' }, async () => {
  assert.equal(await digShort('host2'), '127.0.42.102');
  assert.equal(await digShort('+tcp', 'host2'), '127.0.42.102');
  assert.equal(await digShort('HoSt1.MESH'), '127.0.42.101');
  assert.equal(await digShort('www.mesh'), '127.0.42.102');
  assert.equal(await digShort('example.test'), '192.0.2.7', 'relayed');
  assert.equal(await digShort('+tcp', 'example.test'), '192.0.2.7', 'relayed over TCP');
});

test('AAAA for a known name: NOERROR with no records (musl fails the whole lookup on NXDOMAIN)', async () => {
  const a = readAnswer(await udpExchange(vip, port, buildQuery('host2', 28)));
  assert.deepEqual({ rcode: a.rcode, addresses: a.addresses }, { rcode: 0, addresses: [] });
});

test('relay: the raw query reaches the nameserver (EDNS option intact) and the client gets its own id', async () => {
  const option = randomBytes(8);
  const query = buildQuery('example.test', 1, 0xbeef, option);
  const before = upstream.seen.length;
  const answer = await udpExchange(vip, port, query);
  assert.deepEqual(readAnswer(answer), { id: 0xbeef, rcode: 0, addresses: ['192.0.2.7'] });
  const seen = upstream.seen[before];
  assert.ok(seen);
  assert.deepEqual(seen.subarray(2), query.subarray(2), 'everything but the id is byte for byte');
  const nx = readAnswer(await udpExchange(vip, port, buildQuery('nothing.test', 1, 7)));
  assert.deepEqual(nx, { id: 7, rcode: 3, addresses: [] }, 'NXDOMAIN passes through');
});

test('a nameserver that never answers: SERVFAIL, with the client id', async () => {
  const silent = createSocket('udp4');
  await new Promise<void>((resolve) => silent.bind(0, upstreamIp, resolve));
  const lonely = new DnsServer(new NameTable(names), [{ address: upstreamIp, port: silent.address().port }], { vip, log: () => {}, budgetMs: 300 });
  const p = await lonely.listen(0);
  try {
    assert.deepEqual(readAnswer(await udpExchange(vip, p, buildQuery('example.test', 1, 99))), { id: 99, rcode: 2, addresses: [] });
    assert.equal(readAnswer(await tcpExchange(vip, p, buildQuery('example.test', 1, 98))).rcode, 2);
  } finally {
    await lonely.close();
    silent.close();
  }
});

test('a reload serves new names at once, with the same sockets', async () => {
  server.setTable(new NameTable([...names, { name: 'host3', vip: '127.0.42.103' }]));
  assert.deepEqual(readAnswer(await udpExchange(vip, port, buildQuery('host3'))).addresses, ['127.0.42.103']);
  server.setTable(new NameTable(names, 'mesh'));
  assert.equal(readAnswer(await udpExchange(vip, port, buildQuery('host3'))).rcode, 3, 'host3 is gone: relayed, NXDOMAIN');
});

// Regression guard: dns2 3.0.0 stalls for seconds parsing one 12-byte packet whose header claims
// 65,535 records. The guard drops such packets; after 10,000 random and crafted packets the
// server still answers within 50 ms.
test('10,000 random and crafted packets leave the server answering', async (t) => {
  // No upstream: what is relayed gets SERVFAIL at once. (A plain dns2 upstream in this same
  // process would itself stall on what we relay to it, and take this test's event loop along.)
  const server = new DnsServer(new NameTable(names), [], { vip, log: () => {} });
  const port = await server.listen(0);
  after(() => server.close());
  const sender = createSocket('udp4');
  const crafted = (i: number): Buffer => {
    switch (i % 5) {
      case 0: return Buffer.from([0, i & 0xff, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
      case 1: return randomBytes(1 + (i % 600));
      case 2: {
        const q = buildQuery('host2');
        q.writeUInt16BE(0xffff, 6 + 2 * (i % 3)); // one section claims 65,535 records
        return q;
      }
      case 3: return Buffer.concat([buildQuery('host1').subarray(0, 12), Buffer.from([0xc0, 0x0c, 0xc0, 0x0c])]);
      default: {
        const q = buildQuery(`x${i}.host2`);
        q[12 + (i % 6)] = 0xff; // a broken label
        return q;
      }
    }
  };
  // Bursts of 100, each followed by a real query that waits behind the burst: a packet that
  // stalls the server (dns2's stall lasts seconds) fails it. One flood of 10,000 would overflow
  // the socket's receive buffer and lose the query, proving nothing.
  let worstBurst = 0;
  for (let burst = 0; burst < 100; burst++) {
    for (let i = burst * 100; i < (burst + 1) * 100; i++) sender.send(crafted(i), port, vip);
    await new Promise<void>((resolve) => sender.send(Buffer.alloc(0), port, vip, () => resolve()));
    const started = process.hrtime.bigint();
    const answer = readAnswer(await udpExchange(vip, port, buildQuery('host2', 1, burst), 5000));
    worstBurst = Math.max(worstBurst, Number(process.hrtime.bigint() - started) / 1e6);
    assert.deepEqual(answer.addresses, ['127.0.42.102']);
  }
  sender.close();
  // Then the server answers as it did before the flood. What proves no crafted packet reached the
  // parser is the guard's own count, not a clock (a median under 50 ms failed on a busy machine
  // with nothing wrong); the times are printed for the record.
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const started = process.hrtime.bigint();
    assert.deepEqual(readAnswer(await udpExchange(vip, port, buildQuery('host1', 1, i), 1000)).addresses, ['127.0.42.101']);
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  t.diagnostic(`answers after the flood: ${times.map((x) => x.toFixed(1)).join(', ')} ms; the slowest burst: ${worstBurst.toFixed(1)} ms`);
  assert.ok(server.counters.dropped > 1000, `dropped ${server.counters.dropped}`);
});
