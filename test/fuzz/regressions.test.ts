/**
 * docs/reliability.md, "Fuzzing": every input a fuzzer once failed on, replayed
 * (test/fixtures/fuzz/*.json, written by `scripts/fuzz.mjs --save` or by hand). A fixture whose
 * failure is a known, unfixed bug (KNOWN_BUGS in fuzz-lib.ts) runs as a todo test naming the bug;
 * once the bug is fixed and its KNOWN_BUGS entry removed, it is an ordinary regression test.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { checkChunks, fromFixture, KNOWN_BUGS, type FuzzFixture } from './fuzz-lib.js';

const DIR = fileURLToPath(new URL('../fixtures/fuzz/', import.meta.url));

for (const name of readdirSync(DIR).filter((n) => n.endsWith('.json')).sort()) {
  const fixture = JSON.parse(readFileSync(`${DIR}${name}`, 'utf8')) as FuzzFixture;
  const bug = KNOWN_BUGS.find((k) => k.target === fixture.target && k.pattern.test(fixture.problem))?.bug;
  test(`fuzz regression ${name}: ${fixture.problem.slice(0, 80)}`, bug ? { todo: `bug: ${bug}` } : {}, () => {
    const { target, seed, chunks } = fromFixture(fixture);
    assert.equal(checkChunks(target, chunks, seed), undefined);
  });
}
