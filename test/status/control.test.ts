/**
 * The control socket (src/status/control-server.ts, control-client.ts) for real: a Unix socket in
 * a 0700 directory, mode 0600; found from the manifest's path; gone after close; a socket left by
 * a killed router is replaced; another user cannot connect.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Accounting } from '../../src/status/accounting.js';
import { ControlServer } from '../../src/status/control-server.js';
import { askMeshes, askSocket } from '../../src/status/control-client.js';
import { controlDirPath, socketPath } from '../../src/status/control-path.js';
import { which } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';

const root = mkdtempSync(join(tmpdir(), 'nrt-control-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

function fresh() {
  const dir = join(root, `run${n++}`);
  mkdirSync(dir, { mode: 0o700 });
  const manifest = join(dir, 'm.yaml');
  writeFileSync(manifest, 'hosts: {}\n');
  const acct = new Accounting({ manifest, version: 'test' });
  acct.plan([{ name: 'a', vip: '127.0.42.1' }]);
  return { env: { XDG_RUNTIME_DIR: dir }, manifest, acct };
}

test('a mode 0600 socket in a 0700 directory answers with the snapshot, and is gone after close', async () => {
  const { env, manifest, acct } = fresh();
  const started = await ControlServer.start(manifest, (d) => acct.snapshot(d), env);
  assert.ok(started.ok, started.ok ? '' : started.message);
  const path = started.server.path;
  assert.equal(path, socketPath(controlDirPath(env), manifest));
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.equal(statSync(controlDirPath(env)).mode & 0o777, 0o700);
  const [one] = await askMeshes(manifest, false, env);
  assert.ok(one?.ok);
  assert.equal(one.snapshot.hosts[0]?.name, 'a');
  assert.equal(one.snapshot.mesh.manifest, manifest);
  const all = await askMeshes(undefined, false, env);
  assert.equal(all.length, 1);
  const again = await ControlServer.start(manifest, (d) => acct.snapshot(d), env);
  assert.ok(!again.ok && again.code === 'control-in-use', 'a second router of the same manifest leaves the first one alone');
  started.server.close();
  assert.equal(existsSync(path), false);
  assert.deepEqual(await askMeshes(undefined, false, env), []);
  const gone = await askMeshes(manifest, false, env);
  assert.equal(gone[0]?.ok, false);
  assert.equal(!gone[0]?.ok && gone[0]?.code, 'not-running');
});

test('a socket left by a killed router is recovered: listed as nothing, replaced on the next start', async () => {
  const { env, manifest, acct } = fresh();
  mkdirSync(controlDirPath(env), { mode: 0o700 });
  const path = socketPath(controlDirPath(env), manifest);
  // A process that listens on the socket and is killed: its socket file stays.
  const child = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(path)}, () => console.log('listening'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve) => child.stdout.once('data', resolve));
  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('exit', resolve));
  assert.ok(existsSync(path));
  assert.equal((await askSocket(path)).ok, false);
  const started = await ControlServer.start(manifest, (d) => acct.snapshot(d), env);
  assert.ok(started.ok, started.ok ? '' : started.message);
  assert.ok((await askSocket(path)).ok);
  started.server.close();
  // And `status` without FILE removes a stale one it finds.
  const child2 = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(path)}, () => console.log('listening'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve) => child2.stdout.once('data', resolve));
  child2.kill('SIGKILL');
  await new Promise((resolve) => child2.once('exit', resolve));
  assert.deepEqual(await askMeshes(undefined, false, env), []);
  assert.equal(existsSync(path), false);
});

const ROOT_SKIP = process.getuid?.() !== 0 ? 'needs root (to become another user)' : !which('setpriv') ? 'setpriv is not installed' : false;

test('another user cannot connect to the socket', { skip: ROOT_SKIP }, async () => {
  const { env, manifest, acct } = fresh();
  // The test's own directories must be passable for nobody to even try the socket itself.
  chmodSync(root, 0o755);
  chmodSync(env.XDG_RUNTIME_DIR, 0o755);
  const started = await ControlServer.start(manifest, (d) => acct.snapshot(d), env);
  assert.ok(started.ok);
  try {
    const script = `const s = require('net').createConnection(${JSON.stringify(started.server.path)}); s.on('connect', () => { console.log('connected'); s.destroy(); }); s.on('error', (e) => console.log(e.code));`;
    const asNobody = () => spawnSync('setpriv', ['--reuid', 'nobody', '--regid', 'nogroup', '--clear-groups', process.execPath, '-e', script], { encoding: 'utf8' });
    let r = asNobody();
    assert.equal(r.stdout.trim(), 'EACCES', `through the 0700 directory: ${r.stderr}`);
    // The socket's own mode (0600) stops it too, should the directory be opened.
    chmodSync(controlDirPath(env), 0o755);
    r = asNobody();
    assert.equal(r.stdout.trim(), 'EACCES', `by the socket's mode: ${r.stderr}`);
  } finally {
    started.server.close();
  }
});

test('a control directory of another user is refused, not used', { skip: ROOT_SKIP }, async () => {
  const { env, manifest, acct } = fresh();
  const dir = controlDirPath(env);
  mkdirSync(dir, { mode: 0o700 });
  chownSync(dir, 65534, 65534);
  const started = await ControlServer.start(manifest, (d) => acct.snapshot(d), env);
  assert.ok(!started.ok);
  assert.equal(started.code, 'control-dir');
  assert.match(started.message, /belongs to user 65534, not to this user/);
});

test('a control directory open to others is made 0700 before a socket goes in', async () => {
  const { env, manifest, acct } = fresh();
  const dir = controlDirPath(env);
  mkdirSync(dir, { mode: 0o700 });
  chmodSync(dir, 0o777);
  const started = await ControlServer.start(manifest, (d) => acct.snapshot(d), env);
  assert.ok(started.ok);
  assert.equal(statSync(dir).mode & 0o777, 0o700);
  started.server.close();
  await waitFor(() => !existsSync(started.server.path), { timeoutMs: 2000, what: 'the socket to go' });
});
