/**
 * What the first word of a command line means, decided before clipanion loads
 * (src/cli/command-words.ts). Guards: typos of commands reached `run` as manifest names.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { routeFirstWord, suggestCommand } from '../../src/cli/command-words.js';

const noFiles = () => false;

test('bare and help become --help; help COMMAND becomes COMMAND --help', () => {
  assert.deepEqual(routeFirstWord([], noFiles), { kind: 'argv', argv: ['--help'] });
  assert.deepEqual(routeFirstWord(['help'], noFiles), { kind: 'argv', argv: ['--help'] });
  assert.deepEqual(routeFirstWord(['help', 'run'], noFiles), { kind: 'argv', argv: ['run', '--help'] });
  assert.deepEqual(routeFirstWord(['help', 'help'], noFiles), { kind: 'argv', argv: ['--help'] });
});

test('commands, options and existing files pass through; path-like words go to run', () => {
  for (const argv of [['run', 'x'], ['m', 'x'], ['--version'], ['-e'], ['x.yaml'], ['dir/x'], ['conf.json']]) {
    assert.deepEqual(routeFirstWord(argv, noFiles), { kind: 'argv', argv });
  }
  assert.deepEqual(routeFirstWord(['mesh'], (p) => p === 'mesh'), { kind: 'argv', argv: ['mesh'] });
});

test('anything else is unknown, with the closest command when it is close', () => {
  assert.deepEqual(routeFirstWord(['valdiate', 'x.yaml'], noFiles), { kind: 'unknown', word: 'valdiate', suggestion: 'validate' });
  assert.deepEqual(routeFirstWord(['zzz'], noFiles), { kind: 'unknown', word: 'zzz' });
  assert.equal(suggestCommand('mangaer'), 'manager');
  assert.equal(suggestCommand('show-installr'), 'show-installer');
  assert.equal(suggestCommand('SHOW-EX'), 'show-ex');
  assert.equal(suggestCommand('x'), undefined, 'one letter is no evidence');
});
