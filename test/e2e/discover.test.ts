/**
 * End to end: port discovery (docs/discovery.md) on real hosts. Network namespaces stand in for
 * containers; servers are real processes started inside them after the mesh is up; clients run
 * inside another namespace and reach them at the discovering host's VIP. Every wait is bounded
 * and polls for the thing itself (a connection, a log line, a listener), never a fixed sleep.
 * One real podman container runs a server started later, too.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { httpGetIn, waitForBody } from '../helpers/http.js';
import { startMesh, nsHostCmd, type Mesh, type MeshHost } from '../helpers/mesh.js';
import { canUseNetns, cmdFor, createNetns, destroyAllNetns, execIn } from '../helpers/netns.js';
import { CLI_ARGV, FollowedProcess, allProcesses, run, which } from '../helpers/processes.js';
import { startHttpServer, type Service } from '../helpers/services.js';
import { nextVip } from '../helpers/vips.js';
import { waitFor } from '../helpers/wait.js';
import { canRunPodman, NODE_IN_CONTAINER, removeAllContainers, startContainer } from '../helpers/podman.js';

const SKIP = canUseNetns() ?? (which('curl') ? undefined : '`curl` is not installed') ?? (which('ss') ? undefined : '`ss` (iproute2) is not installed');
const LISTEN_MANY = fileURLToPath(new URL('../fixtures/bin/listen-many.mjs', import.meta.url));
const LINE_CLIENT = fileURLToPath(new URL('../fixtures/bin/line-client.mjs', import.meta.url));
/** A discovered port is reachable "within about a second"; the bound leaves a busy machine room. */
const APPEAR_MS = 10_000;

const services: Service[] = [];
const procs: FollowedProcess[] = [];
after(async () => {
  await Promise.all(services.map((s) => s.stop().catch(() => {})));
  await Promise.all(procs.map((p) => p.stop('SIGKILL').catch(() => {})));
  destroyAllNetns();
});

async function serve(start: Promise<Service>): Promise<Service> {
  const s = await start;
  services.push(s);
  return s;
}

function follow(argv: string[]): FollowedProcess {
  const p = new FollowedProcess(argv);
  procs.push(p);
  return p;
}

/** The addresses `ns` listens on for TCP, as `ss` prints them (`127.0.42.101:8080`). */
async function listening(ns: string): Promise<Set<string>> {
  const r = await execIn(ns, ['ss', '-ltnH']);
  return new Set(r.stdout.split('\n').map((l) => l.trim().split(/\s+/)[3]).filter((a): a is string => Boolean(a)));
}

/** curl's verdict on a connection to url from ns: the body, or its error (exit 7 is "refused"). */
async function tryGet(ns: string, url: string): Promise<string> {
  try {
    return (await httpGetIn(ns, url, 2000)).body;
  } catch (error) {
    return `error: ${(error as Error).message}`;
  }
}

describe('port discovery across network namespaces', { skip: SKIP, timeout: 180_000 }, () => {
  let mesh: Mesh;
  let ns1: string; // h1: discover: true, and one explicit port
  let ns2: string; // h2: does not discover; the client side
  let ns3: string; // h3: discover with filters
  const h1: MeshHost = { name: 'h1', vip: nextVip(), discover: true, ports: ['7000:127.0.0.1:7001'] };
  const h2: MeshHost = { name: 'h2', vip: nextVip() };
  const h3: MeshHost = { name: 'h3', vip: nextVip(), discover: { include: ['3000-3999'], exclude: [3500] } };
  const log = () => mesh.router.output();

  before(async () => {
    [ns1, ns2, ns3] = [await createNetns(), await createNetns(), await createNetns()];
    h1.cmd = nsHostCmd(ns1);
    h2.cmd = nsHostCmd(ns2);
    h3.cmd = nsHostCmd(ns3);
    mesh = await startMesh([h1, h2, h3]);
  });
  after(async () => mesh?.stop());

  test('a server started after the mesh is up is reachable by VIP from another host; stopping it withdraws it', async () => {
    const web = await serve(startHttpServer('late server', { ns: ns1 }));
    const url = `http://${h1.vip}:${web.port}/`;
    await waitForBody(ns2, url, 'late server', APPEAR_MS);
    await mesh.router.waitForLine(new RegExp(`^norouter: h1: discovered port ${web.port} \\(listening at 127\\.0\\.0\\.1:${web.port}\\): published as ${h1.vip.replaceAll('.', '\\.')}:${web.port}$`), 1000);
    // `norouter status` lists it, with since when.
    const status = await run([...CLI_ARGV, 'status', '--json', mesh.manifestPath]);
    const host = (JSON.parse(status.stdout) as { meshes: { hosts: { name: string; discovered: { port: number; dialled: string; since: string }[] }[] }[] }).meshes[0]?.hosts.find((h) => h.name === 'h1');
    const entry = host?.discovered.find((d) => d.port === web.port);
    assert.equal(entry?.dialled, '127.0.0.1', status.stdout);
    assert.ok(Date.parse(entry?.since ?? "") <= Date.now());
    await web.stop();
    await mesh.router.waitForLine(new RegExp(`^norouter: h1: discovered port ${web.port} withdrawn \\(no longer listening\\)$`), APPEAR_MS);
    // Withdrawn everywhere: h2 no longer listens on it, so a new connection is refused at once.
    await waitFor(async () => !(await listening(ns2)).has(`${h1.vip}:${web.port}`), { timeoutMs: APPEAR_MS, what: `h2 to stop listening on ${h1.vip}:${web.port}` });
    assert.match(await tryGet(ns2, url), /^error: .*(Connection refused|Failed to connect)/);
  });

  test('IPv4-any, IPv6-any and IPv6-loopback listeners are all reached, from the other host and from their own', async () => {
    const any4 = await serve(startHttpServer('any4', { ns: ns1, host: '0.0.0.0' }));
    const any6 = await serve(startHttpServer('any6', { ns: ns1, host: '::' }));
    const lo6 = await serve(startHttpServer('lo6', { ns: ns1, host: '::1' }));
    for (const [s, body] of [[any4, 'any4'], [any6, 'any6'], [lo6, 'lo6']] as const) {
      await waitForBody(ns2, `http://${h1.vip}:${s.port}/`, body, APPEAR_MS);
      // On h1 itself: its own VIP, held by the server's wildcard socket or by the agent.
      await waitForBody(ns1, `http://${h1.vip}:${s.port}/`, body, APPEAR_MS);
    }
    assert.match(log(), new RegExp(`h1: discovered port ${lo6.port} \\(listening at \\[::1\\]:${lo6.port}\\)`));
    // A wildcard socket holds the host's own VIP too: the agent does not try to listen there.
    assert.doesNotMatch(log(), /h1: not listening on/);
    // Stopped: a later server on 127.0.0.1 may get the port number the ::1 one has, and would
    // then not be withdrawn when it stops (the port would still listen, on ::1).
    await Promise.all([any4.stop(), any6.stop(), lo6.stop()]);
    for (const s of [any4, any6, lo6]) await mesh.router.waitForLine(new RegExp(`h1: discovered port ${s.port} withdrawn`), APPEAR_MS);
  });

  test('filters: only included ports, never excluded or administrative ones', async () => {
    // Started before the sentinel: the scan that finds the sentinel has seen them too.
    const excluded = await serve(startHttpServer('excluded', { ns: ns3, port: 3500 }));
    const outside = await serve(startHttpServer('outside', { ns: ns3, port: 4000 }));
    const ssh = await serve(startHttpServer('not ssh', { ns: ns1, port: 22 }));
    const sentinel1 = await serve(startHttpServer('sentinel1', { ns: ns1 }));
    const sentinel3 = await serve(startHttpServer('sentinel3', { ns: ns3, port: 3001 }));
    await waitForBody(ns2, `http://${h3.vip}:3001/`, 'sentinel3', APPEAR_MS);
    await waitForBody(ns2, `http://${h1.vip}:${sentinel1.port}/`, 'sentinel1', APPEAR_MS);
    const on2 = await listening(ns2);
    for (const a of [`${h3.vip}:${excluded.port}`, `${h3.vip}:${outside.port}`, `${h1.vip}:${ssh.port}`]) assert.ok(!on2.has(a), `${a} is not published`);
    assert.ok(on2.has(`${h3.vip}:${sentinel3.port}`));
    assert.doesNotMatch(log(), /discovered port (22|3500|4000)\b/);
  });

  test('a discovered port equal to an explicit one: the explicit port wins', async () => {
    await serve(startHttpServer('explicit target', { ns: ns1, port: 7001 }));
    await serve(startHttpServer('discovered', { ns: ns1, port: 7000 }));
    const sentinel = await serve(startHttpServer('sentinel', { ns: ns1 }));
    await waitForBody(ns2, `http://${h1.vip}:${sentinel.port}/`, 'sentinel', APPEAR_MS);
    assert.equal((await httpGetIn(ns2, `http://${h1.vip}:7000/`)).body, 'explicit target');
    assert.match(log(), /h1: discovered port 7000 not published: the host publishes it in its ports already/);
    assert.match(log(), /h1: discovered port 7001 not published: the host publishes it in its ports already/);
  });

  test('a withdrawn port refuses new connections at once and leaves established ones alone', async () => {
    const server = follow(cmdFor(ns1, [process.execPath, LISTEN_MANY, '1']));
    const port = Number((await server.waitForLine(/^listening \d+$/)).split(' ')[1]);
    await waitFor(async () => (await listening(ns2)).has(`${h1.vip}:${port}`), { timeoutMs: APPEAR_MS, what: `h2 to listen on ${h1.vip}:${port}` });
    const client = follow(cmdFor(ns2, [process.execPath, LINE_CLIENT, h1.vip, String(port)]));
    await client.waitForLine(/^connected$/);
    client.child.stdin!.write('before\n');
    await client.waitForLine(/^got before$/);
    server.child.stdin!.write('close\n');
    await server.waitForLine(/^closed$/);
    await mesh.router.waitForLine(new RegExp(`h1: discovered port ${port} withdrawn`), APPEAR_MS);
    await waitFor(async () => !(await listening(ns2)).has(`${h1.vip}:${port}`), { timeoutMs: APPEAR_MS, what: `h2 to stop listening on ${h1.vip}:${port}` });
    const late = follow(cmdFor(ns2, [process.execPath, LINE_CLIENT, h1.vip, String(port)]));
    assert.equal(await late.waitForLine(/^(connected|refused \w+)$/), 'refused ECONNREFUSED');
    client.child.stdin!.write('after\n');
    await client.waitForLine(/^got after$/);
    assert.ok(!client.lines.some((l) => l.text === 'end'), 'the established connection is still open');
  });

  test('1,000 listeners appearing at once are all published, and all withdrawn', async () => {
    const publishedBefore = [...await listening(ns2)].filter((a) => a.startsWith(`${h1.vip}:`));
    const many = follow(cmdFor(ns1, [process.execPath, LISTEN_MANY, '1000']));
    const ports = (await many.waitForLine(/^listening [\d,]+$/, 30_000)).split(' ')[1]!.split(',').map(Number);
    assert.equal(ports.length, 1000);
    const published = async () => ports.filter((p) => on.has(`${h1.vip}:${p}`)).length;
    let on = new Set<string>();
    await waitFor(async () => {
      on = await listening(ns2);
      return (await published()) === 1000;
    }, { timeoutMs: 60_000, intervalMs: 250, what: 'h2 to listen on all 1,000 discovered ports' });
    for (const port of [ports[0]!, ports[499]!, ports[999]!]) {
      const c = follow(cmdFor(ns2, [process.execPath, LINE_CLIENT, h1.vip, String(port)]));
      await c.waitForLine(/^connected$/);
      c.child.stdin!.write(`ping ${port}\n`);
      await c.waitForLine(new RegExp(`^got ping ${port}$`));
      await c.stop('SIGKILL');
    }
    many.child.stdin!.end();
    await many.exited;
    try {
      await waitFor(async () => {
        on = await listening(ns2);
        return (await published()) === 0;
      }, { timeoutMs: 60_000, intervalMs: 250, what: 'h2 to stop listening on all 1,000 ports' });
      assert.deepEqual([...on].filter((a) => a.startsWith(`${h1.vip}:`)).sort(), publishedBefore.sort(), 'what h1 published before is left as it was');
    } catch (error) {
      const left = ports.filter((p) => on.has(`${h1.vip}:${p}`));
      const h1ss = (await execIn(ns1, ['ss', '-ltnpH'])).stdout.split('\n').filter((l) => left.some((p) => l.includes(`:${p} `)));
      const said = mesh.router.lines.map((l) => l.text).filter((t) => left.some((p) => t.includes(`port ${p} `)));
      throw new Error(`${(error as Error).message}; still on h2: ${left.join(', ')}; on h1: ${h1ss.join(' | ')}; router: ${said.join(' | ')}`, { cause: error });
    }
  });

  test('a host whose agent restarts keeps discovering', async () => {
    const before = await serve(startHttpServer('before restart', { ns: ns1 }));
    await waitForBody(ns2, `http://${h1.vip}:${before.port}/`, 'before restart', APPEAR_MS);
    const ups = () => mesh.router.lines.filter((l) => /^norouter: h1: up \(/.test(l.text)).length;
    const upsBefore = ups();
    const agents = allProcesses().filter((p) => p.argv.includes('agent') && p.argv.some((a, i) => a === '--me' && p.argv[i + 1] === h1.vip));
    assert.equal(agents.length, 1);
    process.kill(agents[0]!.pid, 'SIGKILL');
    await waitFor(() => ups() > upsBefore, { timeoutMs: 30_000, what: 'h1 to come up again' });
    const afterRestart = await serve(startHttpServer('after restart', { ns: ns1 }));
    await waitForBody(ns2, `http://${h1.vip}:${afterRestart.port}/`, 'after restart', APPEAR_MS);
    await waitForBody(ns2, `http://${h1.vip}:${before.port}/`, 'before restart', APPEAR_MS);
  });
});

describe('port discovery in a real podman container', { skip: SKIP ?? canRunPodman(), timeout: 240_000 }, () => {
  after(removeAllContainers);

  test('a server started in the container after the mesh is up is reached from another host', async () => {
    const ns = await createNetns();
    const box = await startContainer({ image: 'glibc-no-node', node: true, page: 'hello from the box' });
    const boxHost: MeshHost = { name: 'box', vip: nextVip(), cmd: box.execArgv(NODE_IN_CONTAINER), bootstrap: true, discover: true };
    const client: MeshHost = { name: 'client', vip: nextVip(), cmd: nsHostCmd(ns) };
    const mesh = await startMesh([boxHost, client], 60_000);
    try {
      // busybox httpd without -f puts itself in the background: the exec returns once it listens.
      const started = await box.exec(['httpd', '-p', '127.0.0.1:8088', '-h', '/www']);
      assert.equal(started.code, 0, started.stderr);
      await waitForBody(ns, `http://${boxHost.vip}:8088/`, 'hello from the box', APPEAR_MS);
      await mesh.router.waitForLine(/^norouter: box: discovered port 8088 \(listening at 127\.0\.0\.1:8088\)/, 1000);
    } finally {
      await mesh.stop();
    }
  });
});


