import { test } from 'node:test';
import assert from 'node:assert/strict';
import { editDistance, suggestKey } from '../../src/validate/suggest.js';

test('edit distance counts a transposition as one edit', () => {
  assert.equal(editDistance('vpi', 'vip'), 1);
  assert.equal(editDistance('hostTemplte', 'hostTemplate'), 1);
  assert.equal(editDistance('', 'abc'), 3);
  assert.equal(editDistance('kitten', 'sitting'), 3);
});

test('suggests close keys, synonyms, and nothing for unrelated words', () => {
  const host = ['vip', 'cmd', 'ports'];
  assert.equal(suggestKey('prots', host), 'ports');
  assert.equal(suggestKey('VIP', host), 'vip');
  assert.equal(suggestKey('command', host), 'cmd');
  assert.equal(suggestKey('image', host), undefined);
  assert.equal(suggestKey('hosttemplate', ['hosts', 'hostTemplate']), 'hostTemplate');
  assert.equal(suggestKey('command', ['hosts', 'hostTemplate']), undefined);
});
