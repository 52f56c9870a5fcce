// The manifest's `discover`: true, false or {include, exclude} on a host or hostTemplate; E320 for
// an entry that is not a port or an upward range. compile resolves the defaults (docs/discovery.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadManifest } from '../../src/manifest/load.js';
import { compile } from '../../src/compile/compile.js';
import { ADMIN_PORTS } from '../../src/plan/discover-args.js';
import { formatPlanText } from '../../src/plan/format-plan.js';

const load = (yaml: string) => loadManifest(yaml, 'm.yaml');
const codes = (yaml: string) => load(yaml).diagnostics.map((d) => `${d.code} ${d.pointer}`);

test('discover: true, false and the filter form are clean', () => {
  assert.deepEqual(codes('hosts:\n  a: {vip: 127.0.0.2, discover: true}\n'), []);
  assert.deepEqual(codes('hosts:\n  a: {vip: 127.0.0.2, discover: false}\n'), []);
  assert.deepEqual(codes('hosts:\n  a: {vip: 127.0.0.2, discover: {include: [22, "8000-8999"], exclude: [8500]}}\n'), []);
  assert.deepEqual(codes('hostTemplate: {discover: {exclude: [5432]}}\nhosts:\n  a: {vip: 127.0.0.2}\n'), []);
});

test('E320 names each bad entry; the schema names wrong shapes', () => {
  assert.deepEqual(codes('hosts:\n  a: {vip: 127.0.0.2, discover: {exclude: ["9-8", 0, 70000, "x", 80]}}\n'),
    ['E320 /hosts/a/discover/exclude/0', 'E320 /hosts/a/discover/exclude/1', 'E320 /hosts/a/discover/exclude/2', 'E320 /hosts/a/discover/exclude/3']);
  assert.deepEqual(codes('hostTemplate: {discover: {include: ["1-"]}}\nhosts:\n  a: {vip: 127.0.0.2}\n'), ['E320 /hostTemplate/discover/include/0']);
  const [d] = load('hosts:\n  a: {vip: 127.0.0.2, discover: {exclude: ["9000-8000"]}}\n').diagnostics;
  assert.equal(d?.message, 'discover.exclude[0] of host "a": "9000-8000" is not a range: 9000 is above 8000');
  assert.deepEqual(codes('hosts:\n  a: {vip: 127.0.0.2, discover: {exclude: [true]}}\n'), ['E202 /hosts/a/discover/exclude/0']);
  assert.deepEqual(codes('hosts:\n  a: {vip: 127.0.0.2, discover: {only: [80]}}\n'), ['E201 /hosts/a/discover/only']);
  assert.deepEqual(codes('hosts:\n  a: {vip: 127.0.0.2, discover: "yes"}\n'), ['E202 /hosts/a/discover']);
});

test('compile resolves the defaults; a host overrides the template; plan shows the filters', () => {
  const m = load(`hostTemplate: {discover: true}
hosts:
  a: {vip: 127.0.0.2}
  b: {vip: 127.0.0.3, cmd: x, discover: {exclude: [5432]}}
  c: {vip: 127.0.0.4, cmd: y, discover: {include: [22, "8000-8001"], exclude: [8001]}}
  d: {vip: 127.0.0.5, cmd: z, discover: false}
`);
  assert.deepEqual(m.diagnostics, []);
  const plan = compile(m.manifest!, { self: ['norouter'] });
  const [a, b, c, d] = plan.hosts.map((h) => h.agent.discover);
  assert.deepEqual(a, { include: [[1, 65535]], exclude: ADMIN_PORTS });
  assert.deepEqual(b, { include: [[1, 65535]], exclude: [...ADMIN_PORTS, [5432, 5432]] });
  assert.deepEqual(c, { include: [[22, 22], [8000, 8001]], exclude: [[8001, 8001]] });
  assert.equal(d, undefined);
  const text = formatPlanText(plan);
  assert.match(text, /# c \(127\.0\.0\.4; discovers ports 22,8000-8001 except 8001\)\ny internal agent --me 127\.0\.0\.4 --discover 22,8000-8001 --discover-exclude 8001/);
  assert.match(text, /# a \(127\.0\.0\.2; discovers ports 1-65535 except 22,25,53,111,631,2049,2375-2376,2379-2380,5355,6443,10248-10259\)/);
  assert.doesNotMatch(text.split('# d ')[1] ?? '', /discover/);
});

test('E318 measures the discovery flags as compile writes them', async () => {
  const { agentCommandSizes } = await import('../../src/validate/semantic-size.js');
  const m = load('hostTemplate: {discover: {exclude: [5432]}}\nhosts:\n  a: {vip: 127.0.0.2, cmd: "ssh a -- norouter", ports: ["80:127.0.0.1:80"]}\n  b: {vip: 127.0.0.3, cmd: x, discover: {include: ["1-1000"]}}\n  c: {vip: 127.0.0.4, cmd: y, discover: false}\n').manifest!;
  const plan = compile(m, { self: ['norouter'] });
  assert.deepEqual(agentCommandSizes(m).map((s) => s.bytes), plan.hosts.map((h) => Buffer.byteLength(h.argv.join(' '))));
});
