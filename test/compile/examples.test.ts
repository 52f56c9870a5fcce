// Every manifest in examples/ validates cleanly, and its plan matches the snapshot in
// test/fixtures/plans/ (UPDATE_SNAPSHOTS=1 rewrites them after an intended change).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadManifest } from '../../src/manifest/load.js';
import { compile } from '../../src/compile/compile.js';
import { formatPlanText } from '../../src/plan/format-plan.js';

const examples = new URL('../../examples/', import.meta.url);
const snapshots = new URL('../fixtures/plans/', import.meta.url);

for (const name of readdirSync(examples).filter((n) => n.endsWith('.yaml'))) {
  test(`examples/${name} validates and plans as in its snapshot`, () => {
    const text = readFileSync(new URL(name, examples), 'utf8');
    const result = loadManifest(text, `examples/${name}`);
    assert.deepEqual(result.diagnostics, [], `examples/${name} has diagnostics`);
    assert.ok(result.ok && result.manifest);
    const plan = formatPlanText(compile(result.manifest, { self: ['norouter'] }));
    const snapshot = new URL(name.replace(/\.yaml$/, '.txt'), snapshots);
    if (process.env.UPDATE_SNAPSHOTS) writeFileSync(snapshot, plan);
    assert.equal(plan, readFileSync(snapshot, 'utf8'));
  });
}
