// The relay's time budget. The bug: with three dead nameservers the relay asked each in turn
// and waited 2 s for each, so a client got SERVFAIL after 6 s, later than glibc (5 s per try)
// and musl (5 s in all) give up; a live nameserver listed after two dead ones answered only
// after 4 s. Now every query has one budget below the stub resolvers' (BUDGET_MS), and the next
// nameserver is asked STAGGER_MS after the previous while the earlier ones keep listening.
// Dead nameservers here are real UDP sockets (and TCP listeners) on loopback that never answer.
// Verdicts are what the client gets (an answer, a SERVFAIL, or nothing before its own timeout),
// with the client's timeout set to glibc's default of 5 s.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import { DnsServer } from '../../src/dns/dns-server.js';
import { NameTable } from '../../src/dns/name-table.js';
import { BUDGET_MS, sendSchedule } from '../../src/dns/relay-schedule.js';
import type { Upstream } from '../../src/dns/relay.js';
import { run, which } from '../helpers/processes.js';
import { nextVip } from '../helpers/vips.js';
import { buildQuery, readAnswer, startUpstream, tcpExchange, udpExchange } from './helpers.js';

/** glibc's default per-try timeout: what a client waits before it gives up on us. */
const CLIENT_TIMEOUT_MS = 5_000;
const DIG_SKIP = which('dig') ? undefined : '`dig` (dnsutils) is not installed';
const cleanups: Array<() => unknown> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

interface Dead {
  upstream: Upstream;
  /** Datagrams and TCP connections received (and never answered). */
  received: number;
}

/** A nameserver that receives and never answers, on UDP and TCP (accepts, holds, says nothing). */
async function deadServer(): Promise<Dead> {
  const address = nextVip();
  const udp: UdpSocket = createSocket('udp4');
  await new Promise<void>((resolve) => udp.bind(0, address, resolve));
  const port = udp.address().port;
  const held: Socket[] = [];
  const tcp: Server = createServer((s) => {
    dead.received++;
    held.push(s);
    s.on('error', () => {});
  });
  await new Promise<void>((resolve) => tcp.listen(port, address, resolve));
  const dead: Dead = { upstream: { address, port }, received: 0 };
  udp.on('message', () => dead.received++);
  cleanups.push(() => {
    udp.close();
    for (const s of held) s.destroy();
    tcp.close();
  });
  return dead;
}

/** A nameserver answering every query with SERVFAIL at once (a broken recursive resolver). */
async function servfailServer(): Promise<Upstream> {
  const address = nextVip();
  const udp = createSocket('udp4');
  udp.on('message', (msg, from) => {
    const answer = Buffer.from(msg);
    answer[2] = ((answer[2] ?? 0) | 0x80) & 0xff; // QR
    answer[3] = 0x82; // RA, RCODE 2
    udp.send(answer, from.port, from.address);
  });
  await new Promise<void>((resolve) => udp.bind(0, address, resolve));
  cleanups.push(() => udp.close());
  return { address, port: udp.address().port };
}

async function liveServer(): Promise<Upstream> {
  const address = nextVip();
  const live = await startUpstream(address, { 'example.test': '192.0.2.7' });
  cleanups.push(() => live.close());
  return { address, port: live.port };
}

async function relayFor(upstreams: Upstream[], timing = {}): Promise<{ vip: string; port: number; logs: string[] }> {
  const vip = nextVip();
  const logs: string[] = [];
  const server = new DnsServer(new NameTable([{ name: 'host1', vip: '127.0.42.101' }]), upstreams, { vip, log: (l) => logs.push(l), ...timing });
  const port = await server.listen(0);
  cleanups.push(() => server.close());
  return { vip, port, logs };
}

test('the schedule: each nameserver first at i × stagger, re-asked every retry, all within the budget', () => {
  assert.deepEqual(sendSchedule(3, { budgetMs: 4000, staggerMs: 500, retryMs: 1500 }), [
    [0, 0], [500, 1], [1000, 2], [1500, 0], [2000, 1], [2500, 2], [3000, 0], [3500, 1],
  ]);
  assert.deepEqual(sendSchedule(1, { budgetMs: 4000, staggerMs: 500, retryMs: 1500 }), [[0, 0], [1500, 0], [3000, 0]]);
  assert.ok(BUDGET_MS < 5000, 'below glibc and musl: 5 s');
});

test('dig: three dead nameservers before a live one, the answer comes from the live one', { skip: DIG_SKIP }, async () => {
  const dead = [await deadServer(), await deadServer(), await deadServer()];
  const { vip, port } = await relayFor([...dead.map((d) => d.upstream), await liveServer()]);
  const r = await run(['dig', `+time=${CLIENT_TIMEOUT_MS / 1000}`, '+tries=1', '-p', String(port), `@${vip}`, 'example.test']);
  assert.match(r.stdout, /status: NOERROR/, `dig: ${r.stdout}${r.stderr}`);
  assert.match(r.stdout, /^example\.test\.\s+\d+\s+IN\s+A\s+192\.0\.2\.7$/m);
  assert.ok(dead.every((d) => d.received >= 1), 'every dead nameserver was asked on the way');
});

test('dig: every nameserver dead, SERVFAIL before the client gives up, after asking each', { skip: DIG_SKIP }, async () => {
  const dead = [await deadServer(), await deadServer(), await deadServer()];
  const { vip, port, logs } = await relayFor(dead.map((d) => d.upstream));
  const r = await run(['dig', `+time=${CLIENT_TIMEOUT_MS / 1000}`, '+tries=1', '-p', String(port), `@${vip}`, 'example.test']);
  assert.match(r.stdout, /status: SERVFAIL/, `dig timed out instead of getting SERVFAIL: ${r.stdout}${r.stderr}`);
  assert.ok(dead.every((d) => d.received >= 1), 'every dead nameserver was asked');
  assert.ok(logs.some((l) => l.includes(`within ${BUDGET_MS} ms`) && dead.every((d) => l.includes(d.upstream.address))), logs.join('\n'));
});

test('TCP: dead nameservers before a live one, then all dead: the answer, then SERVFAIL, within the client timeout', async () => {
  const dead = [await deadServer(), await deadServer()];
  const live = await relayFor([...dead.map((d) => d.upstream), await liveServer()]);
  assert.deepEqual(readAnswer(await tcpExchange(live.vip, live.port, buildQuery('example.test', 1, 41), CLIENT_TIMEOUT_MS)).addresses, ['192.0.2.7']);
  const none = await relayFor(dead.map((d) => d.upstream));
  assert.deepEqual(readAnswer(await tcpExchange(none.vip, none.port, buildQuery('example.test', 1, 42), CLIENT_TIMEOUT_MS)), { id: 42, rcode: 2, addresses: [] });
});

test('SERVFAIL from the first nameserver asks the next at once, without waiting for the stagger', async () => {
  // A stagger longer than the client waits: only the at-once path can answer in time.
  const timing = { staggerMs: 60_000, budgetMs: 120_000 };
  const { vip, port } = await relayFor([await servfailServer(), await liveServer()], timing);
  assert.deepEqual(readAnswer(await udpExchange(vip, port, buildQuery('example.test', 1, 7), CLIENT_TIMEOUT_MS)), { id: 7, rcode: 0, addresses: ['192.0.2.7'] });
  assert.deepEqual(readAnswer(await tcpExchange(vip, port, buildQuery('example.test', 1, 8), CLIENT_TIMEOUT_MS)).addresses, ['192.0.2.7']);
  // Only failures: the failure is passed on as soon as every nameserver said it.
  const both = await relayFor([await servfailServer(), await servfailServer()], timing);
  assert.deepEqual(readAnswer(await udpExchange(both.vip, both.port, buildQuery('example.test', 1, 9), CLIENT_TIMEOUT_MS)), { id: 9, rcode: 2, addresses: [] });
});
