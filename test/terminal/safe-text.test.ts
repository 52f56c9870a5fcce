import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeControls, hasControls } from '../../src/terminal/safe-text.js';

test('escapeControls shows every control a terminal acts on, and leaves ordinary text alone', () => {
  assert.equal(escapeControls('plain text, tabs\tand ünïcödé'), 'plain text, tabs\tand ünïcödé');
  assert.equal(escapeControls('\x1b[2J\x1b]0;title\x07'), '\\x1b[2J\\x1b]0;title\\x07');
  assert.equal(escapeControls('a\rnorouter: forged\nb\0'), 'a\\rnorouter: forged\\nb\\0');
  assert.equal(escapeControls('\x7f\u009b31m'), '\\x7f\\x9b31m');
  assert.equal(escapeControls('evil\u202etxt.exe\u2066'), 'evil\\u202etxt.exe\\u2066');
  for (let code = 0; code < 0x20; code++) {
    if (code === 9) continue;
    const out = escapeControls(String.fromCharCode(code));
    assert.ok(!/[\u0000-\u001f]/.test(out), `U+${code.toString(16)} escaped`);
  }
});

test('hasControls agrees with escapeControls, call after call (no regex state kept)', () => {
  for (const s of ['x', '\x1b', 'a\nb', 'ok\t', '\u202e', 'x']) {
    assert.equal(hasControls(s), escapeControls(s) !== s, JSON.stringify(s));
    assert.equal(hasControls(s), escapeControls(s) !== s, JSON.stringify(s));
  }
});
