/**
 * A container with no shell at all (like distroless: only its server, on 127.0.0.1:80) joins the
 * mesh through a sidecar: a second container started by the host's `cmd`,
 * `podman run -i --rm --network container:APP [--pid container:APP] IMAGE node /norouter.cjs`,
 * which runs the agent inside the app's network namespace (test/helpers/podman.ts builds the
 * images and the command). Real podman containers, a network namespace as a third host, real
 * HTTP with each host's own client. Then what an app restart does to its sidecar, with and
 * without the shared pid namespace. Needs root, podman and runc: skips saying why.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { httpGet, waitForBody } from '../helpers/http.js';
import { startMesh, nsHostCmd, type Mesh, type MeshHost } from '../helpers/mesh.js';
import { canUseNetns, createNetns, destroyAllNetns } from '../helpers/netns.js';
import {
  canRunPodman, fetchInNetnsOf, ownContainers, PODMAN, removeAllContainers, sidecarCmd, sidecarsOf,
  startContainer, type Container,
} from '../helpers/podman.js';
import { runOk, type FollowedProcess } from '../helpers/processes.js';
import { startHttpServer, type Service } from '../helpers/services.js';
import { nextVip } from '../helpers/vips.js';
import { waitFor } from '../helpers/wait.js';

const SKIP = canRunPodman() ?? canUseNetns();
const services: Service[] = [];
const meshes: Mesh[] = [];
after(async () => {
  await Promise.all(meshes.map((m) => m.stop('SIGKILL').catch(() => {})));
  await Promise.all(services.map((s) => s.stop().catch(() => {})));
  await removeAllContainers();
  destroyAllNetns();
});

// Starting a sidecar is a `podman run` plus node's start, several seconds on a loaded machine.
const READY_MS = 90_000;
const SETTLE_MS = 60_000;

async function serve(start: Promise<Service>): Promise<Service> {
  const service = await start;
  services.push(service);
  return service;
}

async function mesh(hosts: MeshHost[]): Promise<Mesh> {
  const m = await startMesh(hosts, READY_MS);
  meshes.push(m);
  return m;
}

/** GET `url` from inside the app's network namespace until it answers `body`. */
function waitForBodyInNetnsOf(app: Container, url: string, body: string): Promise<string> {
  return waitFor(
    async () => {
      const got = await fetchInNetnsOf(app, url, 5000);
      if (got !== body) throw new Error(`got "${got.slice(0, 80)}"`);
      return got;
    },
    { timeoutMs: SETTLE_MS, intervalMs: 200, what: `${url} from ${app.name}'s network namespace to answer "${body}"` },
  );
}

/** Resolves with the first line matching `regex` logged after the first `from` lines. */
function waitForLineAfter(router: FollowedProcess, from: number, regex: RegExp, timeoutMs = SETTLE_MS): Promise<string> {
  return waitFor(() => router.lines.slice(from).find((l) => regex.test(l.text))?.text, {
    timeoutMs,
    intervalMs: 50,
    what: `a router line matching ${regex}\n${router.tail()}`,
  });
}

/** Restarts the app's container and waits for its server in its new network namespace. */
async function restartApp(app: Container): Promise<void> {
  // The namespace's inode number cannot tell old from new: the kernel reuses a freed one (seen:
  // the same net:[…] before and after). A new main process is what a restart means.
  const before = await app.pid();
  await runOk([...PODMAN, 'restart', '--time', '0', app.name], { timeoutMs: 60_000 });
  const after = await app.pid();
  assert.ok(after !== 0 && after !== before, `a restarted container has a new main process (${before} then ${after})`);
  await app.waitListening(80, SETTLE_MS);
}

describe('a container without a shell joins the mesh through a sidecar', { skip: SKIP, timeout: 300_000 }, () => {
  test('its page is reachable by VIP, the other hosts by VIP and by name from inside it', async () => {
    const local = await serve(startHttpServer('hello from local'));
    const ns = await createNetns();
    await serve(startHttpServer('hello from box', { ns, port: 80 }));
    const app = await startContainer({ image: 'no-shell', page: 'hello from app' });
    await app.waitListening(80);
    const appPid = await app.pid();
    const originalResolv = readFileSync(`/proc/${appPid}/root/etc/resolv.conf`);
    const hosts: MeshHost[] = [
      { name: 'local', vip: nextVip(), ports: [`8080:127.0.0.1:${local.port}`] },
      { name: 'box', vip: nextVip(), cmd: nsHostCmd(ns), ports: ['8080:127.0.0.1:80'] },
      // The DNS add-on runs in the sidecar: it patches the /etc/resolv.conf the sidecar sees.
      { name: 'app', vip: nextVip(), cmd: await sidecarCmd(app), ports: ['8080:127.0.0.1:80'], dns: {} },
    ];
    const [localHost, box, appHost] = hosts as [MeshHost, MeshHost, MeshHost];
    const m = await mesh(hosts);

    // The app's own server, published by the sidecar, from the local host and from the namespace.
    await waitForBody(undefined, `http://${appHost.vip}:8080/`, 'hello from app', SETTLE_MS);
    await waitForBody(ns, `http://${appHost.vip}:8080/`, 'hello from app', SETTLE_MS);
    // The other hosts' VIPs exist in the app's network namespace (the sidecar listens there).
    await waitForBodyInNetnsOf(app, `http://${localHost.vip}:8080/`, 'hello from local');
    await waitForBodyInNetnsOf(app, `http://${box.vip}:8080/`, 'hello from box');

    // Podman gives a `--network container:APP` container the app's own /etc/resolv.conf and
    // /etc/hosts (bind mounts of the same files), so the sidecar's patch is what the app reads.
    const appResolv = `/proc/${appPid}/root/etc/resolv.conf`;
    await waitFor(() => readFileSync(appResolv, 'utf8').includes(`nameserver ${appHost.vip}`), {
      timeoutMs: SETTLE_MS,
      what: `the app's resolv.conf to name the sidecar's DNS server\n${m.router.tail()}`,
    });
    await waitForBodyInNetnsOf(app, 'http://local:8080/', 'hello from local');

    const { code } = await m.stop();
    assert.equal(code, 0);
    // Stopping the router closes the sidecar's stdin: the agent exits, restores the file, and
    // `--rm` removes the container. Only the app is left.
    assert.deepEqual(readFileSync(appResolv), originalResolv, 'the app\'s resolv.conf is restored byte for byte');
    await waitFor(async () => (await ownContainers()).every((id) => app.id.startsWith(id)), {
      timeoutMs: SETTLE_MS,
      what: 'the sidecar container to be removed',
    });
  });

  test('a router killed with SIGKILL leaves no sidecar behind', async () => {
    const app = await startContainer({ image: 'no-shell', page: 'hello from app' });
    await app.waitListening(80);
    const appHost: MeshHost = { name: 'app', vip: nextVip(), cmd: await sidecarCmd(app), ports: ['8080:127.0.0.1:80'] };
    const m = await mesh([{ name: 'local', vip: nextVip() }, appHost]);
    await waitForBody(undefined, `http://${appHost.vip}:8080/`, 'hello from app', SETTLE_MS);
    assert.equal((await sidecarsOf(app)).length, 1);
    // Nothing of the router runs its cleanup: the `podman run -i` client sees its input end,
    // the agent exits on end of input, and `--rm` removes the container.
    await m.stop('SIGKILL');
    await waitFor(async () => (await sidecarsOf(app)).length === 0, { timeoutMs: SETTLE_MS, what: 'the sidecar to exit' });
  });

  test('the app restarts: a sidecar in its pid namespace dies with it and is started anew in the new namespace', async () => {
    const local = await serve(startHttpServer('hello from local'));
    const app = await startContainer({ image: 'no-shell', page: 'hello from app' });
    await app.waitListening(80);
    const localHost: MeshHost = { name: 'local', vip: nextVip(), ports: [`8080:127.0.0.1:${local.port}`] };
    // `bootstrap: true`: the sidecar's image has node and nothing else of ours; the router sends
    // itself over the sidecar's stdin, at the first start and at the restart alike.
    const appHost: MeshHost = {
      name: 'app', vip: nextVip(), cmd: await sidecarCmd(app, { bootstrap: true }), bootstrap: true, ports: ['8080:127.0.0.1:80'],
    };
    const m = await mesh([localHost, appHost]);
    await waitForBody(undefined, `http://${appHost.vip}:8080/`, 'hello from app', SETTLE_MS);

    const mark = m.router.lines.length;
    await restartApp(app);
    // The kernel kills every process of a pid namespace whose init exits: the agent with it.
    await waitForLineAfter(m.router, mark, /^norouter: app: agent exited\b/);
    await waitForLineAfter(m.router, mark, /^norouter: app: up \(/);
    await waitForBody(undefined, `http://${appHost.vip}:8080/`, 'hello from app', SETTLE_MS);
    await waitForBodyInNetnsOf(app, `http://${localHost.vip}:8080/`, 'hello from local');
    assert.equal((await sidecarsOf(app)).length, 1, 'one sidecar, the new one');

    // Podman starts a container's dependencies: the next sidecar start brings a stopped app back
    // up (Docker refuses to join a container that is not running). A stop does not stick while
    // the mesh runs.
    const stopMark = m.router.lines.length;
    await runOk([...PODMAN, 'stop', '--time', '0', app.name], { timeoutMs: 60_000 });
    await waitForLineAfter(m.router, stopMark, /^norouter: app: up \(/);
    const state = await runOk(['podman', 'inspect', '--format', '{{.State.Status}}', app.name]);
    assert.equal(state.stdout.trim(), 'running');
    await waitForBody(undefined, `http://${appHost.vip}:8080/`, 'hello from app', SETTLE_MS);
  });

  test('the app restarts: a sidecar sharing only its network stays behind, up but cut off, until restarted', async () => {
    const local = await serve(startHttpServer('hello from local'));
    const app = await startContainer({ image: 'no-shell', page: 'hello from app' });
    await app.waitListening(80);
    const localHost: MeshHost = { name: 'local', vip: nextVip(), ports: [`8080:127.0.0.1:${local.port}`] };
    const appHost: MeshHost = {
      name: 'app', vip: nextVip(), cmd: await sidecarCmd(app, { sharePid: false }), ports: ['8080:127.0.0.1:80'],
    };
    const m = await mesh([localHost, appHost]);
    await waitForBody(undefined, `http://${appHost.vip}:8080/`, 'hello from app', SETTLE_MS);
    const [sidecar] = await sidecarsOf(app);
    assert.ok(sidecar);

    const mark = m.router.lines.length;
    await restartApp(app);
    // The agent lives on in the old namespace, which nothing else uses any more: its link is
    // fine, so the mesh shows it up, but its dials to 127.0.0.1:80 are refused there. Clients
    // get a reset at once, never a hang.
    await assert.rejects(httpGet(`http://${appHost.vip}:8080/`, 10_000), /ECONNRESET/);
    await waitForLineAfter(m.router, mark, /^\[app\] dial 127\.0\.0\.1:80 .* failed: ECONNREFUSED/);
    // The app's new namespace has no VIPs at all.
    await assert.rejects(fetchInNetnsOf(app, `http://${localHost.vip}:8080/`, 5000), /refused/i);
    assert.equal(m.router.lines.slice(mark).some((l) => /app: agent exited/.test(l.text)), false);

    // Restarting the sidecar is the cure: the router starts its command again, and the new
    // `--network container:APP` joins the app's current namespace.
    await runOk([...PODMAN, 'kill', sidecar], { timeoutMs: 60_000 });
    await waitForLineAfter(m.router, mark, /^norouter: app: up \(/);
    await waitForBody(undefined, `http://${appHost.vip}:8080/`, 'hello from app', SETTLE_MS);
    await waitForBodyInNetnsOf(app, `http://${localHost.vip}:8080/`, 'hello from local');
  });
});
