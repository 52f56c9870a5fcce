// Every folder under test/fixtures/manifests holds a manifest.yaml and expected.txt: the exact
// formatted diagnostics (file shown as manifest.yaml). To accept new output after reviewing it:
// UPDATE_FIXTURES=1 node scripts/test.mjs test/manifest/fixtures.test.ts
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { allCodes } from '../../src/diagnostics/codes.js';
import { formatDiagnostics } from '../../src/diagnostics/format.js';
import { loadManifest } from '../../src/manifest/load.js';

const root = new URL('../fixtures/manifests/', import.meta.url);
const cases = readdirSync(root).sort();

/** Codes no fixture can show, and the test that covers each instead. */
const NOT_IN_FIXTURES: Record<string, string> = {
  E105: 'needs a file over 16 MiB: test/parse/parse-yaml.test.ts',
};

const seenCodes = new Set<string>();

for (const name of cases) {
  test(`fixture ${name}`, () => {
    const text = readFileSync(new URL(`${name}/manifest.yaml`, root), 'utf8');
    const result = loadManifest(text, 'manifest.yaml');
    for (const d of result.diagnostics) seenCodes.add(d.code);
    const actual = formatDiagnostics(result.diagnostics, text);
    const expectedUrl = new URL(`${name}/expected.txt`, root);
    if (process.env['UPDATE_FIXTURES']) writeFileSync(expectedUrl, actual);
    assert.equal(actual, readFileSync(expectedUrl, 'utf8'));
    assert.equal(result.ok, !result.diagnostics.some((d) => d.severity === 'error'));
    assert.equal(result.manifest !== undefined, result.ok);
  });
}

test('fixtures cover every registered code', () => {
  const missing = allCodes().filter((c) => !seenCodes.has(c) && !(c in NOT_IN_FIXTURES));
  assert.deepEqual(missing, [], `codes without a fixture: ${missing.join(', ')}`);
});
