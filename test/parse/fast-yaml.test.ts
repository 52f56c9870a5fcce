// fast-yaml against `yaml`, the authority: whenever fast-yaml answers, `yaml` must parse
// the same text without an error or a warning to the same value, keys in the same order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { parseFastYaml } from '../../src/parse/fast-yaml.js';
import { MAX_ALIAS_COUNT } from '../../src/parse/parse-yaml.js';
import { manifest as benchManifest } from '../../bench/plan.js';
import { Gen, prng } from './fast-yaml-gen.js';

/** As src/parse/parse-yaml.ts parses. */
function viaYaml(text: string): { clean: boolean; value: unknown } {
  let doc;
  try {
    doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false });
  } catch {
    return { clean: false, value: undefined }; // nested too deep for yaml's composer: E108
  }
  if (doc.errors.length || doc.warnings.length) return { clean: false, value: undefined };
  try {
    return { clean: true, value: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) };
  } catch {
    return { clean: false, value: undefined };
  }
}

/** Objects as [key, value] lists, so that deepStrictEqual also compares key order. */
function ordered(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(ordered);
  if (value !== null && typeof value === 'object') {
    assert.equal(Object.getPrototypeOf(value), Object.prototype);
    return Object.entries(value).map(([k, v]) => [k, ordered(v)]);
  }
  return value;
}

/** Asserts the one-way agreement; returns whether fast-yaml answered. */
function agree(text: string): boolean {
  const fast = parseFastYaml(text);
  if (fast === undefined) return false;
  const slow = viaYaml(text);
  assert.ok(slow.clean, `fast-yaml accepted what yaml reports problems in: ${JSON.stringify(text)}`);
  assert.deepStrictEqual(ordered(fast), ordered(slow.value), `different values for ${JSON.stringify(text)}`);
  return true;
}

const repo = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, repo), 'utf8');

test('every example, every clean fixture and the bench manifests are accepted', () => {
  const files = [
    ...readdirSync(new URL('examples/', repo)).filter((n) => n.endsWith('.yaml')).map((n) => `examples/${n}`),
    ...readdirSync(new URL('test/fixtures/manifests/', repo)).map((n) => `test/fixtures/manifests/${n}/manifest.yaml`),
  ];
  let accepted = 0;
  for (const file of files) {
    const text = read(file);
    // Fixtures with YAML errors or warnings are not for fast-yaml: agree() checks it refuses them.
    if (!viaYaml(text).clean || viaYaml(text).value === null) {
      assert.equal(agree(text), false, file);
      continue;
    }
    assert.ok(agree(text), `fast-yaml refused ${file}`);
    accepted++;
  }
  assert.ok(accepted >= 20, `only ${accepted} files accepted`);
  for (const text of [benchManifest(3, 1), benchManifest(1000, 1), benchManifest(1000, 1, 3), benchManifest(50, 3)]) assert.ok(agree(text));
});

test('random documents within the subset: all accepted, all equal to yaml', (t) => {
  const gen = new Gen(prng(20261122), false);
  let clean = 0;
  for (let i = 0; i < 3000; i++) {
    const text = gen.document();
    if (!viaYaml(text).clean) continue;
    clean++;
    assert.ok(agree(text), `fast-yaml refused ${JSON.stringify(text)}`);
  }
  t.diagnostic(`${clean} of 3000 were clean YAML, and all of those were accepted`);
  assert.ok(clean > 2500);
});

test('random documents with every kind of scalar: whatever is accepted equals yaml', (t) => {
  const gen = new Gen(prng(7), true);
  let accepted = 0;
  const n = 4000;
  for (let i = 0; i < n; i++) if (agree(gen.document())) accepted++;
  // Each document has many scalars, and a wild one often leaves the subset (or YAML).
  t.diagnostic(`${accepted} of ${n} accepted`);
  assert.ok(accepted > n * 0.05, `only ${accepted} of ${n} accepted`);
});

test('random documents just outside the subset: whatever is accepted equals yaml', (t) => {
  const gen = new Gen(prng(99), false);
  let accepted = 0;
  const n = 4000;
  for (let i = 0; i < n; i++) if (agree(gen.mutated())) accepted++;
  t.diagnostic(`${accepted} of ${n} accepted`);
  assert.ok(accepted > 0 && accepted < n);
});

test('random scalars alone, in block, flow and key positions', () => {
  const gen = new Gen(prng(12345), true);
  for (let i = 0; i < 5000; i++) {
    const s = gen.scalar();
    agree(`a: ${s}\n`);
    agree(`- ${s}\n`);
    agree(`a: [${s}, x]\n`);
    agree(`a: {k: ${s}}\n`);
    agree(`${s}: 1\n`);
    agree(`a: ${s} # c\n`);
  }
});

test('scalars resolve as the YAML 1.2 core schema does', () => {
  const cases: Array<[string, unknown]> = [
    ['~', null], ['null', null], ['Null', null], ['NULL', null], ['', null], ['nULL', 'nULL'],
    ['true', true], ['True', true], ['TRUE', true], ['false', false], ['False', false], ['FALSE', false], ['yes', 'yes'], ['on', 'on'],
    ['0', 0], ['-0', -0], ['+12', 12], ['007', 7], ['0o17', 15], ['0o8', '0o8'], ['0x1F', 31], ['0X1F', '0X1F'], ['0b1', '0b1'], ['1_000', '1_000'],
    ['1.5', 1.5], ['.5', 0.5], ['5.', 5], ['1e3', 1000], ['-1.5E-2', -0.015], ['.inf', Infinity], ['-.Inf', -Infinity], ['.NaN', NaN], ['.nAn', '.nAn'],
    ['12345678901234567890', 12345678901234567890], ['127.0.42.1', '127.0.42.1'], ['8080:127.0.0.1:80', '8080:127.0.0.1:80'],
    ['"1"', '1'], ["'true'", 'true'], ["'it''s'", "it's"], ['"a\\tb\\u00e9\\x41\\U0001F600\\/"', 'a\tbéA😀/'],
  ];
  for (const [source, expected] of cases) {
    const text = `v: ${source}\n`;
    assert.ok(agree(text), source);
    assert.deepStrictEqual(parseFastYaml(text), { v: expected }, source);
  }
});

test('layouts: nesting, compact sequences, sequences of mappings, comments, document start', () => {
  const cases: Array<[string, unknown]> = [
    ['a:\n  b:\n    c: 1\n  d: 2\ne: 3\n', { a: { b: { c: 1 }, d: 2 }, e: 3 }],
    ['a:\n- 1\n- x\nb: 2\n', { a: [1, 'x'], b: 2 }],
    ['- a: 1\n  b: 2\n-   c: 3\n    d:\n    - 4\n', [{ a: 1, b: 2 }, { c: 3, d: [4] }]],
    ['- - a\n  - b\n-\n  x: 1\n-\n', [['a', 'b'], { x: 1 }, null]],
    ['# top\n---\na: 1 # one\n\n   # indented comment\nb: # nested next\n  c: "#x" # c\n', { a: 1, b: { c: '#x' } }],
    ['a: [1, "b", \'c\', [d], {e: f}]\nb: {}\nc: []\n', { a: [1, 'b', 'c', ['d'], { e: 'f' }], b: {}, c: [] }],
    ['"quoted key": 1\n\'single\': 2\nplain key with spaces: 3\n', { 'quoted key': 1, single: 2, 'plain key with spaces': 3 }],
    ['a:\t"x"\t# tab-separated\nb: \'\tq\t\'\t\n', { a: 'x', b: '\tq\t' }],
    ['a: b#c\nd: e,f]g\n', { a: 'b#c', d: 'e,f]g' }],
    ['a: b\n  # not a continuation\nc: 1\n', { a: 'b', c: 1 }],
    ['- a: 1\n # c\n  b: 2\n', [{ a: 1, b: 2 }]],
    ['constructor: 1\ntoString: 2\n', { constructor: 1, toString: 2 }],
  ];
  for (const [text, expected] of cases) {
    assert.ok(agree(text), text);
    assert.deepStrictEqual(parseFastYaml(text), expected, text);
  }
});

test('everything outside the subset falls back', () => {
  const outside = [
    '', '# only a comment\n', 'scalar\n', '[1, 2]\n', '  a: 1\n',
    'a: &x 1\nb: *x\n', 'a: !!str 1\n', 'a: !custom x\n', 'a: |\n  text\n', 'a: >\n  text\n',
    '%YAML 1.2\n---\na: 1\n', 'a: 1\n---\nb: 2\n', 'a: 1\n...\n', '--- a: 1\n', '? a\n: 1\n',
    '<<: {a: 1}\n', 'a: 1\na: 2\n', '"a": 1\na: 2\n', 'a: {b: 1, b: 2}\n', '__proto__: 1\n', '1: a\n', 'true: a\n', '~: a\n',
    'a: b\tc\n', 'a:\n\t- b\n', '-\tb\n', '- \tb\n', 'a: [\tb]\n', '\ufeffa: 1\n', '\ufeff- a\n', 'a: 1\r\nb: 2\r\n', 'a: \x01\n', 'a: x\u2028y\n', 'a: x\u0085y\n', 'a: \ufeffx\n',
    'a: plain\n  continued\n', 'a: "multi\n  line"\n', "a: 'multi\n  line'\n", 'a: [1,\n  2]\n', 'a: [1, 2,]\n', 'a: [1,,2]\n', 'a: {b}\n', 'a: {b: }\n', 'a: {"b":1}\n',
    'a: b: c\n', 'a: b:\n', '- a\nb: 1\n', 'a: 1\n b: 2\n', 'a:\n    b: 1\n  c: 2\n', 'a: "x" y\n', 'a: "x"# c\n', '"a":b\n', 'a : 1\n',
    'a: "\\q"\n', 'a: "\\x4"\n', 'a: "\\U00110000"\n', 'a: @x\n', 'a: `x\n', 'a: %x\n', 'a: - b\n', 'a: ?x\n', 'a: :x\n', 'a: [?x]\n', 'a: [b: c]\n', 'a: [x #c]\n',
    `${'a:\n'.split('').join('')}${Array.from({ length: 40 }, (_, i) => `${' '.repeat(i + 1)}k:`).join('\n')}\n`,
    `${'k'.repeat(600)}: 1\n`,
  ];
  for (const text of outside) assert.equal(parseFastYaml(text), undefined, JSON.stringify(text));
});
