import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
  canRunPodman, ensureImage, fetchInNetnsOf, OWNER_LABEL, ownContainers, PODMAN, removeAllContainers,
  rootfsOf, startContainer,
} from './podman.js';
import { REPO_ROOT, run, runOk } from './processes.js';
import { withTimeout } from './wait.js';

const skip = canRunPodman();
after(removeAllContainers);

/** Whether a container of that name or id exists (running or not). */
async function exists(name: string): Promise<boolean> {
  return (await run(['podman', 'container', 'exists', name], { timeoutMs: 60_000 })).code === 0;
}

/** Files and directories under / inside a running container, except the kernel's and podman's mounts. */
async function filesIn(c: { exec: (argv: readonly string[]) => Promise<{ stdout: string }> }): Promise<string[]> {
  const r = await c.exec(['find', '/', '-path', '/proc', '-prune', '-o', '-path', '/sys', '-prune', '-o', '-path', '/dev', '-prune', '-o', '-print']);
  return r.stdout.split('\n').filter(Boolean);
}

test('image archives are deterministic: the same inputs give the same hash, hence the same tag', { skip }, () => {
  for (const name of ['alpine-like', 'no-shell'] as const) {
    assert.equal(rootfsOf(name).archive().sha256, rootfsOf(name).archive().sha256, name);
  }
});

describe('podman test images', { skip, timeout: 180_000 }, () => {
  test('each is tagged by content and built at most once per process', async () => {
    for (const name of ['alpine-like', 'glibc-no-node', 'no-shell'] as const) {
      const image = await ensureImage(name);
      assert.match(image.tag, new RegExp(`^localhost/norouter-test/${name}:[0-9a-f]{16}$`));
      assert.ok(rootfsOf(name).archive().sha256.startsWith(image.tag.split(':')[1]!));
      assert.equal(await ensureImage(name), image, 'the second call reuses the first');
      await runOk([...PODMAN, 'image', 'exists', image.tag]);
    }
  });

  test('alpine-like: busybox sh, wget and httpd, musl, and no node and no glibc', async () => {
    const c = await startContainer({ image: 'alpine-like', page: 'alpine page' });
    await c.waitListening(80);
    assert.equal(await c.fetch('http://127.0.0.1:80/'), 'alpine page');
    const files = await filesIn(c);
    for (const path of ['/bin/sh', '/bin/busybox', '/usr/bin/wget', '/usr/sbin/httpd', '/lib/ld-musl-x86_64.so.1']) {
      assert.ok(files.includes(path), `${path} is there`);
    }
    assert.deepEqual(files.filter((f) => /(^|\/)(node|libc\.so\.6|ld-linux[^/]*|libstdc\+\+[^/]*)$/.test(f)), []);
    const lib = await c.exec(['ls', '/lib']);
    assert.deepEqual(lib.stdout.split('\n').filter(Boolean), ['ld-musl-x86_64.so.1', 'libc.musl-x86_64.so.1']);
    // A program linked against musl runs: the loader is found where Alpine puts it.
    assert.equal((await c.exec(['/lib/ld-musl-x86_64.so.1'])).stderr.split('\n')[0], 'musl libc (x86_64)');
  });

  test('glibc-no-node: dash as sh, glibc, serves and fetches, and has no node unless mounted', async () => {
    const c = await startContainer({ image: 'glibc-no-node', page: 'glibc page' });
    await c.waitListening(80);
    assert.equal(await c.fetch('http://127.0.0.1/'), 'glibc page');
    assert.equal((await c.exec(['readlink', '/bin/sh'])).stdout.trim(), 'dash');
    assert.equal((await c.exec(['bash', '-c', 'echo $BASH_VERSION'])).code, 0);
    const files = await filesIn(c);
    assert.ok(files.includes('/usr/lib64/ld-linux-x86-64.so.2'));
    assert.ok(files.includes('/usr/lib/x86_64-linux-gnu/libc.so.6'));
    assert.deepEqual(files.filter((f) => /\/node$/.test(f)), []);
    const withNode = await startContainer({ image: 'glibc-no-node', node: true, cmd: ['sleep', '300'] });
    const version = await withNode.exec(['node', '-e', 'process.stdout.write(process.version)']);
    assert.equal(version.stdout, process.version, version.stderr);
    // Read-only: the host's node cannot be changed from inside.
    const write = await withNode.exec(['sh', '-c', 'echo x > /usr/local/bin/node']);
    assert.notEqual(write.code, 0);
  });

  test('no-shell: only a server, reachable from a throwaway container in its network namespace', async () => {
    const c = await startContainer({ image: 'no-shell', page: 'distroless page' });
    await c.waitListening(80);
    const sh = await c.exec(['sh', '-c', 'true']);
    assert.notEqual(sh.code, 0);
    assert.match(sh.stderr, /executable file not found/);
    assert.equal(await fetchInNetnsOf(c, 'http://127.0.0.1/'), 'distroless page');
    const exported = await runOk(['sh', '-c', `podman export ${c.name} | tar -t`], { timeoutMs: 60_000 });
    const entries = exported.stdout.split('\n').filter(Boolean).map((e) => e.replace(/^\.?\/?/, '').replace(/\/$/, ''));
    assert.ok(entries.includes('httpd'));
    assert.deepEqual(entries.filter((e) => /(^|\/)(sh|ash|bash|dash|busybox|wget)$/.test(e)), []);
  });

  test('every container has its own loopback and a bind-mounted /etc/resolv.conf', async () => {
    // Both serve 127.0.0.1:80 at once: they would collide on a shared loopback.
    const a = await startContainer({ image: 'alpine-like', page: 'a' });
    const b = await startContainer({ image: 'alpine-like', page: 'b' });
    await Promise.all([a.waitListening(80), b.waitListening(80)]);
    assert.equal(await a.fetch('http://127.0.0.1/'), 'a');
    assert.equal(await b.fetch('http://127.0.0.1/'), 'b');
    const mounts = await a.exec(['cat', '/proc/mounts']);
    assert.match(mounts.stdout, / \/etc\/resolv\.conf /);
  });

  test('removeAllContainers removes this process\'s containers, those sharing a network first', async () => {
    const app = await startContainer({ image: 'no-shell' });
    const side = await startContainer({ image: 'alpine-like', cmd: ['sleep', '300'], runArgs: ['--network', `container:${app.name}`] });
    const label = await runOk(['podman', 'inspect', '--format', `{{index .Config.Labels "${OWNER_LABEL}"}}`, side.name]);
    assert.equal(label.stdout.trim(), String(process.pid));
    assert.ok((await ownContainers()).length >= 2);
    await removeAllContainers();
    assert.deepEqual(await ownContainers(), []);
    assert.equal(await exists(app.name), false);
    assert.equal(await exists(side.name), false);
  });

  test('a test process that dies before its cleanup leaves no container behind', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/podman/exit-fixture.ts'], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const code = await withTimeout(new Promise((resolve) => child.on('close', resolve)), 120_000, 'the fixture to exit');
    assert.notEqual(code, 0);
    assert.match(err, /the test failed before its cleanup/);
    const name = out.trim();
    assert.match(name, new RegExp(`^nrt-${child.pid}-1$`));
    assert.equal(await exists(name), false, `${name} was removed by the exit handler`);
  });
});
