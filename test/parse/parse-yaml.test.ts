import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_MANIFEST_BYTES, parseYaml } from '../../src/parse/parse-yaml.js';

test('a well-formed document yields its value and no diagnostics', () => {
  const r = parseYaml('hosts:\n  a: {vip: 127.0.0.2}\n', 'm.yaml');
  assert.deepEqual(r.value, { hosts: { a: { vip: '127.0.0.2' } } });
  assert.deepEqual(r.diagnostics, []);
});

test('a file over 16 MiB is E105 and is not parsed', () => {
  const r = parseYaml(`a: "${'x'.repeat(MAX_MANIFEST_BYTES)}"\n`, 'm.yaml');
  assert.equal(r.doc, undefined);
  assert.deepEqual(r.diagnostics.map((d) => [d.code, d.line, d.col]), [['E105', 1, 1]]);
});

test('the limit counts bytes, not characters', () => {
  const r = parseYaml(`# ${'é'.repeat(MAX_MANIFEST_BYTES / 2)}\n`, 'm.yaml');
  assert.equal(r.diagnostics[0]?.code, 'E105');
});

// Regression: a "billion laughs" document must be refused quickly, not expanded until memory runs out.
test('alias bombs are refused quickly', () => {
  const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < 12; i++) levels.push(`l${i}: &l${i} [${Array(10).fill(i === 1 ? '*a' : `*l${i - 1}`).join(', ')}]`);
  const started = performance.now();
  const r = parseYaml(levels.join('\n'), 'm.yaml');
  assert.ok(performance.now() - started < 1000);
  assert.equal(r.value, undefined);
  assert.deepEqual(r.diagnostics.map((d) => d.code), ['E104']);
});

test('warnings do not withhold the value', () => {
  const r = parseYaml('a: !custom b\n', 'm.yaml');
  assert.deepEqual(r.value, { a: 'b' });
  assert.deepEqual(r.diagnostics.map((d) => d.code), ['W101']);
});

test('errors withhold the value and carry positions', () => {
  const r = parseYaml('a: 1\na: 2\n', 'm.yaml');
  assert.equal(r.value, undefined);
  assert.deepEqual(r.diagnostics.map((d) => [d.code, d.line, d.col]), [['E102', 2, 1]]);
});
