/**
 * Option values in help text (src/cli/option-values.ts). Guards: `internal agent --help` showed
 * `--me #0`; and, once named, the option list on a terminal (bold definitions) was misaligned
 * where a definition was the longest one, its bold end code counted as text.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nameOptionValues } from '../../src/cli/option-values.js';

const B = '\x1b[1m';
const E = '\x1b[22m';

test('plain and bold option lists are named and realigned alike', () => {
  const plain = ['  --me #0                 VIP', '  --dns-resolv-conf #0    MODE', '  --no-loopback           none'].join('\n');
  const bold = ['  ' + B + '--me #0             ' + E + '    VIP', '  ' + B + '--dns-resolv-conf #0' + E + '    MODE', '  ' + B + '--no-loopback       ' + E + '    none'].join('\n');
  const expected = ['  --me VIP                  VIP', '  --dns-resolv-conf MODE    MODE', '  --no-loopback             none'];
  assert.deepEqual(nameOptionValues(plain).split('\n'), expected);
  const strip = (s: string) => s.replaceAll(B, '').replaceAll(E, '');
  assert.deepEqual(nameOptionValues(bold).split('\n').map(strip), expected);
});

test('usage lines: every #0 named, unknown options as VALUE', () => {
  assert.equal(nameOptionValues('$ norouter internal agent <--me #0> [--forward #0] [-x,--other-thing #0]'), '$ norouter internal agent <--me VIP> [--forward SPEC] [-x,--other-thing VALUE]');
});
