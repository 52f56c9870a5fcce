import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDiagnostic } from '../../src/diagnostics/diagnostic.js';
import { formatDiagnostic, formatDiagnostics, summarize } from '../../src/diagnostics/format.js';
import { wantsColour } from '../../src/diagnostics/colour.js';

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

// Regression: a diagnostic on a one-line 50 MB file quoted the whole line, 16 MB per
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

// Regression: a manifest holding `ESC [2J` cleared the screen when validated: the excerpt (and any
// value quoted in a message) reached the terminal raw.
test('control characters in the excerpt, the message and the file name are escaped, the caret under them', () => {
  const source = 'hosts:\n  a\x1b[2J\x9b1m\u202e: {vip: x}\n';
  const diag = createDiagnostic('E302', 'host name "a\x1b[2J" is bad\r', 'm\x07.yaml', { line: 2, col: 3, endLine: 2, endCol: 12 }, '');
  const out = formatDiagnostic(diag, source);
  assert.doesNotMatch(out, /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202e]/);
  const [header = '', excerpt = '', caret = ''] = out.split('\n');
  assert.equal(header, 'm\\x07.yaml:2:3: error[E302]: host name "a\\x1b[2J" is bad\\r');
  assert.equal(excerpt, '  2 |   a\\x1b[2J\\x9b1m\\u202e: {vip: x}');
  assert.equal(caret, `    |   ^${'~'.repeat(19)}`);
  assert.equal(excerpt.slice(caret.indexOf('^'), caret.lastIndexOf('~') + 1), 'a\\x1b[2J\\x9b1m\\u202e');
});

test('colour is off unless asked for; on, it wraps the position, severity, gutter and caret', () => {
  const plain = formatDiagnostics([d(1, 1, 1, 2)], 'x');
  assert.doesNotMatch(plain, /\x1b/);
  const coloured = formatDiagnostics([d(1, 1, 1, 2), d(1, 1, 1, 2, 'W301')], 'x', { colour: true });
  assert.match(coloured, /^\x1b\[1mm\.yaml:1:1:\x1b\[0m \x1b\[1;31merror\[E201\]\x1b\[0m: msg$/m);
  assert.match(coloured, /\x1b\[1;33mwarning\[W301\]\x1b\[0m/);
  assert.match(coloured, /\x1b\[1;34m {2}\|\x1b\[0m \x1b\[1;31m\^\x1b\[0m/);
  // Stripped of its colours it is the plain text.
  assert.equal(coloured.replace(/\x1b\[[0-9;]*m/g, ''), formatDiagnostics([d(1, 1, 1, 2), d(1, 1, 1, 2, 'W301')], 'x'));
});

test('wantsColour: a terminal without NO_COLOR', () => {
  assert.equal(wantsColour({ isTTY: true }, {}), true);
  assert.equal(wantsColour({ isTTY: true }, { NO_COLOR: '' }), true);
  assert.equal(wantsColour({ isTTY: true }, { NO_COLOR: '1' }), false);
  assert.equal(wantsColour({ isTTY: false }, {}), false);
  assert.equal(wantsColour({}, {}), false);
});
