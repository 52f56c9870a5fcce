// The port watcher on this machine's real /proc/net/tcp{,6}: a server in a child process is
// found and, once it exits, withdrawn; a server of this very process (the agent's own socket,
// as its proxies are) is never published, found by inode in /proc/self/fd.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PortWatcher, ownSocketInodes } from '../../src/discover/watcher.js';
import type { PresenceChange } from '../../src/discover/presence.js';
import { startTcpServer } from '../helpers/services.js';
import { waitFor } from '../helpers/wait.js';

test('a child\'s listener appears and is withdrawn; this process\'s own never appears', { skip: process.platform !== 'linux' && 'needs /proc' }, async () => {
  const own = createServer();
  await new Promise<void>((resolve) => own.listen(0, '127.0.0.1', resolve));
  const ownPort = (own.address() as AddressInfo).port;
  const child = await startTcpServer('echo', { host: '127.0.0.1' });
  const changes: PresenceChange[] = [];
  const watcher = new PortWatcher({
    filter: { include: [[1, 65535]], exclude: [] },
    meshAddresses: new Set(),
    onChange: (c) => changes.push(c),
    log: (line) => assert.fail(line),
    pollMs: 20,
  });
  try {
    watcher.start();
    await waitFor(() => watcher.published.some((p) => p.port === child.port), { what: `port ${child.port} discovered` });
    assert.deepEqual(watcher.published.find((p) => p.port === child.port), { port: child.port, host: '127.0.0.1' });
    assert.ok(!watcher.published.some((p) => p.port === ownPort), 'the watcher\'s own process\'s socket is left out');
    await child.stop();
    await waitFor(() => changes.some((c) => c.withdrawn.some((p) => p.port === child.port)), { what: `port ${child.port} withdrawn` });
    assert.ok(!watcher.published.some((p) => p.port === child.port));
  } finally {
    watcher.close();
    own.close();
    await child.stop();
  }
});

test('ownSocketInodes lists this process\'s sockets', { skip: process.platform !== 'linux' && 'needs /proc' }, async () => {
  const before = ownSocketInodes().size;
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  assert.equal(ownSocketInodes().size, before + 1);
  s.close();
});

test('an idle host is read through its socket counters only; a count that moves, or a pending withdrawal, brings a full scan', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nrt-discover-'));
  const tcp = join(dir, 'tcp');
  const sockstat = join(dir, 'sockstat');
  const HEADER = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
  const row = (port: number, inode: number) => `   0: 0100007F:${port.toString(16).toUpperCase().padStart(4, '0')} 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 ${inode} 1 0 100 0 0 10 0\n`;
  writeFileSync(tcp, HEADER + row(8080, 900001));
  writeFileSync(sockstat, 'sockets: used 5\nTCP: inuse 1 orphan 0 tw 0 alloc 5 mem 0\n');
  const changes: PresenceChange[] = [];
  const watcher = new PortWatcher({
    filter: { include: [[1, 65535]], exclude: [] }, meshAddresses: new Set(), onChange: (c) => changes.push(c), log: (l) => assert.fail(l),
    files: [{ path: tcp, family: 4 }], sockstatFiles: [sockstat], pollMs: 5,
  });
  try {
    watcher.start();
    assert.deepEqual(watcher.published, [{ port: 8080, host: '127.0.0.1' }]);
    await waitFor(() => watcher.polls >= 20, { what: '20 polls' });
    assert.equal(watcher.scans, 1, 'no full scan while the counts stand still');
    // The listener goes and the count with it: one scan misses it, the next (pending) withdraws it.
    writeFileSync(tcp, HEADER);
    writeFileSync(sockstat, 'sockets: used 4\nTCP: inuse 0 orphan 0 tw 0 alloc 4 mem 0\n');
    await waitFor(() => changes.some((c) => c.withdrawn.length), { what: 'the withdrawal' });
    assert.equal(watcher.scans, 3);
    const polls = watcher.polls;
    await waitFor(() => watcher.polls >= polls + 20, { what: '20 more polls' });
    assert.equal(watcher.scans, 3, 'idle again');
  } finally {
    watcher.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('UDP (docs/discovery.md, "UDP"): a child\'s server is published after two scans; a child\'s client socket in the ephemeral range and this process\'s own never are', { skip: process.platform !== 'linux' && 'needs /proc' }, async () => {
  const { spawn } = await import('node:child_process');
  const { createSocket } = await import('node:dgram');
  const own = createSocket('udp4');
  await new Promise<void>((resolve) => own.bind(0, '127.0.0.1', resolve));
  // The server needs a port outside the ephemeral range (where one bound to 0 lands): the first free one from 17300 up.
  const child = spawn(process.execPath, ['-e', `
    const d = require('dgram');
    const client = d.createSocket('udp4');
    client.bind(0, '127.0.0.1', () => {
      const tryPort = (p) => { const s = d.createSocket('udp4'); s.once('error', () => tryPort(p + 1)); s.bind(p, '127.0.0.1', () => console.log(p + ' ' + client.address().port)); };
      tryPort(17300);
    });
    setInterval(() => {}, 1000);`], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [serverPort, clientPort] = await new Promise<number[]>((resolve) => child.stdout.once('data', (b: Buffer) => resolve(b.toString().trim().split(' ').map(Number))));
  const udpChanges: PresenceChange[] = [];
  const watcher = new PortWatcher({
    filter: { include: [[1, 65535]], exclude: [], udp: true },
    meshAddresses: new Set(),
    onChange: () => {},
    onUdpChange: (c) => udpChanges.push(c),
    log: (line) => assert.fail(line),
    pollMs: 20,
    ephemeral: [32768, 60999],
  });
  try {
    assert.ok(clientPort! >= 32768 && clientPort! <= 60999, `the client's port ${clientPort} is ephemeral`);
    watcher.start();
    await waitFor(() => watcher.publishedUdp.some((p) => p.port === serverPort), { what: `UDP port ${serverPort} discovered` });
    assert.ok(watcher.scans >= 2, 'published on a second scan, not the first');
    assert.deepEqual(watcher.publishedUdp.find((p) => p.port === serverPort), { port: serverPort, host: '127.0.0.1' });
    assert.ok(!watcher.publishedUdp.some((p) => p.port === clientPort), 'the client\'s socket is left out');
    assert.ok(!watcher.publishedUdp.some((p) => p.port === (own.address()).port), 'this process\'s own socket is left out');
    assert.ok(!watcher.published.some((p) => p.port === serverPort), 'a UDP port is not a TCP one');
    child.kill('SIGKILL');
    await waitFor(() => udpChanges.some((c) => c.withdrawn.some((p) => p.port === serverPort)), { what: `UDP port ${serverPort} withdrawn` });
  } finally {
    watcher.close();
    own.close();
    child.kill('SIGKILL');
  }
});

/**
 * Fake /proc tables for a PortWatcher: an empty TCP table, a UDP table of `rows` (address hex,
 * port, inode each), and sockstat counts that say how many UDP sockets there are; `set` rewrites
 * both, `files` is what the watcher reads, `remove` cleans up.
 */
function fakeProc(rows: Array<[string, number, number]>) {
  const dir = mkdtempSync(join(tmpdir(), 'nrt-discover-'));
  const [tcp, udp, sockstat] = [join(dir, 'tcp'), join(dir, 'udp'), join(dir, 'sockstat')];
  const HEADER = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
  const row = ([address, port, inode]: [string, number, number], sl: number) => `  ${sl + 1}: ${address}:${port.toString(16).toUpperCase().padStart(4, '0')} 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 ${inode} 2 0000000000000000 0\n`;
  const set = (list: Array<[string, number, number]>) => {
    writeFileSync(udp, HEADER + list.map(row).join(''));
    writeFileSync(sockstat, `sockets: used ${4 + list.length}\nTCP: inuse 0 orphan 0 tw 0 alloc 5 mem 0\nUDP: inuse ${list.length} mem 0\n`);
  };
  writeFileSync(tcp, HEADER);
  set(rows);
  return {
    set,
    files: { files: [{ path: tcp, family: 4 as const }], udpFiles: [{ path: udp, family: 4 as const }], sockstatFiles: [sockstat] },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

// Bug: a UDP port seen once (waiting for the scan that confirms it) stayed waiting when a reload
// turned UDP off, so every poll became a full scan for as long as the agent ran.
test('UDP turned off while a UDP port waits for its second scan: the host goes idle again', async () => {
  const proc = fakeProc([['0100007F', 5000, 900002]]);
  const watcher = new PortWatcher({
    filter: { include: [[1, 65535]], exclude: [], udp: true }, meshAddresses: new Set(), onChange: () => {}, log: (l) => assert.fail(l),
    ...proc.files, pollMs: 5, ephemeral: [32768, 60999],
  });
  try {
    watcher.start();
    watcher.update({ include: [[1, 65535]], exclude: [] }, new Set());
    const scans = watcher.scans;
    const polls = watcher.polls;
    await waitFor(() => watcher.polls >= polls + 20, { what: '20 polls' });
    assert.equal(watcher.scans, scans, 'no full scan while the counts stand still');
    assert.deepEqual(watcher.publishedUdp, []);
  } finally {
    watcher.close();
    proc.remove();
  }
});

// Bug: every client socket bound to 0.0.0.0 (each unconnected sender picks one) changed the set of
// UDP ports held on every address, and each change relistened the agent.
test('UDP ports held on every address: servers only, not clients\' sockets in the ephemeral range', async () => {
  // 0.0.0.0:5000 a server; 0.0.0.0:40000 and :40001 clients' sockets.
  const proc = fakeProc([['00000000', 5000, 900101], ['00000000', 40000, 900102]]);
  let changes = 0;
  const watcher = new PortWatcher({
    filter: { include: [[1, 65535]], exclude: [], udp: true }, meshAddresses: new Set(), onChange: () => {}, log: (l) => assert.fail(l),
    onWildcardChange: () => { changes++; },
    ...proc.files, pollMs: 5, ephemeral: [32768, 60999],
  });
  try {
    watcher.start();
    await waitFor(() => watcher.wildcardUdpPorts.size > 0, { what: 'the server on 0.0.0.0:5000 seen' });
    assert.deepEqual([...watcher.wildcardUdpPorts], [5000]);
    const before = changes;
    // Another client's socket comes and goes: the counts move, a full scan follows, the set stands.
    proc.set([['00000000', 5000, 900101], ['00000000', 40000, 900102], ['00000000', 40001, 900103]]);
    const scans = watcher.scans;
    await waitFor(() => watcher.scans > scans, { what: 'a full scan after the counts moved' });
    assert.equal(changes, before, 'no change of the held ports for a client\'s socket');
    assert.deepEqual([...watcher.wildcardUdpPorts], [5000]);
  } finally {
    watcher.close();
    proc.remove();
  }
});
