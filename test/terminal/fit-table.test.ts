/**
 * The readiness summary of `norouter run` fits the terminal. Guards: a host publishing four
 * ports made one summary line of more than 120 columns, folded by the terminal into the next
 * row. A message (why a host is down) stays whole on its line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitTable } from '../../src/terminal/fit-table.js';
import { formatReady } from '../../src/router/run-router.js';
import { compile } from '../../src/compile/compile.js';
import type { ReadySummary } from '../../src/router/router.js';

test('a table that fits stays one line per row, lists joined with commas', () => {
  const lines = fitTable([['HOST', 'PORTS', 'STATE'], ['a', ['1', '2'], 'up']], 80);
  assert.deepEqual(lines, ['  HOST  PORTS  STATE', '  a     1, 2   up']);
});

test('too wide: each list item on a line of its own, the other cells on the first', () => {
  const ports = ['8080 -> 127.0.0.1:80', '8443 -> 127.0.0.1:443', '5432 -> 127.0.0.1:5432', '6379 -> 127.0.0.1:6379'];
  const lines = fitTable([['HOST', 'PUBLISHES', 'STATE'], ['web', ports, 'up'], ['db', '-', 'up']], 60);
  assert.deepEqual(lines, [
    '  HOST  PUBLISHES               STATE',
    '  web   8080 -> 127.0.0.1:80    up',
    '        8443 -> 127.0.0.1:443',
    '        5432 -> 127.0.0.1:5432',
    '        6379 -> 127.0.0.1:6379',
    '  db    -                       up',
  ]);
  for (const line of lines) assert.ok(line.length <= 60, line);
});

test('the last column is never wrapped: a long message stays on its line', () => {
  const why = 'DOWN: cannot start `/nonexistent/command`: command not found, and more words after that';
  const lines = fitTable([['HOST', 'STATE'], ['a', why]], 40);
  assert.equal(lines[1], `  a     ${why}`);
});

test('formatReady: four ports fit in 100 columns, and the terminal width is honoured', () => {
  const plan = compile({
    hosts: {
      here: { vip: '127.0.42.100' },
      web: { cmd: ['true'], vip: '127.0.42.101', ports: ['8080:127.0.0.1:80', '8443:127.0.0.1:443', '5432:127.0.0.1:5432', '6379:127.0.0.1:6379'] },
    },
  }, { self: ['node', 'norouter'] });
  const summary: ReadySummary = { elapsedMs: 12, hosts: plan.hosts.map((host) => ({ host, up: true })) };
  const text = formatReady(summary);
  assert.match(text, /^norouter: ready in 12 ms: 2 hosts up\n/);
  for (const line of text.split('\n')) assert.ok(line.length <= 100, `${line.length}: ${line}`);
  assert.match(text, /^ {2}web +127\.0\.42\.101 +8080 -> 127\.0\.0\.1:80 +up$/m);
  assert.equal(formatReady(summary, 200).split('\n').length, 5, 'one line per host where it fits');
  const one: ReadySummary = { elapsedMs: 3, hosts: [{ host: plan.hosts[0]!, up: true }] };
  assert.match(formatReady(one), /: 1 host up\n/);
});
