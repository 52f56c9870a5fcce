// resolv.conf and /etc/hosts as text: the patch keeps only what it must, and what it
// changed comes back byte for byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isPatched, nameserversOf, originalOf, patchResolvConf } from '../../src/dns/resolv-conf.js';
import { ownerFor } from '../../src/dns/owner.js';
import { addHostsBlock, hasHostsBlock, removeHostsBlock } from '../../src/dns/etc-hosts.js';

const docker = 'search example.com svc.cluster.local\r\nnameserver 10.0.0.2\nnameserver 10.0.0.3\n# a comment\noptions ndots:5 rotate timeout:2\n';

test('patched resolv.conf: ours the only nameserver, search and ndots kept, rotate dropped', () => {
  const patched = patchResolvConf(docker, ownerFor('127.0.42.101', 53));
  assert.deepEqual(nameserversOf(patched), ['127.0.42.101']);
  assert.match(patched, /^search example\.com svc\.cluster\.local$/m);
  assert.match(patched, /^options ndots:5 timeout:2$/m);
  assert.doesNotMatch(patched, /rotate/);
  assert.ok(isPatched(patched));
  assert.ok(patched.split('\n').every((l) => l.length < 256), 'every line shorter than musl\'s 256-byte line buffer (it skips longer lines)');
});

test('the original comes back byte for byte, whatever bytes it holds', () => {
  for (const original of [docker, '', 'nameserver 1.1.1.1', 'nameserver 8.8.8.8\n\n\n', 'x\u00ff\u0000y\n'.repeat(500)]) {
    assert.equal(originalOf(patchResolvConf(original, ownerFor('127.0.42.101'))), original);
  }
  assert.equal(originalOf(docker), undefined, 'not ours');
  assert.deepEqual(nameserversOf(docker), ['10.0.0.2', '10.0.0.3']);
});

test('/etc/hosts: the block adds every name and alias, and removing it restores the file exactly', () => {
  const names = [{ name: 'host1', vip: '127.0.42.101' }, { name: 'www', vip: '127.0.42.101' }, { name: 'host2', vip: '127.0.42.102' }];
  for (const original of ['127.0.0.1 localhost\n', '127.0.0.1 localhost', '']) {
    const withBlock = addHostsBlock(original, names, 'mesh', '127.0.42.101');
    assert.match(withBlock, /^127\.0\.42\.101 host1 host1\.mesh www www\.mesh$/m);
    assert.match(withBlock, /^127\.0\.42\.102 host2 host2\.mesh$/m);
    assert.ok(hasHostsBlock(withBlock, '127.0.42.101'));
    assert.ok(!hasHostsBlock(withBlock, '127.0.42.10'), 'a VIP that is a prefix of ours is not ours');
    assert.equal(removeHostsBlock(withBlock, '127.0.42.10'), withBlock);
    assert.equal(removeHostsBlock(withBlock, '127.0.42.101'), original);
    // Two agents sharing a file (two meshes): each removes only its own block.
    const both = addHostsBlock(withBlock, names, undefined, '127.0.43.1');
    assert.equal(removeHostsBlock(removeHostsBlock(both, '127.0.42.101'), '127.0.43.1'), original);
  }
});
