// loadManifest's fast path changes nothing users see: for every example, fixture, bench
// manifest and random manifest, the result, `norouter plan`'s text and `plan --json` are the same
// as through the full `yaml` pipeline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { loadManifest, loadManifestWithYaml } from '../../src/manifest/load.js';
import { compile } from '../../src/compile/compile.js';
import { formatPlanText } from '../../src/plan/format-plan.js';
import { parseFastYaml } from '../../src/parse/fast-yaml.js';
import { manifest as benchManifest } from '../../bench/plan.js';
import { Gen, prng } from './fast-yaml-gen.js';

const repo = new URL('../../', import.meta.url);

/** Asserts both paths agree; returns whether the fast path could have been taken. */
function samePlan(text: string, file: string): boolean {
  const fast = loadManifest(text, file);
  const full = loadManifestWithYaml(text, file);
  assert.deepStrictEqual(fast, full, file);
  if (fast.ok && fast.manifest && full.manifest) {
    const self = ['/usr/bin/node', '/opt/norouter.cjs'];
    const a = compile(fast.manifest, { self });
    const b = compile(full.manifest, { self });
    assert.equal(formatPlanText(a), formatPlanText(b), file);
    assert.equal(JSON.stringify(a, null, 2), JSON.stringify(b, null, 2), file);
  }
  return parseFastYaml(text) !== undefined && full.diagnostics.length === 0;
}

test('examples, fixtures and bench manifests: the same result and plan either way', () => {
  for (const name of readdirSync(new URL('examples/', repo)).filter((n) => n.endsWith('.yaml'))) {
    assert.ok(samePlan(readFileSync(new URL(`examples/${name}`, repo), 'utf8'), `examples/${name}`), `examples/${name} misses the fast path`);
  }
  for (const folder of ['test/fixtures/manifests/', 'test/fixtures/norouter-original/']) {
    for (const name of readdirSync(new URL(folder, repo))) {
      samePlan(readFileSync(new URL(`${folder}${name}/manifest.yaml`, repo), 'utf8'), 'manifest.yaml');
    }
  }
  assert.ok(samePlan(benchManifest(3, 1), 'small.yaml'));
  assert.ok(samePlan(benchManifest(1000, 1, 3), 'linear.yaml'));
  assert.ok(samePlan(benchManifest(60, 2), 'quadratic.yaml'));
});

// Random manifests, mostly valid, with the faults the validators look for (duplicate VIPs and
// ports, bad names, wrong types, unknown keys, warnings): diagnostics must come out identical,
// positions included, because any diagnostic sends the file through `yaml`.
test('random manifests: the same diagnostics and plan either way', (t) => {
  const gen = new Gen(prng(4242), false);
  let fastPath = 0;
  const n = 400;
  for (let i = 0; i < n; i++) {
    // Mostly the first choice; now and then a fault.
    const sometimes = <T>(usual: T, ...faults: T[]): T => (gen.chance(0.04) ? gen.pick(faults) : usual);
    const lines = gen.chance(0.2) ? ['hostTemplate:', `  ports: ["${sometimes('9090:127.0.0.1:9090', '70000:x:1', 'bad')}"]`] : [];
    lines.push('hosts:');
    const hosts = 1 + gen.int(6);
    let local = false;
    for (let h = 0; h < hosts; h++) {
      lines.push(`  ${sometimes(`h${h}`, `H${h}`, `web_${h}`, `h${gen.int(3)}`)}:${gen.trailing()}`);
      const vip = sometimes(gen.pick([`127.0.42.${h + 1}`, `"127.0.42.${h + 1}"`]), `127.0.42.${gen.int(3)}`, '10.0.0.1', '127.0.42', '5');
      lines.push(`    vip:${gen.blank()}${vip}${gen.trailing()}`);
      if (local || gen.chance(0.9)) {
        lines.push(`    cmd: ${sometimes(gen.pick([`["docker", "exec", "-i", "h${h}", "norouter"]`, `docker exec -i h${h} norouter`, `'ssh u@h${h} -- norouter'`]), '[]', '7', "\"a 'b\"")}`);
      } else {
        local = true;
      }
      if (gen.chance(0.6)) {
        const ports = Array.from({ length: 1 + gen.int(3) }, (_, p) => `"${sometimes(String(8080 + p), '8080', '70000')}:127.0.0.1:${gen.int(100)}"`);
        lines.push(gen.chance(0.5) ? `    ports: [${ports.join(', ')}]` : `    ports:\n${ports.map((p) => `    - ${p}`).join('\n')}`);
      }
      if (gen.chance(0.1)) lines.push(`    ${gen.pick(['writeEtcHosts: true', `dns: {enable: true, aliases: [www${h}]}`, 'prots: []', 'extra: 1'])}`);
    }
    const text = `${lines.join('\n')}\n`;
    if (samePlan(text, 'm.yaml')) fastPath++;
  }
  t.diagnostic(`${fastPath} of ${n} took the fast path`);
  assert.ok(fastPath > n / 4 && fastPath < n);
});

// Regression guard: a manifest in fast-yaml's subset whose only finding is a warning must still
// get it, positioned, from the full pipeline.
test('a warning alone still comes out, with its position', () => {
  const r = loadManifest('hosts:\n  laptop:\n    vip: 10.0.0.1\n', 'm.yaml');
  assert.equal(r.ok, true);
  assert.deepEqual(r.diagnostics.map((d) => `${d.line}:${d.col} ${d.code}`), ['3:10 W301']);
});
