// Which way a bootstrap host starts: a cmd ending in a shell runs the shell script; anything
// else is taken to end in node. A wrapper such as `sh -c 'head -c 1000 | node "$@"' sh` ends in
// the script's $0, not in a shell reading stdin: taking it for one started node with `-s`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bootstrapRoute } from '../../src/bootstrap/route.js';

test('a cmd ending in a POSIX shell is the shell route, whatever runs it', () => {
  for (const cmd of [['sh'], ['docker', 'exec', '-i', 'c1', 'sh'], ['ssh', 'u@h', '--', 'bash'], ['kubectl', 'exec', '-i', 'p', '--', '/bin/ash'], ['podman', 'exec', '-i', 'c', 'busybox', 'sh']]) {
    assert.equal(bootstrapRoute(cmd), 'shell', cmd.join(' '));
  }
});

test('a cmd ending in node, or in the $0 of `sh -c SCRIPT sh`, is the node route', () => {
  for (const cmd of [['docker', 'exec', '-i', 'c1', 'node'], ['sh', '-c', 'head -c 1000 | node "$@"', 'sh'], ['bash', '-ec', 'exec node "$@"', 'bash'], ['env', 'PATH=/x', 'node']]) {
    assert.equal(bootstrapRoute(cmd), 'node', cmd.join(' '));
  }
});
