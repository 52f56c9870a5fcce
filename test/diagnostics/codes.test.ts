import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { CODES, allCodes } from '../../src/diagnostics/codes.js';

const docs = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
const sections = [...docs.matchAll(/^## ([EW]\d{3}) (\S+)$/gm)].map((m) => ({ code: m[1] ?? '', name: m[2] ?? '' }));

test('every registered code has a section in docs/errors.md, named as registered', () => {
  for (const code of allCodes()) {
    const section = sections.find((s) => s.code === code);
    assert.ok(section, `docs/errors.md lacks "## ${code} ${CODES[code].name}"`);
    assert.equal(section.name, CODES[code].name, code);
  }
});

test('every section of docs/errors.md is a registered code, documented once', () => {
  const codes = sections.map((s) => s.code);
  assert.deepEqual(codes.filter((c) => !(c in CODES)), []);
  assert.equal(new Set(codes).size, codes.length);
});

test('codes are well-formed and their letter matches their severity', () => {
  for (const [code, info] of Object.entries(CODES)) {
    assert.match(code, /^[EW][1-3]\d\d$/);
    assert.equal(info.severity, code.startsWith('E') ? 'error' : 'warning', code);
    assert.match(info.name, /^[a-z0-9-]+$/);
  }
});

test('every operational error code in src/ has a section in docs/errors.md, and vice versa', () => {
  const grep = execFileSync('grep', ['-rhoE', "readonly code = '[A-Z_]+'|'MANIFEST_[A-Z_]+'", new URL('../../src', import.meta.url).pathname], { encoding: 'utf8' });
  const inCode = new Set([...grep.matchAll(/'([A-Z_]+)'/g)].map((m) => m[1]));
  const documented = new Set([...docs.matchAll(/^### ([A-Z_]+)$/gm)].map((m) => m[1]));
  assert.deepEqual([...inCode].sort(), [...documented].sort());
});
