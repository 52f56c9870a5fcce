/**
 * End to end: `norouter run FILE` against real hosts on this machine. Network
 * namespaces stand in for containers (`ip netns exec NS node dist/norouter.cjs`, piped exactly
 * like `docker exec -i`), a real sshd for an SSH machine; services are real servers started
 * inside their host. Needs root and iproute2 (and openssh for the SSH case): each test says why
 * when it skips. `.ci/run` installs everything, so in CI nothing skips.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { httpGet, httpGetFrom, waitForBody } from '../helpers/http.js';
import { startMesh, nsHostCmd, type Mesh, type MeshHost } from '../helpers/mesh.js';
import { canUseNetns, createNetns, destroyAllNetns } from '../helpers/netns.js';
import { CLI_ARGV, allProcesses, run, descendants, descendantsWithArg, procInfo, waitForGone } from '../helpers/processes.js';
import { randomPayload, sha256, startHttpServer, startTcpServer, type Service } from '../helpers/services.js';
import { canRunSshd, startSshd } from '../helpers/sshd.js';
import { tcpExchange } from '../helpers/tcp.js';
import { nextVip } from '../helpers/vips.js';
import { waitFor } from '../helpers/wait.js';

const NETNS_SKIP = canUseNetns();
const SSH_SKIP = NETNS_SKIP ?? canRunSshd();
const services: Service[] = [];
after(async () => {
  await Promise.all(services.map((s) => s.stop().catch(() => {})));
  destroyAllNetns();
});

async function serve(start: Promise<Service>): Promise<Service> {
  const service = await start;
  services.push(service);
  return service;
}

/** Processes anywhere on the machine running with `--me VIP` (agents, and ssh clients carrying them). */
function withMe(vip: string): number[] {
  return allProcesses()
    .filter((p) => p.argv.some((a, i) => a === '--me' && p.argv[i + 1] === vip))
    .map((p) => p.pid);
}

// Ports inside each namespace: a fresh network namespace has every port free.
const HTTP = 80;
const UPLOAD = 9001;
const BANNER = 9002;
const CLOSED = 9003; // nothing listens here: dials to it are refused
const ECHO = 9004;

describe('a mesh of the local host and two network namespaces', { skip: NETNS_SKIP, timeout: 40_000 }, () => {
  let mesh: Mesh;
  const hosts: Array<MeshHost & { ns: string | undefined; body: string }> = [];

  before(async () => {
    const local = await serve(startHttpServer('hello from local'));
    hosts.push({ name: 'local', vip: nextVip(), ports: [`8080:127.0.0.1:${local.port}`], ns: undefined, body: 'hello from local' });
    for (const name of ['h1', 'h2']) {
      const ns = await createNetns();
      const body = `hello from ${name}`;
      await serve(startHttpServer(body, { ns, port: HTTP }));
      hosts.push({ name, vip: nextVip(), cmd: nsHostCmd(ns), ports: [`8080:127.0.0.1:${HTTP}`], ns, body });
    }
    // h1 also publishes the TCP behaviours a relay must preserve.
    const h1 = hosts[1]!;
    await serve(startTcpServer('upload', { ns: h1.ns, port: UPLOAD }));
    await serve(startTcpServer('banner', { ns: h1.ns, port: BANNER, text: 'SSH-2.0-nrt-banner' }));
    await serve(startTcpServer('echo', { ns: h1.ns, port: ECHO }));
    h1.ports!.push(...[UPLOAD, BANNER, CLOSED, ECHO].map((p) => `${p}:127.0.0.1:${p}`));
    mesh = await startMesh(hosts.map(({ name, vip, cmd, ports }) => ({ name, vip, ports, ...(cmd ? { cmd } : {}) })));
  });
  after(() => mesh?.stop());

  test('every host reaches every other host\'s service by VIP', async () => {
    for (const from of hosts) {
      for (const to of hosts) {
        if (to === from) continue;
        // The first request may race a listener that is still binding just after "ready".
        await waitForBody(from.ns, `http://${to.vip}:8080/`, to.body, 3000);
      }
    }
  });

  test('every host reaches its own service at its own VIP', async () => {
    for (const host of hosts) await waitForBody(host.ns, `http://${host.vip}:8080/`, host.body, 3000);
  });

  test('half-close: the client shuts its write side and still receives the whole response', async () => {
    const h1 = hosts[1]!;
    const data = randomPayload(1024 * 1024);
    const outcome = await tcpExchange(h1.vip, UPLOAD, { send: data, timeoutMs: 10_000 });
    assert.equal(outcome.end, 'eof');
    // The server answers only after our EOF reached it: a relay that closes on half-close loses this.
    assert.equal(outcome.data.toString(), `${data.length} ${sha256(data)}\n`);
  });

  test('a server that speaks first (banner) is heard without the client sending anything', async () => {
    const outcome = await tcpExchange(hosts[1]!.vip, BANNER, { halfClose: false, until: (d) => d.includes('\n'), timeoutMs: 3000 });
    assert.equal(outcome.end, 'until', `no banner: ended with ${outcome.end}`);
    assert.equal(outcome.data.toString(), 'SSH-2.0-nrt-banner\n');
  });

  // The original dropped a failed dial and the client hung: a reset, not the exchange's
  // deadline, is the verdict (no clock: a busy machine is slow, not wrong).
  test('a refused dial on the far side resets the client', async () => {
    const outcome = await tcpExchange(hosts[1]!.vip, CLOSED, { halfClose: false, timeoutMs: 20_000 });
    assert.equal(outcome.end, 'reset', `expected a reset, got ${outcome.end} (${outcome.code ?? ''}) after ${outcome.elapsedMs} ms with ${outcome.data.length} bytes`);
    assert.equal(outcome.data.length, 0);
  });

  test('500 concurrent connections through one agent pair all carry the right bytes', { timeout: 25_000 }, async () => {
    const vip = hosts[1]!.vip;
    const results = await Promise.all(
      Array.from({ length: 500 }, async () => {
        const data = randomPayload(16 * 1024);
        const outcome = await tcpExchange(vip, ECHO, { send: data, timeoutMs: 20_000 });
        return { ok: outcome.end === 'eof' && sha256(outcome.data) === sha256(data), outcome };
      }),
    );
    const failed = results.filter((r) => !r.ok);
    const sample = failed.slice(0, 3).map((r) => `${r.outcome.end} ${r.outcome.code ?? ''} ${r.outcome.data.length} bytes`);
    assert.equal(failed.length, 0, `${failed.length}/500 failed, e.g. ${sample.join('; ')}`);
  });
});

describe('an SSH host', { skip: SSH_SKIP, timeout: 30_000 }, () => {
  test('reached through `ssh … -- node dist/norouter.cjs`, serving a local HTTP server of that host', async () => {
    const sshd = await startSshd();
    after(() => sshd.stop());
    // The SSH "machine" is this machine's own network: its service listens on 127.0.0.1 here.
    // There is no local host in this manifest, so only the ssh agent binds VIPs in this network.
    const sshService = await serve(startHttpServer('hello over ssh'));
    const ns = await createNetns();
    await serve(startHttpServer('hello from ns', { ns, port: HTTP }));
    const ssh: MeshHost = { name: 'remote', vip: nextVip(), cmd: sshd.sshCmd(...CLI_ARGV), ports: [`8080:127.0.0.1:${sshService.port}`] };
    const inNs: MeshHost = { name: 'box', vip: nextVip(), cmd: nsHostCmd(ns), ports: [`8080:127.0.0.1:${HTTP}`] };
    const mesh = await startMesh([ssh, inNs]);
    try {
      await waitForBody(ns, `http://${ssh.vip}:8080/`, 'hello over ssh', 3000);
      // From the SSH machine's network (here), through the agent ssh started.
      await waitForBody(undefined, `http://${inNs.vip}:8080/`, 'hello from ns', 3000);
    } finally {
      const { code } = await mesh.stop();
      assert.equal(code, 0);
    }
    // The remote agent is sshd's child, not the router's: it must exit because its stdin closed.
    await waitFor(() => withMe(ssh.vip).length === 0, { timeoutMs: 5000, what: 'the agent on the SSH host to exit' });
  });
});

describe('an agent killed with SIGKILL', { skip: NETNS_SKIP, timeout: 30_000 }, () => {
  test('is restarted; the other hosts never notice; its host works again', async () => {
    const local = await serve(startHttpServer('local'));
    const nsA = await createNetns();
    const nsB = await createNetns();
    await serve(startHttpServer('a', { ns: nsA, port: HTTP }));
    await serve(startHttpServer('b', { ns: nsB, port: HTTP }));
    const vips = { local: nextVip(), a: nextVip(), b: nextVip() };
    const mesh = await startMesh([
      { name: 'local', vip: vips.local, ports: [`8080:127.0.0.1:${local.port}`] },
      { name: 'a', vip: vips.a, cmd: nsHostCmd(nsA), ports: [`8080:127.0.0.1:${HTTP}`] },
      { name: 'b', vip: vips.b, cmd: nsHostCmd(nsB), ports: [`8080:127.0.0.1:${HTTP}`] },
    ]);
    try {
      await waitForBody(undefined, `http://${vips.a}:8080/`, 'a', 3000);
      await waitForBody(nsA, `http://${vips.local}:8080/`, 'local', 3000);
      await waitForBody(undefined, `http://${vips.b}:8080/`, 'b', 3000);

      // Traffic between local and a runs the whole time; every request must succeed.
      let stop = false;
      const failures: string[] = [];
      let requests = 0;
      const loop = async (from: string | undefined, url: string, body: string): Promise<void> => {
        while (!stop) {
          try {
            const r = await httpGetFrom(from, url, 2000);
            if (r.body !== body) failures.push(`${url}: "${r.body}"`);
          } catch (error) {
            failures.push(`${url} from ${from ?? 'local'}: ${(error as Error).message}`);
          }
          requests++;
        }
      };
      const loops = [loop(undefined, `http://${vips.a}:8080/`, 'a'), loop(nsA, `http://${vips.local}:8080/`, 'local')];

      // The deepest match is the agent itself, should the host's cmd wrap it in other processes.
      const victim = descendantsWithArg(mesh.router.pid, '--me', vips.b).at(-1);
      assert.ok(victim, `no descendant of the router runs with --me ${vips.b}: ${descendants(mesh.router.pid).map((p) => p.argv.join(' ')).join('\n')}`);
      process.kill(victim.pid, 'SIGKILL');
      const replacement = await waitFor(
        () => descendantsWithArg(mesh.router.pid, '--me', vips.b).find((p) => p.pid !== victim.pid || p.starttime !== victim.starttime),
        { timeoutMs: 10_000, what: `a new agent for ${vips.b}` },
      );
      assert.ok(procInfo(replacement.pid));
      await waitForBody(undefined, `http://${vips.b}:8080/`, 'b', 10_000);
      await waitForBody(nsA, `http://${vips.b}:8080/`, 'b', 5000);

      stop = true;
      await Promise.all(loops);
      assert.deepEqual(failures, [], `${failures.length} of ${requests} requests between the other hosts failed`);
      assert.ok(requests >= 4, `only ${requests} requests ran during the restart`);
    } finally {
      await mesh.stop();
    }
  });
});

describe('SIGTERM to the router', { skip: NETNS_SKIP, timeout: 20_000 }, () => {
  test('exits 0 and leaves no process behind', async () => {
    const ns = await createNetns();
    const server = await serve(startHttpServer('x', { ns, port: HTTP }));
    const vips = { local: nextVip(), n: nextVip() };
    const mesh = await startMesh([
      { name: 'local', vip: vips.local },
      { name: 'n', vip: vips.n, cmd: nsHostCmd(ns), ports: [`8080:127.0.0.1:${HTTP}`] },
    ]);
    let stopped = false;
    try {
      await waitForBody(undefined, `http://${vips.n}:8080/`, 'x', 3000);
      const agents = await waitFor(() => {
        const found = [vips.local, vips.n].map((vip) => descendantsWithArg(mesh.router.pid, '--me', vip));
        return found.every((f) => f.length > 0) ? found.flat() : undefined;
      }, { what: 'both agents among the router\'s descendants' });
      // Snapshot now: once the router is gone, survivors would be re-parented and invisible to
      // descendants(); the snapshot (pid + start time) still finds them.
      const tree = descendants(mesh.router.pid);
      assert.ok(tree.length >= agents.length);

      const { code, signal } = await mesh.stop('SIGTERM');
      stopped = true;
      assert.deepEqual({ code, signal }, { code: 0, signal: null });
      await waitForGone(tree, 5000);
      // Inside the namespace only the test's own server is left.
      const pids = (await run(['ip', 'netns', 'pids', ns])).stdout.split(/\s+/).filter(Boolean).map(Number);
      assert.deepEqual(pids.filter((p) => p !== server.proc.pid), []);
      // Refused, not merely slow: a timeout would reject too, and say nothing.
      await assert.rejects(httpGet(`http://${vips.n}:8080/`, 10_000), /ECONNREFUSED/, 'nothing listens on the VIP any more');
    } finally {
      if (!stopped) await mesh.stop('SIGKILL').catch(() => {});
    }
  });
});
