// Regression: `cmd: "ip netns exec $NS norouter 2>/dev/null | tee log"` validated as ok, though
// cmd strings run without a shell: `$NS`, `2>/dev/null`, `|`, `tee` and `log` reached `ip` as
// arguments. findShellSyntax finds what a shell would have acted on, so validation can say so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findShellSyntax } from '../../src/shell/shell-syntax.js';
import { quoteShellCommand } from '../../src/shell/shell-words.js';

const found = (cmd: string) => findShellSyntax(cmd).map((s) => `${s.kind}@${s.index}:${s.text}`);

test('every operator outside quotes, with its index', () => {
  assert.deepEqual(found('ip netns exec $NS norouter 2>/dev/null | tee log'), ['variable@14:$NS', 'redirection@27:2>', 'pipe@39:|']);
  assert.deepEqual(found('a;b && c || d & e'), ['list@1:;', 'list@4:&&', 'list@9:||', 'background@14:&']);
  assert.deepEqual(found('a >>x <y 2>&1 &>z <<EOF x>|y'), ['redirection@2:>>', 'redirection@6:<', 'redirection@9:2>&', 'redirection@14:&>', 'redirection@18:<<', 'redirection@25:>|']);
  assert.deepEqual(found('(a) `b | c` $(d | (e)) $((1+2))'), ['subshell@0:(', 'subshell@2:)', 'substitution@4:`', 'substitution@12:$(', 'substitution@23:$((']);
  assert.deepEqual(found("a #c | d"), ['comment@2:#']);
  assert.deepEqual(found("a$'\\t' ${X} $1 $? $@"), ["ansi-quote@1:$'", 'variable@7:${X}', 'variable@12:$1', 'variable@15:$?', 'variable@18:$@']);
});

test('inside double quotes only $ and backticks count; single quotes and escapes hide everything', () => {
  assert.deepEqual(found('"a | b; $X `c` $(d)"'), ['variable@8:$X', 'substitution@11:`', 'substitution@15:$(']);
  assert.deepEqual(found("'a | b; $X `c`' \\| \\$X a\\;b"), []);
  assert.deepEqual(found('a#b $ x$ "$" 5$'), [], 'a # inside a word and a $ before nothing are literal in sh too');
  assert.deepEqual(found('ssh h -- ~/bin/norouter *.yaml [ab]'), [], 'globs and ~ are left alone');
});

test('what quoteShellCommand writes for plain words has nothing a shell would act on', () => {
  const argv = ['a|b', '$X', '`c`', 'd;e', 'f>g', '#h', '(i)', "j'k", 'l m', '&'];
  assert.deepEqual(findShellSyntax(quoteShellCommand(argv)), []);
});
