import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diagnoseBootstrap } from '../../src/bootstrap/diagnose.js';

test('an old node: the host, the version and path found, and what is needed', () => {
  const why = diagnoseBootstrap('c1', { code: 78, lastLines: ['norouter bootstrap: node v18.19.0 (/usr/local/bin/node) is too old: norouter needs Node.js >= 20.19'] });
  assert.equal(why, 'host c1 has node v18.19.0 (/usr/local/bin/node), which is too old: norouter needs Node.js >= 20.19 there');
});

test('a node without --import (before 18.18) refuses the loader with status 9', () => {
  const why = diagnoseBootstrap('c1', { code: 9, lastLines: ['node: bad option: --import=data:text/javascript,const%20P=process'] });
  assert.equal(why, 'host c1 has a node too old to bootstrap (it has no --import option): norouter needs Node.js >= 20.19 there');
});

test('no node: status 127 from a shell or docker exec, or ip netns exec\'s own message', () => {
  assert.match(diagnoseBootstrap('s1', { code: 127, lastLines: ['bash: line 1: node: command not found'] }) ?? '', /^`node` was not found on host s1 \("bash: line 1: node: command not found"\): .*>= 20\.19 there$/);
  assert.match(diagnoseBootstrap('n1', { code: 1, lastLines: ['exec of "node" failed: No such file or directory'] }) ?? '', /^`node` was not found on host n1/);
  assert.match(diagnoseBootstrap('d1', { code: 127, lastLines: [] }) ?? '', /^`node` was not found on host d1 \(status 127\)/);
});

test('a broken stream: the loader\'s own reason', () => {
  assert.equal(
    diagnoseBootstrap('h', { code: 76, lastLines: ['norouter bootstrap: cut off: stdin ended after 1000 of 131072 bytes'] }),
    'the bootstrap of host h failed: cut off: stdin ended after 1000 of 131072 bytes',
  );
});

test('anything else is left to the generic exit message', () => {
  assert.equal(diagnoseBootstrap('h', { code: 1, lastLines: ['protocol error on the link'] }), undefined);
  assert.equal(diagnoseBootstrap('h', { code: null, lastLines: [] }), undefined);
});

test('the shell route: the script\'s own words, the host, and what to do', () => {
  const why = diagnoseBootstrap('pi', { code: 81, lastLines: ["norouter bootstrap: this host's CPU is aarch64, the router's Node runtime is for x86_64, and it has no node"] }, 'shell');
  assert.match(why ?? '', /^host pi: this host's CPU is aarch64, the router's Node runtime is for x86_64, and it has no node: install Node\.js >= 20\.19 on that host/);
  const dir = diagnoseBootstrap('ro', { code: 82, lastLines: ['norouter bootstrap: it has no node, and no directory here can hold norouter\'s Node runtime'] }, 'shell');
  assert.match(dir ?? '', /^host ro: .*: give it a writable directory where files may be executed/);
});

test('the shell route without a shell: status 127 from docker, podman or ssh names the missing shell', () => {
  const why = diagnoseBootstrap('distroless', { code: 127, lastLines: ['Error: crun: executable file not found in $PATH: No such file or directory: OCI runtime attempted to invoke a command that was not found'] }, 'shell');
  assert.match(why ?? '', /^host distroless has no shell to run the bootstrap script \(".*executable file not found.*"\): .*sidecar/);
  assert.match(diagnoseBootstrap('s', { code: 127, lastLines: ['bash: line 1: sh: command not found'] }, 'shell') ?? '', /^host s has no shell/);
});
