/**
 * `norouter show-installer | sh` on a host. A real pipe into a real `sh` (dash here,
 * which reads its script ahead in blocks: the payload must be inside the script), a temporary
 * HOME, and then the installed launcher as a host's `cmd` in a mesh carrying real HTTP.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitForBody } from '../helpers/http.js';
import { startMesh } from '../helpers/mesh.js';
import { canUseNetns, cmdFor, createNetns, destroyAllNetns } from '../helpers/netns.js';
import { CLI_PATH, run } from '../helpers/processes.js';
import { startHttpServer, type Service } from '../helpers/services.js';
import { nextVip } from '../helpers/vips.js';
import { canRunPodman, removeAllContainers, startContainer } from '../helpers/podman.js';
import { percentEncode } from '../../src/bootstrap/loader.js';

const NETNS_SKIP = canUseNetns();
const BARE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const services: Service[] = [];
const dirs: string[] = [];
after(async () => {
  await Promise.all(services.map((s) => s.stop().catch(() => {})));
  destroyAllNetns();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

/** `norouter show-installer | sh`, as a user types it, with HOME and PATH for the `sh` side. */
function install(home: string, path = BARE_PATH) {
  const q = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;
  return run(['sh', '-c', `${q(process.execPath)} ${q(CLI_PATH)} show-installer | HOME=${q(home)} PATH=${q(path)} sh`], { timeoutMs: 20_000 });
}

describe('norouter show-installer', { timeout: 60_000 }, () => {
  test('installs the single file and a launcher into ~/bin through a pipe into sh, and says what it did', async () => {
    const home = tempDir('nrt-home-');
    const r = await install(home);
    assert.equal(r.code, 0, r.stderr);
    const bin = join(home, 'bin');
    assert.match(r.stdout, new RegExp(`^norouter installer: installed norouter \\S+: ${bin}/norouter\\.cjs \\(\\d+ bytes\\) and the launcher ${bin}/norouter \\(runs \\S+/node, v\\d+\\.\\d+\\.\\d+\\)\\n`));
    assert.match(r.stdout, /is not on PATH: use ".*\/bin\/norouter" as the host's cmd/);
    assert.deepEqual(readdirSync(bin).sort(), ['norouter', 'norouter.cjs'], 'no temporary file left behind');
    assert.ok(readFileSync(join(bin, 'norouter.cjs')).equals(readFileSync(CLI_PATH)), 'byte for byte the single-file CLI');
    assert.equal(statSync(join(bin, 'norouter')).mode & 0o777, 0o755);
    const version = await run([join(bin, 'norouter'), '--version'], { env: { PATH: BARE_PATH } });
    assert.equal(version.stdout, `${JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version}\n`);

    // Again over the existing install: replaced in place, same result.
    const again = await install(home);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(readdirSync(bin).sort(), ['norouter', 'norouter.cjs']);
  });

  test('a host whose node is too old: refused before anything is written, saying what was found and what is needed', async () => {
    const home = tempDir('nrt-home-');
    const fakeBin = tempDir('nrt-old-node-');
    const fake = `--import=data:text/javascript,${percentEncode("Object.defineProperty(process.versions,'node',{value:'18.19.0'})")}`;
    writeFileSync(join(fakeBin, 'node'), `#!/bin/sh\nexec ${process.execPath} ${fake} "$@"\n`);
    chmodSync(join(fakeBin, 'node'), 0o755);
    const r = await install(home, `${fakeBin}:${BARE_PATH}`);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`norouter installer: error: node v18\\.19\\.0 \\(${fakeBin}/node\\) is too old: norouter needs Node\\.js >= 20\\.19`));
    assert.ok(!existsSync(join(home, 'bin')), 'nothing written');
  });

  test('a host without node: status 127 and a message naming what is needed', async () => {
    const home = tempDir('nrt-home-');
    // sh itself must be found: call it by path, with a PATH that has no node.
    const emptyBin = tempDir('nrt-empty-bin-');
    const r = await run(['sh', '-c', `'${process.execPath}' '${CLI_PATH}' show-installer | HOME='${home}' PATH='${emptyBin}' /bin/sh`], { timeoutMs: 20_000 });
    assert.match(r.stderr, /norouter installer: error: node was not found on this host \(PATH=.*\): norouter needs Node\.js >= 20\.19/);
    assert.ok(!existsSync(join(home, 'bin')));
  });

  test('the installed launcher works as a host\'s cmd', { skip: NETNS_SKIP }, async () => {
    const home = tempDir('nrt-home-');
    const r = await install(home);
    assert.equal(r.code, 0, r.stderr);
    const ns = await createNetns();
    services.push(await startHttpServer('installed here', { ns, port: 80 }));
    const box = { name: 'box', vip: nextVip(), cmd: cmdFor(ns, ['env', `PATH=${BARE_PATH}`, join(home, 'bin', 'norouter')]), ports: ['8080:127.0.0.1:80'] };
    const mesh = await startMesh([{ name: 'here', vip: nextVip() }, box]);
    try {
      await waitForBody(undefined, `http://${box.vip}:8080/`, 'installed here', 5000);
    } finally {
      const { code } = await mesh.stop();
      assert.equal(code, 0);
    }
  });
});

/**
 * A host without Node.js (busybox + musl, like Alpine): the plain installer refuses with a
 * message naming the way out; `--runtime` carries norouter's own Node runtime, and the
 * installed launcher is then a host's cmd in a mesh carrying real HTTP.
 */
describe('norouter show-installer --runtime on a host without Node.js', { skip: canRunPodman(), timeout: 300_000 }, () => {
  after(async () => { if (!canRunPodman()) await removeAllContainers(); });
  test('installs the runtime into the cache and a launcher that runs the agent with it', async () => {
    const c = await startContainer({ image: 'alpine-like', page: 'installed' });
    await c.waitListening(80);
    const q = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;
    const pipeInto = (flags: string) => run(['sh', '-c', `${q(process.execPath)} ${q(CLI_PATH)} show-installer ${flags} | podman exec -i ${c.name} sh`], { timeoutMs: 240_000 });
    // The plain installer, copied in first and then run: its refusal is read from a finished
    // process, not from a pipe that podman may close before the last line crosses it.
    const copied = await run(['sh', '-c', `${q(process.execPath)} ${q(CLI_PATH)} show-installer | podman exec -i ${c.name} sh -c 'cat > /tmp/install.sh'`], { timeoutMs: 60_000 });
    assert.equal(copied.code, 0, copied.stderr);
    const plain = await c.exec(['sh', '/tmp/install.sh']);
    assert.equal(plain.code, 127);
    assert.match(plain.stderr, /norouter installer: error: node was not found on this host .*: norouter needs Node\.js >= 20\.19, or an installer made by norouter show-installer --runtime/);
    const r = await pipeInto('--runtime');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /installed norouter's Node runtime \(node v[\d.]+\) in \/root\/\.cache\/norouter\/rt-[0-9a-f]{32}\n/);
    const version = await c.exec(['/root/bin/norouter', '--version']);
    assert.equal(version.stdout, `${JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version}\n`);
    const here = { name: 'here', vip: nextVip() };
    const box = { name: 'box', vip: nextVip(), cmd: c.execArgv('/root/bin/norouter'), ports: ['8080:127.0.0.1:80'] };
    const mesh = await startMesh([here, box], 60_000);
    try {
      const res = await fetch(`http://${box.vip}:8080/`);
      assert.equal(await res.text(), 'installed');
    } finally {
      await mesh.stop();
    }
  });
});
