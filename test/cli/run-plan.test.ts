import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { readFileSync } from 'node:fs';
import { writePlanJson } from '../../src/cli/run-plan.js';
import { loadManifest } from '../../src/manifest/load.js';
import { compile } from '../../src/compile/compile.js';
import type { Plan } from '../../src/plan/types.js';

function written(plan: Plan): string {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  writePlanJson(plan, out);
  return Buffer.concat(chunks).toString('utf8');
}

test('plan --json is written host by host, byte for byte what JSON.stringify(plan, null, 2) gives', () => {
  for (const name of ['docker-podman', 'ssh', 'kubernetes', 'local']) {
    const result = loadManifest(readFileSync(new URL(`../../examples/${name}.yaml`, import.meta.url), 'utf8'), name);
    assert.ok(result.manifest);
    const plan = compile(result.manifest, { self: ['node', '/x/norouter.cjs'] });
    assert.equal(written(plan), `${JSON.stringify(plan, null, 2)}\n`, name);
  }
  assert.equal(written({ hosts: [] }), `${JSON.stringify({ hosts: [] }, null, 2)}\n`);
});
