/**
 * End to end: the HTTP and SOCKS proxies and routes, with real hosts (network
 * namespaces), real servers and real clients (curl with -x, --socks5, --socks5-hostname,
 * --socks4, --socks4a; raw sockets). The local host runs the proxies with `loopback.disable`, as
 * on macOS; a "bastion" namespace has a network of its own (a veth pair made inside it) that only
 * routes reach. Needs root, iproute2 and curl: each test says why when it skips.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { manifestText, startMesh, nsHostCmd, type Mesh, type MeshHost } from '../helpers/mesh.js';
import { canUseNetns, createNetns, destroyAllNetns, execInOk } from '../helpers/netns.js';
import { run, which, type RunResult } from '../helpers/processes.js';
import { freePort, randomPayload, sha256, startFixture, startTcpServer, type Service } from '../helpers/services.js';
import { tcpExchange } from '../helpers/tcp.js';
import { nextVip } from '../helpers/vips.js';
import { waitFor } from '../helpers/wait.js';

const TARGET = fileURLToPath(new URL('../fixtures/bin/proxy-target.mjs', import.meta.url));
const SKIP = canUseNetns() ?? (which('curl') ? undefined : '`curl` is not installed');
const BIG = 100 * 1024 * 1024;
/** The bastion's own network: a veth pair made inside its namespace, so no other host has it. */
const INNER = '10.213.0.1';
/** On the same veth, but outside the route (10.213.0.0/25): the bastion could dial it, and must not. */
const OUTSIDE = '10.213.0.200';

const services: Service[] = [];
const scratch = mkdtempSync(join(tmpdir(), 'nrt-proxy-'));
after(async () => {
  await Promise.all(services.map((s) => s.stop().catch(() => {})));
  destroyAllNetns();
  rmSync(scratch, { recursive: true, force: true });
});

/** proxy-target.mjs in `ns` (or here), answering "hello from NAME"; its lines count connections. */
async function target(name: string, host: string, port: number, ns?: string): Promise<Service> {
  const service = await startFixture(ns, [TARGET, String(port), host, name]);
  services.push(service);
  return service;
}

const connections = (s: Service): number => s.proc.lines.filter((l) => l.text.startsWith('connection ')).length;

function curl(args: readonly string[], timeoutMs = 10_000): Promise<RunResult> {
  return run(['curl', '-sS', '--max-time', String(timeoutMs / 1000), ...args], { timeoutMs: timeoutMs + 2000 });
}

/** The bytes proxy-target.mjs serves at /stream/N: AES-128-CTR keystream, zero key and iv. */
function streamSha(n: number): string {
  const cipher = createCipheriv('aes-128-ctr', Buffer.alloc(16), Buffer.alloc(16));
  const hash = createHash('sha256');
  const zero = Buffer.alloc(1024 * 1024);
  for (let left = n; left > 0; left -= zero.length) hash.update(cipher.update(zero.subarray(0, Math.min(left, zero.length))));
  return hash.digest('hex');
}

describe('proxies and routes: a loopback-less local host, a web host and a bastion', { skip: SKIP, timeout: 120_000 }, () => {
  let mesh: Mesh;
  let web: Service;
  let outside: Service;
  let localOnly: Service;
  let bastionLocalhost: Service;
  let httpProxy: string;
  let socksProxy: string;
  const webVip = nextVip();
  let hosts: MeshHost[];
  let top: Record<string, unknown>;

  before(async () => {
    const webNs = await createNetns();
    web = await target('web', '127.0.0.1', 80, webNs);
    services.push(await startTcpServer('upload', { ns: webNs, port: 9001 }));
    const bastionNs = await createNetns();
    for (const cmd of [
      ['ip', 'link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1'],
      ['ip', 'addr', 'add', `${INNER}/24`, 'dev', 'v0'],
      ['ip', 'addr', 'add', `${OUTSIDE}/24`, 'dev', 'v0'],
      ['ip', 'link', 'set', 'v0', 'up'],
      ['ip', 'link', 'set', 'v1', 'up'],
    ]) await execInOk(bastionNs, cmd);
    await target('inner', INNER, 80, bastionNs);
    outside = await target('outside', OUTSIDE, 80, bastionNs);
    bastionLocalhost = await target('bastion-localhost', '127.0.0.1', 80, bastionNs);
    // On the machine the proxies run on: no route covers it, so it must never be fetched.
    localOnly = await target('local-only', '127.0.0.1', 0);
    httpProxy = `127.0.0.1:${await freePort()}`;
    socksProxy = `127.0.0.1:${await freePort()}`;
    hosts = [
      { name: 'laptop', vip: nextVip(), http: { listen: httpProxy }, socks: { listen: socksProxy }, loopback: { disable: true } },
      { name: 'web', vip: webVip, cmd: nsHostCmd(webNs), ports: ['8080:127.0.0.1:80', '9001:127.0.0.1:9001'], dns: { aliases: ['www'] } },
      { name: 'bastion', vip: nextVip(), cmd: nsHostCmd(bastionNs) },
    ];
    top = {
      // Names with the suffix, without a DNS server anywhere: the proxies resolve them themselves.
      hostTemplate: { dns: { enable: false, domain: 'mesh' } },
      routes: [{ via: 'bastion', to: ['10.213.0.0/25', 'localhost'] }],
    };
    mesh = await startMesh(hosts, 15_000, top);
    await waitFor(async () => (await curl(['-x', `http://${httpProxy}`, 'http://web:8080/'])).stdout === 'hello from web'
      && (await curl(['--socks5-hostname', socksProxy, 'http://web:8080/'])).stdout === 'hello from web',
    { timeoutMs: 5000, what: 'both proxies to answer' });
  });
  after(() => mesh?.stop());

  test('HTTP proxy: a host by name, alias, name.domain and VIP', async () => {
    for (const host of ['web', 'www', 'web.mesh', 'WWW.mesh', webVip]) {
      const r = await curl(['-x', `http://${httpProxy}`, `http://${host}:8080/`]);
      assert.equal(r.stdout, 'hello from web', `${host}: ${r.stderr}`);
    }
  });

  test('HTTP proxy: CONNECT (curl -p) by name and VIP', async () => {
    for (const host of ['web.mesh', webVip]) {
      const r = await curl(['-p', '-x', `http://${httpProxy}`, `http://${host}:8080/`]);
      assert.equal(r.stdout, 'hello from web', `${host}: ${r.stderr}`);
    }
  });

  test('SOCKS: 5 and 4a resolve names at the proxy; 5 and 4 take the VIP, or a name the client resolved', async () => {
    for (const kind of ['--socks5-hostname', '--socks4a']) {
      for (const host of ['web', 'www.mesh', webVip]) {
        const r = await curl([kind, socksProxy, `http://${host}:8080/`]);
        assert.equal(r.stdout, 'hello from web', `${kind} ${host}: ${r.stderr}`);
      }
    }
    for (const kind of ['--socks5', '--socks4']) {
      for (const extra of [[`http://${webVip}:8080/`], ['--resolve', `web:8080:${webVip}`, 'http://web:8080/']]) {
        const r = await curl([kind, socksProxy, ...extra]);
        assert.equal(r.stdout, 'hello from web', `${kind} ${extra.join(' ')}: ${r.stderr}`);
      }
    }
  });

  test('loopback.disable: the local host listens on no VIP; only its proxies reach the mesh', async () => {
    const outcome = await tcpExchange(webVip, 8080, { halfClose: false, timeoutMs: 3000 });
    assert.equal(outcome.code, 'ECONNREFUSED', `expected nothing on ${webVip}:8080 here, got ${outcome.end} ${outcome.code ?? ''}`);
  });

  test('a route reaches a network only the bastion has; a name route is no way into the bastion\'s own loopback', async () => {
    for (const args of [['-x', `http://${httpProxy}`], ['-p', '-x', `http://${httpProxy}`], ['--socks5-hostname', socksProxy], ['--socks4', socksProxy]]) {
      const r = await curl([...args, `http://${INNER}/`]);
      assert.equal(r.stdout, 'hello from inner', `${args.join(' ')}: ${r.stderr}`);
    }
    // Regression (docs/protocol.md §13.1): `localhost` matches the route's glob, and used to
    // reach the bastion's own loopback. A name route never does unless a CIDR route names it.
    const r = await curl(['-x', `http://${httpProxy}`, '-w', '\n%{http_code}', 'http://localhost/']);
    assert.match(r.stdout, /localhost resolves on \S+ only to 127\.0\.0\.1 \(loopback\).*\n\n403$/, r.stderr);
    assert.equal(connections(bastionLocalhost), 0);
  });

  // Regression: a CONNECT socket that node:http handed over had no 'error' listener, so curl
  // resetting it after the 403 killed the whole agent (the SOCKS requests below then failed).
  test('outside the mesh and every route: refused with a reason, and never dialled', async () => {
    const before = { outside: connections(outside), local: connections(localOnly) };
    for (const url of [`http://${OUTSIDE}/`, `http://127.0.0.1:${localOnly.port}/`]) {
      const r = await curl(['-x', `http://${httpProxy}`, '-w', '\n%{http_code}', url]);
      assert.match(r.stdout, /^norouter proxy: .* is not a host of the mesh and matches no route .*\n\n403$/, url);
      const tunnel = await curl(['-p', '-x', `http://${httpProxy}`, url]);
      assert.match(tunnel.stderr, /403/, `CONNECT ${url}: ${tunnel.stderr}`);
      const socks5 = await curl(['--socks5-hostname', socksProxy, url]);
      assert.equal(socks5.code, 97, `SOCKS5 ${url}: ${socks5.stderr}`);
      assert.match(socks5.stderr, /\(2\)|not allowed/i, socks5.stderr);
      const socks4 = await curl(['--socks4', socksProxy, url]);
      assert.notEqual(socks4.code, 0, `SOCKS4 ${url}`);
    }
    const unpublished = await curl(['-x', `http://${httpProxy}`, '-w', '\n%{http_code}', 'http://web:9999/']);
    assert.match(unpublished.stdout, /publishes no port 9999\n\n403$/);
    assert.deepEqual({ outside: connections(outside), local: connections(localOnly) }, before);
    assert.equal(before.outside + before.local, 0);
  });

  test('a dial that fails at the far end: 502 naming why, SOCKS5 "connection refused"', async () => {
    const r = await curl(['-x', `http://${httpProxy}`, '-w', '\n%{http_code}', `http://${INNER}:81/`]);
    assert.match(r.stdout, /ECONNREFUSED\n\n502$/);
    const socks = await curl(['--socks5', socksProxy, `http://${INNER}:81/`]);
    assert.equal(socks.code, 97);
    assert.match(socks.stderr, /\(5\)|refused/i, socks.stderr);
  });

  test('HTTP keep-alive: one client connection and one upstream connection for many requests', async () => {
    const was = connections(web);
    const urls = Array.from({ length: 5 }, (_, i) => `http://web:8080/${i}`);
    const r = await curl(['-x', `http://${httpProxy}`, '-w', ' %{num_connects}\n', ...urls]);
    assert.equal(r.stdout, 'hello from web 1\nhello from web 0\nhello from web 0\nhello from web 0\nhello from web 0\n', r.stderr);
    // Each client connection has its own upstream connection (src/proxy/http-session.ts): one for all five.
    assert.equal(connections(web) - was, 1, `${connections(web) - was} upstream connections for 5 requests`);
  });

  test('100 MB each way through the HTTP proxy, a CONNECT tunnel and SOCKS5 keep their bytes', { timeout: 60_000 }, async () => {
    const expected = streamSha(BIG);
    const upload = randomPayload(BIG);
    const file = join(scratch, 'upload.bin');
    writeFileSync(file, upload);
    const uploadSha = sha256(upload);
    const ways = [['-x', `http://${httpProxy}`], ['-p', '-x', `http://${httpProxy}`], ['--socks5-hostname', socksProxy]];
    for (const way of ways) {
      const down = await run(['sh', '-c', 'curl -sS --max-time 30 "$@" | sha256sum', 'sh', ...way, `http://web:8080/stream/${BIG}`], { timeoutMs: 35_000 });
      assert.equal(down.stdout.split(' ')[0], expected, `download ${way.join(' ')}: ${down.stderr}`);
      const up = await curl([...way, '--data-binary', `@${file}`, '-H', 'content-type: application/octet-stream', 'http://web:8080/upload'], 30_000);
      assert.equal(up.stdout, `${BIG} ${uploadSha}`, `upload ${way.join(' ')}: ${up.stderr}`);
    }
  });

  // The HTTP proxy forwards bodies as framed and follows the framing (src/proxy/http-session.ts):
  // a chunked upload (with curl's Expect: 100-continue), then HEAD and GET on one connection.
  test('HTTP proxy: a chunked upload, and HEAD then GET on one keep-alive connection', async () => {
    const data = randomPayload(3 * 1024 * 1024);
    const file = join(scratch, 'chunked.bin');
    writeFileSync(file, data);
    const up = await curl(['-x', `http://${httpProxy}`, '-H', 'Transfer-Encoding: chunked', '--data-binary', `@${file}`, 'http://web:8080/upload']);
    assert.equal(up.stdout, `${data.length} ${sha256(data)}`, up.stderr);
    const r = await curl(['-x', `http://${httpProxy}`, '-I', 'http://web:8080/stream/1000', '--next', '-x', `http://${httpProxy}`, '-w', ' %{num_connects}', 'http://web:8080/']);
    assert.match(r.stdout, /^HTTP\/1\.1 200 OK\r\n/, r.stderr);
    assert.match(r.stdout, /^content-length: 1000\r$/im);
    // The server's Connection and Keep-Alive fields are hop-by-hop: the proxy drops them.
    assert.doesNotMatch(r.stdout, /^(connection|keep-alive):/im);
    assert.match(r.stdout, /\r\n\r\nhello from web 0$/);
  });

  test('a raw CONNECT tunnel carries a half-close: 100 MB up, then the answer after EOF', { timeout: 30_000 }, async () => {
    const data = randomPayload(BIG);
    const [host, port] = httpProxy.split(':');
    const outcome = await tcpExchange(host ?? '', Number(port), {
      send: Buffer.concat([Buffer.from(`CONNECT web:9001 HTTP/1.1\r\nHost: web:9001\r\n\r\n`), data]),
      timeoutMs: 25_000,
    });
    assert.equal(outcome.end, 'eof');
    assert.equal(outcome.data.toString(), `HTTP/1.1 200 Connection Established\r\n\r\n${BIG} ${sha256(data)}\n`);
  });

  // Last: it changes the mesh. Routes and proxies follow a reload (CONFIG); only a proxy whose
  // address changed is restarted, and no agent is.
  test('a reload moves the SOCKS proxy and withdraws the route, live', { timeout: 30_000 }, async () => {
    const newSocks = `127.0.0.1:${await freePort()}`;
    const laptop = hosts[0]!;
    const next = hosts.map((h) => (h === laptop ? { ...h, socks: { listen: newSocks } } : h));
    writeFileSync(mesh.manifestPath, manifestText(next, { ...top, routes: [{ via: 'bastion', to: ['localhost'] }] }));
    mesh.router.child.kill('SIGHUP');
    const summary = await mesh.router.waitForLine(/^norouter: reload .*laptop: ~proxies\/routes/, 10_000);
    assert.match(summary, /bastion: ~proxies\/routes/);
    await waitFor(async () => (await curl(['--socks5-hostname', newSocks, 'http://web:8080/'])).stdout === 'hello from web',
      { timeoutMs: 5000, what: `the SOCKS proxy on ${newSocks}` });
    const old = await curl(['--socks5-hostname', socksProxy, 'http://web:8080/']);
    assert.equal(old.code, 7, 'the old SOCKS address still answers');
    const r = await curl(['-x', `http://${httpProxy}`, '-w', '\n%{http_code}', `http://${INNER}/`]);
    assert.match(r.stdout, /matches no route .*\n\n403$/);
    const log = mesh.router.output();
    assert.match(log, /\[laptop\] socks proxy: stopped listening on /);
    assert.doesNotMatch(log, /\[laptop\] http proxy: stopped listening/);
    assert.doesNotMatch(log, /laptop: agent exited|laptop: restarting/);
  });
});
