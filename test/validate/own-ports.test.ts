// What a host's own agent binds on its VIP, against each other (src/validate/semantic-own-ports.ts):
// E321, a published port (UDP or TCP) on the DNS add-on's port; E322, a port forwarded to itself.
// The same listen port twice, /udp or not, across ports and hostTemplate.ports, is E305's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadManifest } from '../../src/manifest/load.js';

const codes = (yaml: string) => loadManifest(yaml, 'm.yaml').diagnostics.map((d) => `${d.code} ${d.pointer}`);

test('E321: the DNS add-on\'s port published on the same host, from the host\'s ports or the template\'s, once per entry', () => {
  assert.deepEqual(codes('hosts:\n  a: {vip: 127.0.0.2, dns: {enable: true}, ports: ["53:127.0.0.1:53/udp"]}\n'), ['E321 /hosts/a/ports/0']);
  // The template's entry clashes on both hosts: said once, at the template.
  assert.deepEqual(codes('hostTemplate: {dns: {}, ports: ["53:127.0.0.1:5353/udp"]}\nhosts:\n  a: {vip: 127.0.0.2}\n  b: {vip: 127.0.0.3, cmd: c}\n'), ['E321 /hostTemplate/ports/0']);
  assert.deepEqual(codes('hostTemplate: {dns: {port: 5300}}\nhosts:\n  a: {vip: 127.0.0.2, ports: ["5300:127.0.0.1:5300"]}\n'), ['E321 /hosts/a/ports/0']);
});

test('no E321 where nothing clashes: DNS off, another port, or an agent that listens on no VIP', () => {
  assert.deepEqual(codes('hosts:\n  a: {vip: 127.0.0.2, ports: ["53:127.0.0.1:53/udp"]}\n'), []);
  assert.deepEqual(codes('hosts:\n  a: {vip: 127.0.0.2, dns: {enable: false}, ports: ["53:127.0.0.1:53/udp"]}\n'), []);
  assert.deepEqual(codes('hosts:\n  a: {vip: 127.0.0.2, dns: {}, ports: ["5353:127.0.0.2:53/udp"]}\n'), [], 'the add-on published under another port: the e2e test\'s way');
  assert.deepEqual(codes('hosts:\n  a: {vip: 127.0.0.2, dns: {}, loopback: {disable: true}, http: {listen: "127.0.0.1:18080"}, ports: ["53:127.0.0.1:53/udp"]}\n'), []);
});

test('E322: a port forwarded to its own host\'s VIP and port, UDP or TCP', () => {
  assert.deepEqual(codes('hosts:\n  a: {vip: 127.0.0.2, ports: ["8125:127.0.0.2:8125/udp", "80:127.0.0.2:80", "81:127.0.0.2:80", "82:127.0.0.3:82"]}\n  b: {vip: 127.0.0.3, cmd: c}\n'),
    ['E322 /hosts/a/ports/0', 'E322 /hosts/a/ports/1']);
  // With loopback.disable the agent listens on no VIP of its host: VIP:PORT there is the host's own service.
  assert.deepEqual(codes('hosts:\n  a: {vip: 127.0.0.2, loopback: {disable: true}, http: {listen: "127.0.0.1:18080"}, ports: ["8125:127.0.0.2:8125/udp"]}\n  b: {vip: 127.0.0.3, cmd: c}\n'), []);
});

test('E305 already covers the same /udp listen port twice on one host, through the template too', () => {
  assert.deepEqual(codes('hostTemplate: {ports: ["9000:127.0.0.1:9000/udp"]}\nhosts:\n  a: {vip: 127.0.0.2, ports: ["9000:127.0.0.1:9001/udp", "9000:127.0.0.1:9000"]}\n'), ['E305 /hosts/a/ports/0']);
});
