import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadManifest } from '../../src/manifest/load.js';
import { explainError } from '../../src/validate/schema.js';

const codes = (text: string) => loadManifest(text, 'm.yaml').diagnostics.map((d) => `${d.code} ${d.pointer}`);

// Regression: ajv reports a oneOf failure as one error per branch plus the oneOf itself (three
// errors for `cmd: 3`); users must see one.
test('a cmd of the wrong type is one diagnostic', () => {
  assert.deepEqual(codes('hosts:\n  a: {vip: 127.0.0.2, cmd: 3}\n'), ['E202 /hosts/a/cmd']);
});

test('a bad element of a cmd list is reported at the element, once', () => {
  assert.deepEqual(codes('hosts:\n  a: {vip: 127.0.0.2, cmd: [x, 1]}\n'), ['E202 /hosts/a/cmd/1']);
});

// Regression: collapsing one host's oneOf errors dropped the errors of every other host's cmd,
// because their schemaPath is the same; only the instancePath tells them apart.
test('oneOf groups of different hosts are collapsed separately', () => {
  assert.deepEqual(codes('hosts:\n  a: {vip: 127.0.0.2, cmd: 3}\n  b: {vip: 127.0.0.3, cmd: []}\n'), ['E202 /hosts/a/cmd', 'E307 /hosts/b/cmd']);
});

test('a misspelt required key is one diagnostic, not also "missing"', () => {
  assert.deepEqual(codes('hosts:\n  a: {vpi: 127.0.0.2}\n'), ['E201 /hosts/a/vpi']);
});

test('a port entry failing the schema pattern is not reported again by the semantic checks', () => {
  assert.deepEqual(codes('hosts:\n  a: {vip: 127.0.0.2, ports: ["x:y"]}\n'), ['E304 /hosts/a/ports/0']);
});

test('unknown keys point at the key and carry its pointer', () => {
  const [d] = loadManifest('hosts:\n  a: {vip: 127.0.0.2}\nhostTemplte: {}\n', 'm.yaml').diagnostics;
  assert.equal(d?.message, 'unknown key "hostTemplte" in manifest; did you mean "hostTemplate"?');
  assert.deepEqual([d?.line, d?.col, d?.endCol, d?.pointer], [3, 1, 12, '/hostTemplte']);
});

test('keys with JSON pointer metacharacters are escaped in the pointer', () => {
  assert.deepEqual(codes('hosts:\n  a: {vip: 127.0.0.2, "x/y~": 1}\n'), ['E201 /hosts/a/x~1y~0']);
});

test('schema rules without a specific code still get a readable E206', () => {
  const p = explainError({ hosts: { a: { vip: 'x' } } }, {
    keyword: 'maxLength', instancePath: '/hosts/a/vip', schemaPath: '#/maxLength', params: { limit: 0 }, message: 'must NOT have more than 0 characters',
  });
  assert.deepEqual([p.code, p.message], ['E206', 'vip of host "a" must NOT have more than 0 characters']);
});
