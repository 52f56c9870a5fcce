// The manifest's `keepalive`, checked by the schema (each number) and by E317
// (the two together).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadManifest } from '../../src/manifest/load.js';

const codes = (keepalive: string) =>
  loadManifest(`hosts:\n  a: {vip: 127.0.0.2}\nkeepalive: ${keepalive}\n`, 'm.yaml').diagnostics.map((d) => `${d.code} ${d.pointer}`);

test('a keepalive with a timeout of at least two intervals is clean, as is one left empty', () => {
  assert.deepEqual(codes('{interval: 0.2, timeout: 1}'), []);
  assert.deepEqual(codes('{interval: 1, timeout: 2}'), []);
  assert.deepEqual(codes('{interval: 3}'), []);
  assert.deepEqual(codes('{timeout: 20}'), []);
  assert.deepEqual(codes('{}'), []);
});

test('the schema bounds each number and knows only interval and timeout', () => {
  assert.deepEqual(codes('{interval: 0, timeout: 1}'), ['E206 /keepalive/interval']);
  assert.deepEqual(codes('{interval: 1, timeout: 3601}'), ['E206 /keepalive/timeout']);
  assert.deepEqual(codes('{interval: "1", timeout: 5}'), ['E202 /keepalive/interval']);
  assert.deepEqual(codes('{intervl: 1}'), ['E201 /keepalive/intervl']);
  assert.deepEqual(codes('[1, 5]'), ['E202 /keepalive']);
});

test('E317: a timeout under two intervals, reported at the timeout', () => {
  const [d, ...rest] = loadManifest('hosts:\n  a: {vip: 127.0.0.2}\nkeepalive: {interval: 1, timeout: 1.5}\n', 'm.yaml').diagnostics;
  assert.deepEqual(rest, []);
  assert.equal(d?.code, 'E317');
  assert.equal(d?.pointer, '/keepalive/timeout');
  assert.equal(d?.message, 'keepalive.timeout (1.5 s) is less than 2 × keepalive.interval (1 s): one late ping would end a healthy link; make the timeout at least 2 s or the interval shorter');
});

test('E317 counts a value left out as its default (interval 10 s, timeout 45 s) and says so', () => {
  const messages = (k: string) => loadManifest(`hosts:\n  a: {vip: 127.0.0.2}\nkeepalive: ${k}\n`, 'm.yaml').diagnostics.map((d) => `${d.code} ${d.pointer} ${d.message}`);
  assert.match(messages('{timeout: 15}').join('\n'), /^E317 \/keepalive\/timeout keepalive\.timeout \(15 s\) is less than 2 × the default interval \(10 s\)/);
  assert.match(messages('{interval: 30}').join('\n'), /^E317 \/keepalive\/interval the default timeout \(45 s\) is less than 2 × keepalive\.interval \(30 s\)/);
});

test('a number the schema rejected gets no E317 as well', () => {
  assert.deepEqual(codes('{interval: 0.01, timeout: 0.015}'), ['E206 /keepalive/interval', 'E206 /keepalive/timeout']);
  assert.deepEqual(codes('{interval: 5000, timeout: 6}'), ['E206 /keepalive/interval']);
});
