import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadManifest } from '../../src/manifest/load.js';

test('a clean manifest is ok and typed', () => {
  const r = loadManifest('hosts:\n  laptop: {vip: 127.0.42.100}\n  web: {vip: 127.0.42.101, cmd: docker exec -i web norouter}\n', 'm.yaml');
  assert.equal(r.ok, true);
  assert.deepEqual(r.diagnostics, []);
  assert.equal(r.manifest?.hosts['web']?.cmd, 'docker exec -i web norouter');
});

test('warnings alone leave the manifest ok', () => {
  const r = loadManifest('hosts:\n  laptop: {vip: 10.0.0.1}\n', 'm.yaml');
  assert.equal(r.ok, true);
  assert.ok(r.manifest);
  assert.deepEqual(r.diagnostics.map((d) => d.severity), ['warning']);
});

test('schema and semantic problems come together, sorted by position', () => {
  const r = loadManifest('hosts:\n  b: {vip: 127.0.0.2, cmd: 5}\n  a: {vip: 127.0.0.2, cmd: x, ports: ["70000:h:1"]}\n', 'm.yaml');
  assert.equal(r.ok, false);
  assert.equal(r.manifest, undefined);
  assert.deepEqual(r.diagnostics.map((d) => `${d.line}:${d.col} ${d.code}`), ['2:28 E202', '3:12 E301', '3:39 E304']);
  assert.ok(r.diagnostics.every((d) => d.file === 'm.yaml'));
});

test('YAML errors stop the pipeline: no schema noise about a half-parsed value', () => {
  const r = loadManifest('hosts:\n  a: {vip: 127.0.0.2\n', 'm.yaml');
  assert.deepEqual(r.diagnostics.map((d) => d.code), ['E101']);
});
