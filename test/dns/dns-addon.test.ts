// The DNS add-on inside an agent, on temp files standing in for /etc/resolv.conf and
// /etc/hosts: what happens when port 53 cannot be had, and recovery after a kill -9.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DnsAddon } from '../../src/dns/dns-addon.js';
import { patchResolvConf } from '../../src/dns/resolv-conf.js';
import { addHostsBlock } from '../../src/dns/etc-hosts.js';
import { formatOwner } from '../../src/dns/owner.js';
import { nextVip } from '../helpers/vips.js';
import { waitFor } from '../helpers/wait.js';
import { buildQuery, deadOwner, liveOwner, readAnswer, udpExchange } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'nrt-dns-addon-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const ORIGINAL = 'nameserver 192.0.2.53\noptions rotate\n';

function files(name: string): { resolvConf: string; hosts: string } {
  const paths = { resolvConf: join(dir, `${name}.resolv`), hosts: join(dir, `${name}.hosts`) };
  writeFileSync(paths.resolvConf, ORIGINAL);
  writeFileSync(paths.hosts, '127.0.0.1 localhost\n');
  return paths;
}

test('port 53 taken: a warning saying why and what still works, a fallback port that answers, resolv.conf untouched', async () => {
  const vip = nextVip();
  const paths = files('busy');
  // Something else holds VIP:53 (as root), or binding 53 is not allowed at all (not root): either way, 53 is not ours.
  const squatter = createSocket('udp4');
  await new Promise<void>((resolve) => {
    squatter.once('error', () => resolve());
    squatter.bind(53, vip, () => resolve());
  });
  const logs: string[] = [];
  const addon = new DnsAddon(vip, (l) => logs.push(l), { paths, fallbackPorts: [0] });
  try {
    await addon.apply({ port: 53, resolvConf: 'true', etcHosts: false, names: [{ name: 'host2', vip: '127.0.42.102' }] });
    const warning = logs.find((l) => l.includes('warning'));
    assert.match(warning ?? '', new RegExp(`cannot listen on ${vip.replace(/\./g, '\\.')}:53 \\((the port is in use|permission denied: ports below 1024 need root or CAP_NET_BIND_SERVICE)\\); serving DNS on .*:\\d+ instead .*resolv\\.conf is left alone.*The mesh itself is unaffected`));
    assert.ok(addon.port && addon.port !== 53);
    assert.deepEqual(readAnswer(await udpExchange(vip, addon.port, buildQuery('host2'))).addresses, ['127.0.42.102']);
    assert.equal(readFileSync(paths.resolvConf, 'utf8'), ORIGINAL);
  } finally {
    await addon.close();
    squatter.close();
  }
});

test('after a kill -9: the next start puts back what a dead agent left changed, and leaves a live agent\'s changes alone', async () => {
  const vip = nextVip();
  const paths = files('crashed');
  const dead = await deadOwner(vip, 53);
  writeFileSync(paths.resolvConf, patchResolvConf(ORIGINAL, dead));
  writeFileSync(paths.hosts, addHostsBlock('127.0.0.1 localhost\n', [{ name: 'old', vip }], undefined, formatOwner(dead)));
  const other = files('other');
  const live = await liveOwner('127.9.9.9', 53);
  after(() => live.stop());
  const otherPatched = patchResolvConf(ORIGINAL, live.owner);
  writeFileSync(other.resolvConf, otherPatched);

  const logs: string[] = [];
  const addon = new DnsAddon(vip, (l) => logs.push(l), { paths });
  await addon.apply({ etcHosts: true, names: [{ name: 'host2', vip: '127.0.42.102' }] });
  assert.equal(readFileSync(paths.resolvConf, 'utf8'), ORIGINAL);
  assert.match(readFileSync(paths.hosts, 'utf8'), /^127\.0\.42\.102 host2$/m);
  assert.doesNotMatch(readFileSync(paths.hosts, 'utf8'), / old$/m);
  assert.ok(logs.some((l) => /restored the original that an earlier agent/.test(l)));
  await addon.close();
  assert.equal(readFileSync(paths.hosts, 'utf8'), '127.0.0.1 localhost\n');

  const bystander = new DnsAddon(vip, () => {}, { paths: other });
  await bystander.apply({ etcHosts: false, names: [] });
  await bystander.close();
  assert.equal(readFileSync(other.resolvConf, 'utf8'), otherPatched, "a live agent's patch is not ours to undo");
});

// Two agents sharing one resolv.conf (two meshes on one host). The bug: the second patched the
// first one's patch and relayed to the first one's server; stopping them in one order left the
// file pointing at a dead server. Now the second leaves a live patch alone, says so, relays to
// the original's nameservers, and takes the file over once the first has gone.
test('a second agent leaves a live agent\'s patch alone and takes over when it exits', { skip: process.getuid?.() === 0 ? false : 'port 53 needs root' }, async () => {
  const paths = files('shared');
  const [va, vb] = [nextVip(), nextVip()];
  const logsA: string[] = [];
  const logsB: string[] = [];
  const a = new DnsAddon(va, (l) => logsA.push(l), { paths });
  const b = new DnsAddon(vb, (l) => logsB.push(l), { paths, takeoverPollMs: 20 });
  const config = { port: 53, resolvConf: 'true' as const, etcHosts: true, names: [{ name: 'host2', vip: '127.0.42.102' }] };
  try {
    await a.apply(config);
    const patchedByA = readFileSync(paths.resolvConf, 'utf8');
    assert.match(patchedByA, new RegExp(`^nameserver ${va.replace(/\./g, '\\.')}$`, 'm'));
    await b.apply(config);
    assert.equal(readFileSync(paths.resolvConf, 'utf8'), patchedByA, "A's patch is left as it is");
    assert.ok(logsB.some((l) => l.includes(`is patched by another live norouter agent, ${va} (pid ${process.pid})`)), logsB.join('\n'));
    assert.ok(logsB.some((l) => l.endsWith('other names go to 192.0.2.53')), `B relays to the original's nameserver, not to A: ${logsB.join('\n')}`);
    await a.close();
    await waitFor(() => readFileSync(paths.resolvConf, 'utf8').includes(`nameserver ${vb}\n`), { what: 'B to take the file over' });
    await b.close();
    assert.equal(readFileSync(paths.resolvConf, 'utf8'), ORIGINAL);
    assert.equal(readFileSync(paths.hosts, 'utf8'), '127.0.0.1 localhost\n');
  } finally {
    await a.close();
    await b.close();
  }
});
