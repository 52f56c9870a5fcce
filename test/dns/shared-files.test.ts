// Files that several agents share (host-files.ts), on temp files, with real processes standing in
// for the other agents (alive: a running process; dead: one that has exited). The bugs these
// guard: a second agent patched the first one's patch (the file nested, growing at each restart),
// took its upstreams from it (two relays pointing at each other: every outside name SERVFAIL),
// "restored" the live first agent's patch when it started again, and a clean stop in one order
// left the file pointing at a dead server. And a resolv.conf or hosts file that is a FIFO or a
// device made the reader hang or read without end.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addHostsBlock, hostsBlockOwners, removeHostsBlock } from '../../src/dns/etc-hosts.js';
import { claimResolvConf, HostsBlock, originalResolvConf, recoverStale } from '../../src/dns/host-files.js';
import { HostFileError, withHostFileLock } from '../../src/dns/host-file-io.js';
import { formatOwner, ownerFor, ownerState } from '../../src/dns/owner.js';
import { nameserversOf, originalOf, patchResolvConf } from '../../src/dns/resolv-conf.js';
import { DnsAddon } from '../../src/dns/dns-addon.js';
import { nextVip } from '../helpers/vips.js';
import { waitFor } from '../helpers/wait.js';
import { deadOwner, liveOwner } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'nrt-dns-shared-'));
const stops: Array<() => Promise<void>> = [];
after(async () => {
  for (const s of stops) await s();
  rmSync(dir, { recursive: true, force: true });
});
const ORIGINAL = '# the host\'s own\nsearch example.test\nnameserver 192.0.2.53\nnameserver 192.0.2.54\noptions rotate ndots:2\n';
const HOSTS = '127.0.0.1 localhost\n::1 localhost';
let n = 0;
function file(text: string): string {
  const path = join(dir, `f${n++}`);
  writeFileSync(path, text, 'latin1');
  return path;
}
async function live(vip = nextVip()): Promise<Awaited<ReturnType<typeof liveOwner>>> {
  const l = await liveOwner(vip, 53);
  stops.push(l.stop);
  return l;
}
const read = (path: string): string => readFileSync(path, 'latin1');
const markers = (text: string): number => text.split('\n').filter((l) => l.startsWith('# norouter:')).length;

/** A patch as versions before owner records wrote it. */
function legacyPatch(original: string, vip: string): string {
  const b64 = Buffer.from(original, 'latin1').toString('base64');
  return `# norouter: patched for ${vip} by the norouter agent (pid 1)\n# norouter restores the original below when its agent exits (or at its next start).\nnameserver ${vip}\n# norouter-original-begin\n# ${b64}\n# norouter-original-end\n`;
}

test('owners: this process is itself, a running process is alive, an exited one is dead', async () => {
  const a = await live();
  assert.equal(ownerState(ownerFor('127.0.0.9'), ownerFor('127.0.0.9')), 'self');
  assert.equal(ownerState(a.owner), 'alive');
  assert.equal(ownerState(await deadOwner(nextVip())), 'dead');
  assert.equal(ownerState({ ...a.owner, start: String(Number(a.owner.start) + 1) }), 'dead', 'a reused pid is not the owner');
  assert.equal(ownerState({ ...a.owner, boot: 'another-boot' }), 'dead', 'the machine restarted since');
  // A zombie (killed, its parent not reaping it) holds nothing and restores nothing: dead.
  const parent = spawn('sh', ['-c', 'sleep 1000 & echo $!; read x; kill -9 $!; exec sleep 1000'], { stdio: ['pipe', 'pipe', 'ignore'] });
  stops.push(async () => void parent.kill('SIGKILL'));
  const [line] = (await once(parent.stdout, 'data')) as [Buffer];
  const zombie = ownerFor(nextVip(), 53, Number(line.toString().trim()));
  assert.equal(ownerState(zombie), 'alive');
  parent.stdin.write('go\n');
  await waitFor(() => readFileSync(`/proc/${zombie.pid}/stat`, 'latin1').includes(') Z '), { what: 'the child to be a zombie' });
  assert.equal(ownerState(zombie), 'dead');
});

test('a live patch stays its owner\'s: the second agent does not patch, takes upstreams from the original, takes over after a clean stop', async () => {
  const path = file(ORIGINAL);
  const [a, b] = [await live(), await live()];
  const claimA = claimResolvConf(path, a.owner);
  assert.equal(claimA.kind, 'patched');
  const patchedByA = read(path);
  assert.deepEqual(claimResolvConf(path, b.owner), { kind: 'held', owner: a.owner });
  assert.equal(read(path), patchedByA, 'not patched again');
  assert.equal(originalResolvConf(path), ORIGINAL, "upstreams come from the original, not from A's patch");
  assert.deepEqual(recoverStale(b.owner.vip, { resolvConf: path, hosts: file(HOSTS) }), [], 'a live patch is not recovered');
  assert.equal(read(path), patchedByA);
  if (claimA.kind !== 'patched') return;
  assert.equal(claimA.patch.restore(), `${path} restored`);
  assert.equal(read(path), ORIGINAL);
  assert.equal(claimResolvConf(path, b.owner).kind, 'patched', 'B takes over once A is gone');
  assert.deepEqual(nameserversOf(read(path)), [b.owner.vip]);
});

test('a dead owner\'s patch is taken over from the original it carries: patched once, never nested', async () => {
  const path = file(ORIGINAL);
  const gone = await deadOwner(nextVip(), 53);
  writeFileSync(path, patchResolvConf(ORIGINAL, gone));
  const b = await live();
  const claim = claimResolvConf(path, b.owner);
  assert.equal(claim.kind, 'patched');
  assert.deepEqual(claim.kind === 'patched' && claim.recoveredFrom, gone);
  assert.equal(markers(read(path)), 1);
  assert.equal(originalOf(read(path)), ORIGINAL);
  if (claim.kind === 'patched') claim.patch.restore();
  assert.equal(read(path), ORIGINAL);
});

test('a file nested by an older version is unwrapped to the innermost original', async () => {
  // Nobody listens on these VIPs' port 53: the older agents are gone.
  const path = file(legacyPatch(legacyPatch(legacyPatch(ORIGINAL, nextVip()), nextVip()), nextVip()));
  assert.equal(originalResolvConf(path), ORIGINAL);
  const b = await live();
  assert.equal(claimResolvConf(path, b.owner).kind, 'patched');
  assert.equal(markers(read(path)), 1);
  assert.equal(originalOf(read(path)), ORIGINAL);
});

test('a patch rewritten by someone else (Docker) is left as it is by its owner', async () => {
  const path = file(ORIGINAL);
  const a = await live();
  const claim = claimResolvConf(path, a.owner);
  writeFileSync(path, 'nameserver 10.9.9.9\n');
  assert.match(claim.kind === 'patched' ? claim.patch.restore() : '', /rewritten by someone else/);
  assert.equal(read(path), 'nameserver 10.9.9.9\n');
});

test('/etc/hosts: one block per owner, each removes only its own, dead owners\' blocks are removed, never duplicated', async () => {
  for (const original of [HOSTS, `${HOSTS}\n`, '']) {
    const path = file(original);
    const [a, b] = [await live(), await live()];
    const names = [{ name: 'h1', vip: '127.0.42.101' }];
    const ga = HostsBlock.write(path, a.owner, names, 'mesh');
    HostsBlock.write(path, a.owner, [...names, { name: 'h2', vip: '127.0.42.102' }], 'mesh'); // a reload: rewritten, not added
    const gb = HostsBlock.write(path, b.owner, names, undefined);
    assert.deepEqual(hostsBlockOwners(read(path)), [formatOwner(a.owner), formatOwner(b.owner)]);
    assert.match(read(path), /^127\.0\.42\.102 h2 h2\.mesh$/m);
    // A third agent, killed: its block goes when anyone next writes or recovers.
    const gone = await deadOwner(nextVip(), 53);
    writeFileSync(path, addHostsBlock(read(path), names, undefined, formatOwner(gone)), 'latin1');
    assert.match(recoverStale(b.owner.vip, { resolvConf: file(ORIGINAL), hosts: path })[0] ?? '', /removed the block/);
    assert.deepEqual(hostsBlockOwners(read(path)), [formatOwner(a.owner), formatOwner(b.owner)]);
    assert.match(ga.block.remove(), /our block removed/);
    assert.deepEqual(hostsBlockOwners(read(path)), [formatOwner(b.owner)], "B's block stays while A leaves");
    assert.match(ga.block.remove(), /already gone/);
    gb.block.remove();
    assert.equal(read(path), original, 'byte for byte');
    // The same agent restarted after a kill: its earlier block is a dead owner's, replaced.
    const first = await live(a.owner.vip);
    HostsBlock.write(path, first.owner, names, undefined);
    await first.stop();
    const second = await live(a.owner.vip);
    const g = HostsBlock.write(path, second.owner, names, undefined);
    assert.equal(g.removed, 1);
    assert.deepEqual(hostsBlockOwners(read(path)), [formatOwner(second.owner)]);
    assert.equal(removeHostsBlock(read(path), formatOwner(second.owner)), original);
  }
});

test('a resolv.conf or hosts file that is a FIFO, a device, a directory, a symlink to one, or huge: a clear error, at once', { timeout: 20_000 }, async () => {
  const fifo = join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  const directory = join(dir, 'directory');
  mkdirSync(directory);
  const toFifo = join(dir, 'to-fifo');
  symlinkSync(fifo, toFifo);
  const huge = file('');
  truncateSync(huge, 1 << 30); // sparse: 1 GiB of zeros
  const cases: Array<[string, RegExp]> = [
    [fifo, /it is a FIFO \(named pipe\), not a regular file/],
    [toFifo, /it is a FIFO \(named pipe\), not a regular file/],
    ['/dev/zero', /it is a character device, not a regular file/],
    [directory, /it is a directory, not a regular file/],
    [huge, /it is larger than \d+ bytes/],
  ];
  const me = await live();
  for (const [path, message] of cases) {
    assert.throws(() => originalResolvConf(path), (e: unknown) => e instanceof HostFileError && message.test(e.message), path);
    assert.throws(() => claimResolvConf(path, me.owner), HostFileError, path);
    assert.throws(() => HostsBlock.write(path, me.owner, [], undefined), HostFileError, path);
    assert.deepEqual(recoverStale(me.owner.vip, { resolvConf: path, hosts: path }), [], path);
    // The add-on: a warning saying why, the DNS server still up.
    const logs: string[] = [];
    const addon = new DnsAddon(nextVip(), (l) => logs.push(l), { paths: { resolvConf: path, hosts: path }, fallbackPorts: [0] });
    try {
      await addon.apply({ port: 0, etcHosts: true, names: [{ name: 'h', vip: '127.0.42.101' }] });
      assert.ok(logs.some((l) => l.includes('cannot be read') && message.test(l)), `${path}: ${logs.join('\n')}`);
      assert.ok(logs.some((l) => l.includes('is not written') && message.test(l)), `${path}: ${logs.join('\n')}`);
      assert.ok(addon.port, 'the server serves all the same');
    } finally {
      await addon.close();
    }
  }
});

test('the lock agents take turns with: a dead holder\'s lock is taken over, a live holder stuck past the wait is overridden', async () => {
  for (const holder of [await deadOwner(nextVip(), 53), (await live()).owner]) {
    const path = file(ORIGINAL);
    const s = statSync(path);
    const lock = `/tmp/norouter-${s.dev}-${s.ino}.lock`;
    writeFileSync(lock, formatOwner(holder));
    const me = await live();
    try {
      const claim = claimResolvConf(path, me.owner);
      assert.equal(claim.kind, 'patched');
      assert.equal(existsSync(lock), false, 'released after use');
      if (claim.kind === 'patched') claim.patch.restore();
      assert.equal(read(path), ORIGINAL);
    } finally {
      rmSync(lock, { force: true });
    }
  }
});

// A holder that was slow (its lock taken over meanwhile by a waiter that judged it dead) removed
// the new holder's lock when it finished: two agents then held the lock at once.
test('a lock is released only by its holder: one taken over meanwhile stays', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nrt-lock-'));
  try {
    const file = join(dir, 'resolv.conf');
    writeFileSync(file, 'nameserver 192.0.2.1\n');
    const s = statSync(file);
    const lock = join('/tmp', `norouter-${s.dev}-${s.ino}.lock`);
    const me = ownerFor(nextVip(), 53);
    const other = formatOwner(ownerFor(nextVip(), 53));
    withHostFileLock(file, me, () => {
      assert.equal(readFileSync(lock, 'utf8'), formatOwner(me));
      writeFileSync(lock, other); // another agent took the lock over
    });
    assert.equal(readFileSync(lock, 'utf8'), other, 'the other holder keeps its lock');
    rmSync(lock);
    withHostFileLock(file, me, () => undefined);
    assert.equal(existsSync(lock), false, 'our own lock is removed');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
