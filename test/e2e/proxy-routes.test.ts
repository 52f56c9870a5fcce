/**
 * Regression (docs/protocol.md §13.1), end to end: a proxy client reached addresses outside a
 * bastion's CIDR routes, and the bastion's own loopback, by spelling an address so that the
 * proxy's check and the bastion's resolver read it differently (`010.0.0.1`, `127.1`, `0x7f.1`,
 * `2130706433`…), or by a name that a glob route allowed and that resolved to the bastion's
 * 127.0.0.1 or ::1. Here every spelling we could think of goes through each proxy kind (HTTP,
 * CONNECT, SOCKS4a, SOCKS5 with a name) to real bastion agents, written as raw bytes (curl
 * would normalise some of them first). The bastion serves on its 127.0.0.1, ::1 and a
 * link-local address, and its /etc/hosts (bind-mounted) gives names to those: none of them may
 * ever be reached. A second bastion has a CIDR route naming its 127.0.0.1: only that one is
 * reached, by every spelling of 127.0.0.1 and by `localhost`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startMesh, type Mesh } from '../helpers/mesh.js';
import { canUseNetns, cmdFor, createNetns, destroyAllNetns, execInOk } from '../helpers/netns.js';
import { canUseMountns } from '../helpers/mountns.js';
import { CLI_ARGV } from '../helpers/processes.js';
import { freePort, startFixture, type Service } from '../helpers/services.js';
import { nextVip } from '../helpers/vips.js';
import { waitFor } from '../helpers/wait.js';

const TARGET = fileURLToPath(new URL('../fixtures/bin/proxy-target.mjs', import.meta.url));
const SKIP = canUseNetns() ?? canUseMountns();
const INNER = '10.213.0.1';
const OUTSIDE = '10.213.0.200';
const LINK_LOCAL = '169.254.1.1';

/** The bastion's /etc/hosts: names for its own loopback, link-local and unspecified addresses. */
const BASTION_HOSTS = `127.0.0.1 localhost
::1 ip6-localhost
127.0.0.1 loop.internal
127.0.0.2 loop2.internal
::1 v6loop.internal
::ffff:127.0.0.1 mapped.internal
0.0.0.0 zero.internal
${LINK_LOCAL} ll.internal
${INNER} inner.internal
`;

type Kind = 'http' | 'connect' | 'socks4a' | 'socks5';
const KINDS: readonly Kind[] = ['http', 'connect', 'socks4a', 'socks5'];

/**
 * Spelling → the server it must reach (`hello from NAME`), or `refused`. `b2-loop` is the second
 * bastion's 127.0.0.1, which its CIDR route names.
 */
const TABLE: readonly [string, string][] = [
  [INNER, 'inner'], ['10.213.1', 'inner'], ['012.0325.0.01', 'inner'], ['0xa.0xd5.0.1', 'inner'], ['181731329', 'inner'], ['0XA.0XD5.0X0.0X1', 'inner'],
  ['inner.internal', 'inner'], ['INNER.Internal.', 'inner'], [`${INNER}.`, 'inner'],
  [OUTSIDE, 'refused'], ['10.213.200', 'refused'], ['012.0325.0.0310', 'refused'], ['010.213.0.1', 'refused'], ['0xa.0xd5.0xc8', 'refused'],
  ['127.0.0.1', 'b2-loop'], ['127.1', 'b2-loop'], ['127.0.1', 'b2-loop'], ['0x7f.1', 'b2-loop'], ['2130706433', 'b2-loop'], ['0177.0.0.1', 'b2-loop'],
  ['0x7f000001', 'b2-loop'], ['017700000001', 'b2-loop'], ['127.0.0.1.', 'b2-loop'], ['00000127.0.0.01', 'refused'], ['0127.0.0.1', 'refused'],
  ['localhost', 'b2-loop'], ['LOCALHOST', 'b2-loop'], ['localhost.', 'b2-loop'],
  ['127.0.0.2', 'refused'], ['127.2', 'refused'], ['2130706434', 'refused'], ['0.0.0.0', 'refused'], ['0', 'refused'], ['0x0', 'refused'],
  [LINK_LOCAL, 'refused'], ['0251.0376.1.1', 'refused'],
  ['loop.internal', 'refused'], ['LOOP.INTERNAL.', 'refused'], ['loop2.internal', 'refused'], ['v6loop.internal', 'refused'], ['ip6-localhost', 'refused'],
  ['mapped.internal', 'refused'], ['zero.internal', 'refused'], ['ll.internal', 'refused'],
  ['::1', 'refused'], ['::ffff:127.0.0.1', 'refused'], ['fe80::1%v0', 'refused'], ['::', 'refused'],
  ['%6c%6f%63%61%6c%68%6f%73%74', 'refused'], ['127%2e0%2e0%2e1', 'refused'], ['1.2.3.4.5', 'refused'], ['08.0.0.1', 'refused'], ['256.0.0.1', 'refused'],
];

const GET = 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n';

/** One request through one proxy kind, as raw bytes; the server's name, or `refused` and why. */
function through(kind: Kind, proxy: { host: string; port: number }, spelling: string): Promise<string> {
  const v6 = spelling.includes(':');
  const authority = v6 ? `[${spelling.replace('%', '%25')}]:80` : `${spelling}:80`;
  return new Promise((resolve) => {
    const socket = connect(proxy);
    let buf = Buffer.alloc(0);
    let stage = 0;
    const done = (what: string): void => {
      socket.destroy();
      resolve(what);
    };
    socket.setTimeout(15_000, () => done('timeout'));
    socket.on('error', () => {});
    socket.on('close', () => {
      const text = buf.toString('latin1');
      const hello = /hello from ([\w-]+)$/.exec(text);
      resolve(hello ? hello[1] ?? '' : `refused ${JSON.stringify(text.slice(0, 200))}`);
    });
    const name = Buffer.from(spelling, 'latin1');
    socket.on('connect', () => {
      if (kind === 'http') socket.write(`GET http://${authority}/ HTTP/1.1\r\nHost: ${authority}\r\nConnection: close\r\n\r\n`);
      else if (kind === 'connect') socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`);
      else if (kind === 'socks4a') socket.write(Buffer.concat([Buffer.from([4, 1, 0, 80, 0, 0, 0, 1, 0]), name, Buffer.from([0])]));
      else socket.write(Buffer.from([5, 1, 0]));
    });
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (kind === 'http' || stage === 9) return;
      if (kind === 'connect') {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        if (!buf.toString('latin1', 0, end).startsWith('HTTP/1.1 200')) return;
        buf = buf.subarray(end + 4);
        stage = 9;
        socket.write(GET);
      } else if (kind === 'socks4a') {
        if (buf.length < 8) return;
        if (buf[1] !== 0x5a) return done(`refused socks4 ${buf[1] ?? 0}`);
        buf = buf.subarray(8);
        stage = 9;
        socket.write(GET);
      } else if (stage === 0) {
        if (buf.length < 2) return;
        buf = buf.subarray(2);
        stage = 1;
        socket.write(Buffer.concat([Buffer.from([5, 1, 0, 3, name.length]), name, Buffer.from([0, 80])]));
      } else {
        if (buf.length < 10) return;
        if (buf[1] !== 0) return done(`refused socks5 ${buf[1] ?? 0}`);
        buf = buf.subarray(10);
        stage = 9;
        socket.write(GET);
      }
    });
  });
}

const services: Service[] = [];
const scratch = mkdtempSync(join(tmpdir(), 'nrt-proxy-routes-'));
after(async () => {
  await Promise.all(services.map((s) => s.stop().catch(() => {})));
  destroyAllNetns();
  rmSync(scratch, { recursive: true, force: true });
});

async function target(name: string, host: string, ns: string): Promise<Service> {
  const service = await startFixture(ns, [TARGET, '80', host, name]);
  services.push(service);
  return service;
}

const connections = (s: Service): number => s.proc.lines.filter((l) => l.text.startsWith('connection ')).length;

describe('routes: every spelling of a destination, through every proxy kind, to real bastions', { skip: SKIP, timeout: 180_000 }, () => {
  let mesh: Mesh;
  let http: { host: string; port: number };
  let socks: { host: string; port: number };
  /** Servers that no spelling may reach: the first bastion's own addresses, and OUTSIDE. */
  let forbidden: Service[];

  before(async () => {
    const bastionNs = await createNetns();
    for (const cmd of [
      ['ip', 'link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1'],
      ['ip', 'addr', 'add', `${INNER}/24`, 'dev', 'v0'],
      ['ip', 'addr', 'add', `${OUTSIDE}/24`, 'dev', 'v0'],
      ['ip', 'addr', 'add', `${LINK_LOCAL}/16`, 'dev', 'v0'],
      ['ip', 'link', 'set', 'v0', 'up'],
      ['ip', 'link', 'set', 'v1', 'up'],
    ]) await execInOk(bastionNs, cmd);
    await target('inner', INNER, bastionNs);
    forbidden = [
      await target('outside', OUTSIDE, bastionNs),
      await target('b-loop4', '127.0.0.1', bastionNs),
      await target('b-loop4b', '127.0.0.2', bastionNs),
      await target('b-loop6', '::1', bastionNs),
      await target('b-linklocal', LINK_LOCAL, bastionNs),
    ];
    const bastion2Ns = await createNetns();
    await target('b2-loop', '127.0.0.1', bastion2Ns);
    const hostsFile = join(scratch, 'hosts');
    writeFileSync(hostsFile, BASTION_HOSTS);
    // The first bastion sees its own /etc/hosts, as a container would (never the machine's).
    const bastionCmd = cmdFor(bastionNs, [
      'unshare', '--mount', '--propagation', 'private', '--',
      'sh', '-c', 'mount --bind "$1" /etc/hosts && shift && exec "$@"', 'sh', hostsFile, ...CLI_ARGV,
    ]);
    http = { host: '127.0.0.1', port: await freePort() };
    socks = { host: '127.0.0.1', port: await freePort() };
    mesh = await startMesh([
      { name: 'laptop', vip: nextVip(), http: { listen: `127.0.0.1:${http.port}` }, socks: { listen: `127.0.0.1:${socks.port}` }, loopback: { disable: true } },
      { name: 'bastion', vip: nextVip(), cmd: bastionCmd },
      { name: 'bastion2', vip: nextVip(), cmd: cmdFor(bastion2Ns, [...CLI_ARGV]) },
    ], 15_000, {
      hostTemplate: { dns: { enable: false } },
      // `*` matches every name, digits included: the bastion must still refuse its own addresses.
      routes: [{ via: 'bastion', to: ['10.213.0.0/25', '*'] }, { via: 'bastion2', to: ['127.0.0.1', 'localhost'] }],
    });
    await waitFor(async () => (await through('http', http, INNER)) === 'inner', { timeoutMs: 5000, what: 'the HTTP proxy to reach inner' });
  });
  after(() => mesh?.stop());

  for (const kind of KINDS) {
    test(`${kind}: each spelling reaches what it means, or is refused`, async () => {
      const wrong: string[] = [];
      for (const [spelling, expected] of TABLE) {
        const got = await through(kind, kind === 'http' || kind === 'connect' ? http : socks, spelling);
        const outcome = got.startsWith('refused') ? 'refused' : got;
        if (outcome !== expected) wrong.push(`${spelling}: expected ${expected}, got ${got}`);
      }
      assert.deepEqual(wrong, []);
      assert.deepEqual(forbidden.map((s) => `${s.proc.argv.at(-1) ?? ''} ${connections(s)}`), forbidden.map((s) => `${s.proc.argv.at(-1) ?? ''} 0`));
    });
  }

  test('the bastion says why it refused a name that resolves to its own loopback', () => {
    assert.match(mesh.router.output(), /\[bastion\] refused .*loop\.internal resolves on \S+ only to 127\.0\.0\.1 \(loopback\).*only a CIDR route names such addresses/);
  });
});
