// generated/ must be exactly what `npm run generate` writes from schema/manifest.schema.json.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { generateAll } from '../scripts/generate-lib.mjs';

test('generated/ is up to date with the schema (fix: npm run generate)', async () => {
  const files = await generateAll();
  for (const [path, expected] of Object.entries(files)) {
    const actual = readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');
    assert.ok(actual === expected, `${path} is stale: run \`npm run generate\` and commit the result`);
  }
});
