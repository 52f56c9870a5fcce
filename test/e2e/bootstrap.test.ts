/**
 * docs/protocol.md §12, end to end: hosts whose `cmd` ends in their own `node`, with no norouter on
 * them. The router sends itself over the host's stdin (`bootstrap: true`): through `ip netns exec`
 * (argv passed as is, like docker exec) and through a real `ssh` (argv joined and parsed by the
 * remote shell). Real HTTP crosses the mesh; nothing is written to the hosts' disks. Then the
 * failures: a node too old, no node at all, and a bootstrap cut off midway (retried).
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitForBody } from '../helpers/http.js';
import { startMesh, type MeshHost } from '../helpers/mesh.js';
import { canUseNetns, cmdFor, createNetns, destroyAllNetns } from '../helpers/netns.js';
import { CLI_PATH, run } from '../helpers/processes.js';
import { startHttpServer, type Service } from '../helpers/services.js';
import { canRunSshd, startSshd } from '../helpers/sshd.js';
import { nextVip } from '../helpers/vips.js';
import { waitFor, withTimeout } from '../helpers/wait.js';
import { BOOTSTRAP_NODE_ARGS, percentEncode } from '../../src/bootstrap/loader.js';
import { encodeBootstrap } from '../../src/bootstrap/payload.js';

const NETNS_SKIP = canUseNetns();
const SSH_SKIP = NETNS_SKIP ?? canRunSshd();
const services: Service[] = [];
const dirs: string[] = [];
after(async () => {
  await Promise.all(services.map((s) => s.stop().catch(() => {})));
  destroyAllNetns();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function serve(start: Promise<Service>): Promise<Service> {
  const service = await start;
  services.push(service);
  return service;
}

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

/** A PATH without dist/ or any norouter: only the system's tools and this node. */
const BARE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

describe('bootstrap hosts: a network namespace and an SSH host, with only node', { skip: SSH_SKIP, timeout: 40_000 }, () => {
  test('carry real HTTP both ways, and write nothing to the hosts\' disks', async () => {
    const sshd = await startSshd();
    after(() => sshd.stop());
    // The code cache (~/.cache/norouter) is the one thing the CLI writes by itself: point it at
    // empty directories and check they stay empty.
    const nsCache = tempDir('nrt-boot-cache-');
    const sshCache = tempDir('nrt-boot-cache-');
    const ns = await createNetns();
    await serve(startHttpServer('hello from ns', { ns, port: 80 }));
    const sshService = await serve(startHttpServer('hello over ssh'));
    // No local host: the SSH host is this machine's network, and only its agent binds VIPs here.
    const box: MeshHost = {
      name: 'box', vip: nextVip(), bootstrap: true, ports: ['8080:127.0.0.1:80'],
      cmd: cmdFor(ns, ['env', `PATH=${BARE_PATH}`, `XDG_CACHE_HOME=${nsCache}`, 'node']),
    };
    const remote: MeshHost = {
      name: 'remote', vip: nextVip(), bootstrap: true, ports: [`8080:127.0.0.1:${sshService.port}`],
      cmd: sshd.sshCmd('env', `PATH=${BARE_PATH}`, `XDG_CACHE_HOME=${sshCache}`, 'node'),
    };
    const mesh = await startMesh([box, remote]);
    try {
      await waitForBody(ns, `http://${remote.vip}:8080/`, 'hello over ssh', 5000);
      await waitForBody(undefined, `http://${box.vip}:8080/`, 'hello from ns', 5000);
      const out = mesh.router.output();
      assert.match(out, /ready in \d+ ms: 2 hosts up/);
      assert.doesNotMatch(out, /exited|restarting/);
    } finally {
      const { code } = await mesh.stop();
      assert.equal(code, 0);
    }
    assert.deepEqual(readdirSync(nsCache), []);
    assert.deepEqual(readdirSync(sshCache), []);
  });
});

describe('norouter plan for a bootstrap host', { skip: NETNS_SKIP, timeout: 20_000 }, () => {
  test('prints the exact command line, loader included, and that line pasted into sh starts an agent', async () => {
    const ns = await createNetns();
    const dir = tempDir('nrt-boot-plan-');
    const manifest = join(dir, 'm.yaml');
    const vip = nextVip();
    writeFileSync(manifest, JSON.stringify({ hosts: { box: { vip, cmd: cmdFor(ns, ['node']), bootstrap: true } } }));
    const plan = await run([process.execPath, CLI_PATH, 'plan', manifest]);
    assert.equal(plan.code, 0, plan.stderr);
    const [heading, line] = plan.stdout.trimEnd().split('\n');
    assert.equal(heading, `# box (${vip}; bootstrap: node runs norouter sent over stdin)`);
    assert.equal(line, ['ip', 'netns', 'exec', ns, 'node', ...BOOTSTRAP_NODE_ARGS, 'internal', 'agent', '--me', vip].join(' '));

    // The line through one round of shell parsing, as a user would paste it: the agent answers
    // the bootstrap stream with its HELLO.
    const child = spawn('sh', ['-c', line!], { stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdin.on('error', () => {});
    child.stdin.write(encodeBootstrap(readFileSync(CLI_PATH)));
    let out = '';
    const hello = new Promise<void>((resolve) => child.stdout.on('data', (b: Buffer) => {
      out += b.toString('latin1');
      if (out.includes(`"role":"agent","vip":"${vip}"`)) resolve();
    }));
    try {
      await withTimeout(hello, 10_000, 'the agent\'s HELLO');
    } finally {
      child.stdin.end();
    }
    const [code] = await withTimeout(new Promise<[number | null]>((resolve) => child.on('close', (c) => resolve([c]))), 5000, 'the agent to exit');
    assert.equal(code, 0);
  });
});

describe('bootstrap failures', { skip: NETNS_SKIP, timeout: 40_000 }, () => {
  test('a node too old and a missing node are named with their host; a cut-off bootstrap is retried; the good host works', async () => {
    // A `node` first on PATH that says it is 18.19.0: the real node, with an --import that
    // rewrites process.versions before the loader runs.
    const fakeBin = tempDir('nrt-old-node-');
    const fake = `--import=data:text/javascript,${percentEncode("Object.defineProperty(process.versions,'node',{value:'18.19.0'})")}`;
    writeFileSync(join(fakeBin, 'node'), `#!/bin/sh\nexec ${process.execPath} ${fake} "$@"\n`);
    chmodSync(join(fakeBin, 'node'), 0o755);

    const ns = await createNetns();
    await serve(startHttpServer('still fine', { ns, port: 80 }));
    const good: MeshHost = { name: 'good', vip: nextVip(), bootstrap: true, ports: ['8080:127.0.0.1:80'], cmd: cmdFor(ns, ['node']) };
    const old: MeshHost = { name: 'old', vip: nextVip(), bootstrap: true, cmd: ['env', `PATH=${fakeBin}:${BARE_PATH}`, 'node'] };
    const none: MeshHost = { name: 'none', vip: nextVip(), bootstrap: true, cmd: ['env', 'PATH=/nonexistent', 'node'] };
    // The link breaks after 1,000 bytes of the ~130 KiB bootstrap.
    const cut: MeshHost = { name: 'cut', vip: nextVip(), bootstrap: true, cmd: ['sh', '-c', 'head -c 1000 | exec node "$@"', 'sh'] };
    const mesh = await startMesh([good, old, none, cut]);
    try {
      const router = mesh.router;
      assert.match(await router.waitForLine(/ready in/), /1 of 4 hosts up/);
      await router.waitForLine(/^\[old\] norouter bootstrap: node v18\.19\.0 \(.*\) is too old: norouter needs Node\.js >= 20\.19$/);
      await router.waitForLine(/^norouter: old: agent exited with status 78 after [\d.]+ s: host old has node v18\.19\.0 \(.*\), which is too old: norouter needs Node\.js >= 20\.19 there/);
      await router.waitForLine(/^norouter: none: agent exited with status 127 after [\d.]+ s: `node` was not found on host none/);
      await router.waitForLine(/^norouter: cut: agent exited with status 76 after [\d.]+ s: the bootstrap of host cut failed: cut off: stdin ended after 1000 of \d+ bytes/);
      // Retried like any failed agent: a second start, cut off again.
      await router.waitForLine(/^norouter: cut: restarting in/);
      await waitFor(() => (router.output().match(/the bootstrap of host cut failed/g)?.length ?? 0) >= 2, { timeoutMs: 10_000, what: 'the second start of host cut' });
      // The summary's DOWN rows carry the same sentences.
      assert.match(router.output(), /old +\S+ +- +DOWN: host old has node v18\.19\.0/);
      await waitForBody(ns, `http://${good.vip}:8080/`, 'still fine', 5000);
    } finally {
      await mesh.stop();
    }
  });
});

