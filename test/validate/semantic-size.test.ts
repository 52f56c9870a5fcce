// E318 bounds each agent's command line, computed without building the plan.
// agentCommandSizes must measure exactly what compile builds, or the bound means nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { parseDocument, LineCounter } from 'yaml';
import type { Manifest } from '../../generated/manifest.js';
import { compile } from '../../src/compile/compile.js';
import { loadManifest } from '../../src/manifest/load.js';
import { locate, locateTopKeyInText } from '../../src/validate/locate.js';
import { MAX_AGENT_COMMAND_BYTES, agentCommandSizes } from '../../src/validate/semantic-size.js';

/** The byte length of each host's argv joined by spaces, as compile builds it (the local host's cmd left out). */
function compiledLengths(manifest: Manifest): number[] {
  return compile(manifest, { self: [] }).hosts.map((h) => Buffer.byteLength(h.argv.join(' ')));
}

function load(text: string): Manifest {
  const r = loadManifest(text, 'm.yaml');
  assert.ok(r.manifest, JSON.stringify(r.diagnostics));
  return r.manifest;
}

const MIXED = `
hostTemplate:
  ports: ["9000:127.0.0.1:9000"]
  dns: {domain: mesh}
hosts:
  laptop:
    vip: 127.0.42.100
    socks: {listen: "127.0.0.1:1080"}
    dns: {enable: false}
  vpc:
    vip: 127.0.42.101
    cmd: "ssh 'user@vpc.example' -- \\"nörouter\\""
    ports: ["8080:127.0.0.1:80", "8443:db.internal:443"]
    dns: {aliases: [api, api.vpc]}
    writeEtcHosts: true
  c1:
    vip: 127.0.42.102
    cmd: [docker, exec, -i, c1, node]
    bootstrap: true
    http: {listen: "127.0.0.1:18080"}
    loopback: {disable: true}
  plain:
    vip: 127.0.42.103
    cmd: [kubectl, exec, -i, pod, --, norouter]
    dns: {enable: false}
routes:
  - via: vpc
    to: ["10.0.0.0/8", "*.internal"]
  - via: c1
    to: ["172.18.0.0/16"]
`;

test('the computed length is compile\'s, byte for byte: cmd, bootstrap, forwards, DNS, proxies, routes, others', () => {
  const manifest = load(MIXED);
  assert.deepEqual(agentCommandSizes(manifest).map((s) => s.bytes), compiledLengths(manifest));
});

test('the computed length is compile\'s with a keepalive too (its hidden flag is on every line)', () => {
  const manifest = load(`keepalive: {interval: 0.5, timeout: 2}\n${MIXED}`);
  assert.deepEqual(agentCommandSizes(manifest).map((s) => s.bytes), compiledLengths(manifest));
});

test('the computed length is compile\'s for every example', () => {
  const dir = new URL('../../examples/', import.meta.url);
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.yaml'))) {
    const manifest = load(readFileSync(new URL(name, dir), 'utf8'));
    assert.deepEqual(agentCommandSizes(manifest).map((s) => s.bytes), compiledLengths(manifest), name);
  }
});

test('the computed length is compile\'s for the original NoRouter\'s manifests (aliases on hosts, a VIP as via)', () => {
  const dir = new URL('../fixtures/norouter-original/', import.meta.url);
  for (const name of readdirSync(dir)) {
    const r = loadManifest(readFileSync(new URL(`${name}/manifest.yaml`, dir), 'utf8'), 'manifest.yaml');
    if (!r.manifest) continue;
    assert.deepEqual(agentCommandSizes(r.manifest).map((s) => s.bytes), compiledLengths(r.manifest), name);
  }
});

test('others and names are counted without a host\'s own ports', () => {
  const sizes = agentCommandSizes(load(MIXED));
  // 1 template port on each of 4 hosts, and vpc's 2: 6 published; each host lists the rest.
  assert.deepEqual(sizes.map((s) => [s.name, s.others]), [['laptop', 5], ['vpc', 3], ['c1', 5], ['plain', 5]]);
  // laptop's socks proxy and vpc's DNS carry the 6 names (4 hosts, 2 aliases); c1 has a proxy too.
  assert.deepEqual(sizes.map((s) => s.names), [6, 6, 6, 0]);
});

/** Two hosts; the remote one's cmd padded so that its command line is `bytes` long. */
function padded(bytes: number): string {
  const base = (pad: number) => `hosts:\n  a: {vip: 127.0.42.1, ports: ["80:127.0.0.1:80"]}\n  b: {vip: 127.0.42.2, cmd: [ssh, ${'x'.repeat(pad)}, --, norouter]}\n`;
  const one = agentCommandSizes(load(base(1)))[1]?.bytes ?? 0;
  return base(1 + bytes - one);
}

test('a command line of exactly the limit is accepted, one byte more is E318', () => {
  const at = loadManifest(padded(MAX_AGENT_COMMAND_BYTES), 'm.yaml');
  assert.deepEqual(at.diagnostics, []);
  assert.ok(at.manifest);
  assert.equal(compiledLengths(at.manifest)[1], MAX_AGENT_COMMAND_BYTES);

  const over = loadManifest(padded(MAX_AGENT_COMMAND_BYTES + 1), 'm.yaml');
  assert.equal(over.ok, false);
  assert.deepEqual(over.diagnostics.map((d) => [d.code, d.pointer, d.line, d.col]), [['E318', '/hosts', 1, 1]]);
  assert.match(over.diagnostics[0]?.message ?? '', /^the agent command line of host "b" would be 120\.1 KiB, over the limit of 120 KiB: it lists 1 ports/);
});

test('E318 is one diagnostic for the mesh, naming the longest line and how many more are over', () => {
  const ports = Array.from({ length: 100 }, (_, i) => `"${10000 + i}:127.0.0.1:80"`).join(', ');
  let text = `hostTemplate: {ports: [${ports}]}\nhosts:\n  local: {vip: 127.0.42.1}\n`;
  for (let i = 1; i < 50; i++) text += `  h${i}: {vip: 127.0.42.${i + 1}, cmd: [ssh, h${i}${i === 7 ? '.example.com' : ''}, --, norouter]}\n`;
  const r = loadManifest(text, 'm.yaml');
  assert.deepEqual(r.diagnostics.map((d) => [d.code, d.line]), [['E318', 2]]);
  assert.match(r.diagnostics[0]?.message ?? '', /^the agent command line of host "h7" \(and 49 more of the 50 hosts\) would be 1\d\d\.\d KiB, over the limit of 120 KiB: it lists 4900 ports published by the other hosts/);
});

test('E318 waits for a manifest the schema accepts', () => {
  const text = padded(MAX_AGENT_COMMAND_BYTES + 1).replace('b: {', 'b: {vpi: 1, ');
  assert.deepEqual(loadManifest(text, 'm.yaml').diagnostics.map((d) => d.code), ['E201']);
});

test('locateTopKeyInText agrees with yaml\'s document wherever it answers', () => {
  const texts = [
    'hosts:\n  a: {vip: 127.0.0.1}\n',
    '# a comment\n\nhostTemplate:\n  ports: []\nhosts: {a: {vip: 127.0.0.1}}\n',
    '---\n"hosts":\n  a: {vip: 127.0.0.1}\n',
    "routes: []\n'hosts'  : # hosts\n  a: {vip: 127.0.0.1}\n",
    'hostTemplate:\n  hosts: 1\nhosts:\n  hosts: {vip: 127.0.0.1}\n',
  ];
  for (const text of texts) {
    const lineCounter = new LineCounter();
    const doc = parseDocument(text, { lineCounter });
    assert.deepEqual(locateTopKeyInText(text, 'hosts'), locate({ doc, lineCounter, text }, ['hosts'], 'key'), text);
  }
  assert.equal(locateTopKeyInText('{hosts: {}}\n', 'hosts'), undefined);
  assert.equal(locateTopKeyInText('? hosts\n: {}\n', 'hosts'), undefined);
});
