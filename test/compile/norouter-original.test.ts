// The original NoRouter's documented manifests (equivalents written for this repository, one
// folder each under test/fixtures/norouter-original) run through the real CLI: `validate`, and
// `plan` when valid. Before, norouter refused several of them: host names with `_` (E302),
// `aliases` on a host and `stateDir` (E201), a VIP as a route's via (E314), `http: {}` (E203).
// Each folder's expected.txt holds the exact output; to accept new output after reviewing it:
// UPDATE_FIXTURES=1 node scripts/test.mjs test/compile/norouter-original.test.ts
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = new URL('../fixtures/norouter-original/', import.meta.url);
const cli = fileURLToPath(new URL('../../dist/norouter.cjs', import.meta.url));

function run(command: string, cwd: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, command, 'manifest.yaml'], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  // The local host's command is this node and this checkout's CLI: shown as placeholders.
  const clean = (text: string) => text.split(process.execPath).join('NODE').split(cli).join('NOROUTER');
  return { status: r.status, stdout: clean(r.stdout), stderr: clean(r.stderr) };
}

for (const name of readdirSync(root).sort()) {
  test(`the original's manifest ${name}`, () => {
    const dir = fileURLToPath(new URL(`${name}/`, root));
    const validate = run('validate', dir);
    let actual = `$ norouter validate manifest.yaml  # exit ${validate.status}\n${validate.stdout}${validate.stderr}`;
    if (validate.status === 0) {
      const plan = run('plan', dir);
      assert.equal(plan.status, 0, plan.stderr);
      actual += `\n$ norouter plan manifest.yaml\n${plan.stdout}`;
    }
    const expectedPath = `${dir}expected.txt`;
    if (process.env['UPDATE_FIXTURES']) writeFileSync(expectedPath, actual);
    assert.equal(actual, readFileSync(expectedPath, 'utf8'));
  });
}
