/**
 * Any Linux host with a POSIX shell joins the mesh (docs/protocol.md §12.1): real podman
 * containers without Node, one busybox + musl (like Alpine), one glibc userland, joined with
 * `podman exec -i NAME sh` and `bootstrap: true`. The router brings its own Node runtime, which
 * each host keeps in its cache: every host fetches every other's page by VIP with its own wget
 * (and by name through the DNS add-on in the musl container, resolv.conf restored on exit),
 * the runtime crosses each link once (the bytes are counted by a relay on the link), a read-only
 * root with a noexec /tmp fails with a clear error (or falls back where /tmp allows exec), two
 * agents starting at once share one cache, and a transfer cut off half-way leaves nothing
 * half-written and is retried.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMesh, type MeshHost } from '../helpers/mesh.js';
import { canRunPodman, removeAllContainers, startContainer, type Container } from '../helpers/podman.js';
import { REPO_ROOT, which } from '../helpers/processes.js';
import { nextVip } from '../helpers/vips.js';
import { waitFor } from '../helpers/wait.js';
import { canRunSshd, startSshd } from '../helpers/sshd.js';
import { startHttpServer } from '../helpers/services.js';


const SKIP = canRunPodman();
const RELAY = join(REPO_ROOT, 'test/fixtures/bin/stdin-relay.mjs');
/** A first start sends ~40 MB; under the load of a full test run that takes a while. */
const FIRST_START_MS = 180_000;
const dirs: string[] = [];
after(async () => {
  if (!SKIP) await removeAllContainers();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'nrt-anyhost-'));
  dirs.push(dir);
  return dir;
}

/** `cmd` through stdin-relay.mjs, which counts what crosses the link (and may cut it once). */
function relayed(cmd: readonly string[], countFile: string, cut?: { marker: string; bytes: number }): string[] {
  return [process.execPath, RELAY, '--count', countFile, ...(cut ? ['--cut-once', cut.marker, String(cut.bytes)] : []), '--', ...cmd];
}

function counts(file: string): number[] {
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number);
}

/** The runtime directories in a container's cache: published links and temporary copies. */
async function cacheEntries(c: Container, dir = '/root/.cache/norouter'): Promise<string[]> {
  const r = await c.exec(['ls', '-a', dir]);
  return r.stdout.split('\n').filter((n) => n && n !== '.' && n !== '..');
}

describe('hosts without Node join through their shell', { skip: SKIP, timeout: 600_000 }, () => {
  test('musl and glibc containers: every host reaches every other by VIP; the runtime crosses once', async () => {
    const [musl, glibc] = await Promise.all([
      startContainer({ image: 'alpine-like', page: 'hello from musl' }),
      startContainer({ image: 'glibc-no-node', page: 'hello from glibc' }),
    ]);
    await Promise.all([musl.waitListening(80), glibc.waitListening(80)]);
    const dir = tempDir();
    const resolvConf = (await musl.exec(['cat', '/etc/resolv.conf'])).stdout;
    // The DNS add-on on the bootstrapped hosts (not on the local one: its /etc is this machine's).
    const local: MeshHost = { name: 'here', vip: nextVip(), dns: { enable: false } };
    const m: MeshHost = { name: 'musl', vip: nextVip(), bootstrap: true, ports: ['8080:127.0.0.1:80'], cmd: relayed(musl.shCmd(), join(dir, 'musl')), dns: {} };
    const g: MeshHost = { name: 'glibc', vip: nextVip(), bootstrap: true, ports: ['8080:127.0.0.1:80'], cmd: relayed(glibc.shCmd(), join(dir, 'glibc')), dns: {} };
    for (let round = 1; round <= 2; round++) {
      const mesh = await startMesh([local, m, g], FIRST_START_MS);
      try {
        assert.match(mesh.router.output(), /ready in \d+ ms: 3 hosts up/);
        assert.equal(await musl.fetch(`http://${g.vip}:8080/`), 'hello from glibc');
        assert.equal(await glibc.fetch(`http://${m.vip}:8080/`), 'hello from musl');
        // By name, through the patched resolv.conf and musl's resolver (busybox wget).
        await waitFor(async () => (await musl.fetch('http://glibc:8080/').catch(() => '')) === 'hello from glibc', {
          timeoutMs: 20_000, intervalMs: 250, what: 'wget http://glibc:8080/ by name in the musl container',
        });
        const res = await fetch(`http://${m.vip}:8080/`);
        assert.equal(await res.text(), 'hello from musl');
        if (round === 1) assert.match(mesh.router.output(), /musl: runtime sent: [\d.]+ MB in/);
        else assert.doesNotMatch(mesh.router.output(), /runtime sent/);
      } finally {
        assert.equal((await mesh.stop()).code, 0);
      }
      assert.equal((await musl.exec(['cat', '/etc/resolv.conf'])).stdout, resolvConf, 'resolv.conf restored byte for byte');
    }
    // What crossed each link: the runtime (tens of MB) at the first start, a few hundred KB
    // (the script and the agent's code, gzipped) at the second.
    for (const name of ['musl', 'glibc']) {
      const [first = 0, second = 0] = counts(join(dir, name));
      assert.ok(first > 10e6, `${name}: the first start sent ${first} bytes, expected the runtime`);
      assert.ok(second < 1e6, `${name}: the second start sent ${second} bytes, expected no runtime`);
    }
    assert.equal((await cacheEntries(musl)).filter((n) => n.startsWith('rt-')).length, 1);
  });

  test('a read-only root with a noexec /tmp: a clear error naming the host; with an exec /tmp the runtime goes there; a full disk; no shell', async () => {
    const [sealed, tmpOk, full, noShell] = await Promise.all([
      startContainer({ image: 'alpine-like', runArgs: ['--read-only', '--tmpfs', '/tmp:rw,noexec', '--tmpfs', '/dev/shm:rw,noexec'] }),
      startContainer({ image: 'alpine-like', page: 'from /tmp', runArgs: ['--read-only', '--tmpfs', '/tmp:rw,exec', '--tmpfs', '/dev/shm:rw,noexec'] }),
      // A cache on a file system too small for the runtime.
      startContainer({ image: 'alpine-like', runArgs: ['--tmpfs', '/small:rw,exec,size=8m', '--env', 'XDG_CACHE_HOME=/small'] }),
      startContainer({ image: 'no-shell' }),
    ]);
    await tmpOk.waitListening(80);
    const bad: MeshHost = { name: 'sealed', vip: nextVip(), bootstrap: true, cmd: sealed.shCmd() };
    const good: MeshHost = { name: 'tmpok', vip: nextVip(), bootstrap: true, ports: ['8080:127.0.0.1:80'], cmd: tmpOk.shCmd() };
    const small: MeshHost = { name: 'full', vip: nextVip(), bootstrap: true, cmd: full.shCmd() };
    const distroless: MeshHost = { name: 'noshell', vip: nextVip(), bootstrap: true, cmd: noShell.shCmd() };
    const mesh = await startMesh([{ name: 'here', vip: nextVip() }, bad, good, small, distroless], FIRST_START_MS);
    try {
      const out = mesh.router.output();
      assert.match(out, /ready in \d+ ms: 2 of 5 hosts up/);
      // Checked before anything crosses the link: df says the file system is too small.
      assert.match(out, /full: agent exited with status 85 after [\d.]+ s: host full: no space left in \/small\/norouter for norouter's Node runtime: it needs \d+ MB, \d+ MB are free/);
      assert.doesNotMatch(out, /full: sending the Node runtime/);
      assert.match(out, /DOWN: host noshell has no shell to run the bootstrap script \(".*"\): its cmd must end in a POSIX sh there; a container without any shell joins through a sidecar/);
      // Nothing half-written is left behind for a later start to trip on.
      assert.deepEqual(await cacheEntries(full, '/small/norouter'), []);
      assert.match(out, /sealed: agent exited with status 82 after [\d.]+ s: host sealed: .*no directory here can hold norouter's Node runtime/);
      assert.match(out, /DOWN: host sealed: .*no directory here can hold/);
      assert.match(out, /\/tmp\/norouter-0: cannot execute files there/);
      const res = await fetch(`http://${good.vip}:8080/`);
      assert.equal(await res.text(), 'from /tmp');
      assert.equal((await cacheEntries(tmpOk, '/tmp/norouter-0')).filter((n) => n.startsWith('rt-')).length, 1);
    } finally {
      await mesh.stop();
    }
  });

  test('two agents starting at once against one cache, and a transfer cut off half-way', async () => {
    // Two containers with one cache directory between them (a volume), started in one go.
    const cache = tempDir();
    const shared = ['-v', `${cache}:/cache/norouter`, '--env', 'XDG_CACHE_HOME=/cache'];
    const [boxA, boxB, cutBox] = await Promise.all([
      startContainer({ image: 'glibc-no-node', page: 'shared a', runArgs: shared }),
      startContainer({ image: 'alpine-like', page: 'shared b', runArgs: shared }),
      startContainer({ image: 'alpine-like', page: 'cut' }),
    ]);
    await Promise.all([boxA.waitListening(80), boxB.waitListening(80), cutBox.waitListening(80)]);
    const dir = tempDir();
    const a: MeshHost = { name: 'a', vip: nextVip(), bootstrap: true, ports: ['8080:127.0.0.1:80'], cmd: boxA.shCmd() };
    const b: MeshHost = { name: 'b', vip: nextVip(), bootstrap: true, ports: ['8080:127.0.0.1:80'], cmd: boxB.shCmd() };
    // The relay ends the host's stdin after 8 MB of the first start: mid-runtime.
    const cut: MeshHost = {
      name: 'cut', vip: nextVip(), bootstrap: true, ports: ['8080:127.0.0.1:80'],
      cmd: relayed(cutBox.shCmd(), join(dir, 'cut'), { marker: join(dir, 'cut-marker'), bytes: 8e6 }),
    };
    const mesh = await startMesh([{ name: 'here', vip: nextVip() }, a, b, cut], FIRST_START_MS, {}, false);
    try {
      await waitFor(async () => {
        const r = await fetch(`http://${cut.vip}:8080/`).catch(() => undefined);
        return r?.ok && (await r.text()) === 'cut';
      }, { timeoutMs: FIRST_START_MS, intervalMs: 500, what: 'the cut-off host to come up on its retry' });
      await mesh.router.waitForLine(/^norouter: ready in /, FIRST_START_MS);
      const out = mesh.router.output();
      assert.match(out, /cut: agent exited with status 84 after [\d.]+ s: host cut: the Node runtime arrived incomplete or damaged in \/root\/.cache\/norouter: gzip: /);
      assert.match(out, /ready in \d+ ms: 3 of 4 hosts up/);
      // Both agents run one runtime: one published directory, no temporary copy left.
      const entries = readdirSync(cache);
      assert.equal(entries.filter((n) => n.startsWith('rt-')).length, 1, entries.join(' '));
      assert.equal(entries.filter((n) => n.startsWith('.rt-')).length, 1, entries.join(' '));
      assert.equal(await boxA.fetch(`http://${b.vip}:8080/`), 'shared b');
      assert.equal(await boxB.fetch(`http://${a.vip}:8080/`), 'shared a');
      // The cut-off transfer left nothing half-written: the retry's runtime is the only one.
      const cutEntries = await cacheEntries(cutBox);
      assert.equal(cutEntries.filter((n) => n.startsWith('.rt-')).length, 1, cutEntries.join(' '));
    } finally {
      await mesh.stop();
    }
  });
});

/**
 * `ssh USER@HOST -- sh` with a real sshd: the command line goes through the remote user's shell
 * once more, and the host (this machine, its PATH cut down to busybox's tools) has no node.
 */
describe('a host over ssh without Node', { skip: canRunSshd() ?? (which('busybox') ? undefined : 'busybox is not installed'), timeout: 300_000 }, () => {
  test('joins through `ssh … -- sh`: the runtime is sent once, then reused', async () => {
    const sshd = await startSshd();
    const web = await startHttpServer('over ssh');
    try {
      const bin = join(tempDir(), 'bin');
      mkdirSync(bin);
      for (const tool of ['uname', 'dd', 'gzip', 'tar', 'sha256sum', 'ln', 'mkdir', 'mktemp', 'rm', 'mv', 'chmod', 'cat', 'ls', 'stat', 'id', 'df', 'sh']) {
        symlinkSync(which('busybox') ?? '', join(bin, tool));
      }
      const cache = tempDir();
      const dir = tempDir();
      const host: MeshHost = {
        name: 'remote', vip: nextVip(), bootstrap: true, ports: [`8080:127.0.0.1:${web.port}`],
        cmd: relayed(sshd.sshCmd('env', `PATH=${bin}`, `XDG_CACHE_HOME=${cache}`, `HOME=${cache}`, 'sh'), join(dir, 'count')),
      };
      for (let round = 1; round <= 2; round++) {
        const mesh = await startMesh([host], FIRST_START_MS);
        try {
          const res = await fetch(`http://${host.vip}:8080/`);
          assert.equal(await res.text(), 'over ssh');
        } finally {
          assert.equal((await mesh.stop()).code, 0);
        }
      }
      const [first = 0, second = 0] = counts(join(dir, 'count'));
      assert.ok(first > 10e6 && second < 1e6, `bytes sent: ${first} then ${second}`);
    } finally {
      await web.stop();
      await sshd.stop();
    }
  });
});
