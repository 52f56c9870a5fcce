// Regression: `resolvConf: auto` patched the machine's real /etc/resolv.conf through a host whose
// cmd was `ip netns exec NS …` without a mount namespace of its own: a host with a `cmd` is not
// always another filesystem. The router now names its machine and its /etc/resolv.conf in HELLO,
// and an agent that sees the very same file leaves it alone (docs/protocol.md §4.1).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DnsAddon } from '../../src/dns/dns-addon.js';
import { isRoutersResolvConf, readMachineFiles } from '../../src/dns/same-machine.js';
import { nextVip } from '../helpers/vips.js';

const dir = mkdtempSync(join(tmpdir(), 'nrt-same-machine-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const ORIGINAL = 'nameserver 192.0.2.53\n';

function file(name: string): { resolvConf: string; hosts: string } {
  const paths = { resolvConf: join(dir, `${name}.resolv`), hosts: join(dir, `${name}.hosts`) };
  writeFileSync(paths.resolvConf, ORIGINAL);
  writeFileSync(paths.hosts, '127.0.0.1 localhost\n');
  return paths;
}

test('the same file on the same kernel is the router\'s; another file or another kernel is not', () => {
  const a = file('a');
  const b = file('b');
  const routerA = readMachineFiles(a.resolvConf);
  assert.ok(routerA?.resolvConf, 'boot id and file id are readable on Linux');
  assert.equal(isRoutersResolvConf(a.resolvConf, routerA), true);
  assert.equal(isRoutersResolvConf(b.resolvConf, routerA), false);
  assert.equal(isRoutersResolvConf(a.resolvConf, { ...routerA, bootId: 'another-kernel' }), false);
  assert.equal(isRoutersResolvConf(a.resolvConf, undefined), false, 'an older router says nothing: behave as before');
});

test('resolvConf auto leaves the router machine\'s own file alone, and says so', async () => {
  const vip = nextVip();
  const paths = file('shared');
  const logs: string[] = [];
  const routerMachine = readMachineFiles(paths.resolvConf);
  const addon = new DnsAddon(vip, (l) => logs.push(l), { paths, fallbackPorts: [0], ...(routerMachine ? { routerMachine } : {}) });
  try {
    await addon.apply({ port: 53, resolvConf: 'auto', etcHosts: false, names: [{ name: 'host2', vip: '127.0.42.102' }] });
    assert.equal(readFileSync(paths.resolvConf, 'utf8'), ORIGINAL);
    if (addon.port === 53) assert.ok(logs.some((l) => /router machine's own file/.test(l)), logs.join('\n'));
  } finally {
    await addon.close();
  }
});
