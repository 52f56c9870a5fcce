import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDiagnostic } from '../../src/diagnostics/diagnostic.js';
import { formatDiagnostic, formatDiagnostics, summarize } from '../../src/diagnostics/format.js';

const d = (line: number, col: number, endLine?: number, endCol?: number, code: 'E201' | 'W301' = 'E201') =>
  createDiagnostic(code, 'msg', 'm.yaml', { line, col, ...(endLine !== undefined && { endLine, endCol }) }, '');

test('header, source line and a caret spanning the range', () => {
  assert.equal(formatDiagnostic(d(2, 3, 2, 6), 'a: 1\n  abc: 2\n'), 'm.yaml:2:3: error[E201]: msg\n  2 |   abc: 2\n    |   ^~~');
});

test('warnings say warning', () => {
  assert.match(formatDiagnostic(d(1, 1, undefined, undefined, 'W301'), 'x'), /^m\.yaml:1:1: warning\[W301\]: msg$/m);
});

test('tabs in the source line are expanded and the caret stays under the text', () => {
  const out = formatDiagnostic(d(1, 6, 1, 9), 'vip:\t"x"\n');
  const [, source = '', caret = ''] = out.split('\n');
  const column = caret.indexOf('^') - caret.indexOf('|');
  assert.equal(source.slice(source.indexOf('|') + column, source.indexOf('|') + column + 3), '"x"');
  assert.ok(!source.includes('\t'));
});

test('a range running past its line is underlined to the end of the line', () => {
  assert.equal(formatDiagnostic(d(1, 3, 3, 1), 'a: {\n b\n}').split('\n')[2], '    |   ^~');
});

test('a position past the end of the file still prints', () => {
  assert.equal(formatDiagnostic(d(5, 1), 'a\n'), 'm.yaml:5:1: error[E201]: msg\n  5 |\n    | ^');
});

test('CRLF line endings do not leak a carriage return into the excerpt', () => {
  assert.ok(!formatDiagnostic(d(1, 1, 1, 2), 'a: 1\r\nb: 2\r\n').includes('\r'));
});

test('summary counts errors and warnings with plurals', () => {
  assert.equal(summarize([d(1, 1), d(1, 1), d(1, 1, undefined, undefined, 'W301')]), '2 errors, 1 warning');
  assert.equal(summarize([d(1, 1)]), '1 error');
  assert.equal(summarize([d(1, 1, undefined, undefined, 'W301')]), '1 warning');
  assert.equal(formatDiagnostics([], ''), '');
  assert.ok(formatDiagnostics([d(1, 1)], 'x').endsWith('\n\n1 error\n'));
});

// Regression (issue 8): a diagnostic on a one-line 50 MB file quoted the whole line, 16 MB per
// diagnostic. The excerpt is now a window around the caret, cut with `…`.
test('an excerpt of a very long line is a window around the caret', () => {
  const line = `${'a'.repeat(100_000)}BAD${'b'.repeat(100_000)}`;
  const d = createDiagnostic('E101', 'here', 'm.yaml', { line: 1, col: 100_001, endLine: 1, endCol: 100_004 }, '');
  const [, excerpt = '', caret = ''] = formatDiagnostic(d, line).split('\n');
  assert.ok(excerpt.length < 200, `excerpt of ${excerpt.length} characters`);
  assert.match(excerpt, /^ {2}1 \| …a+BADb+…$/);
  const at = caret.indexOf('^');
  assert.equal(excerpt.slice(at, at + 3), 'BAD', 'the caret stays under the offending text');
  assert.match(caret.slice(at), /^\^~~$/);
});
