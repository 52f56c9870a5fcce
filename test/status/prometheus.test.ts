/**
 * The metrics text (src/status/prometheus.ts) read back by a parser of the exposition format:
 * every sample belongs to a metric with HELP and TYPE, label values are escaped, counters end in
 * _total, and the values are the books'.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FLAG_OPEN, INITIAL_WINDOW, PROTO_TCP, PROTO_UDP, u32Payload } from '../../src/protocol/index.js';
import { Accounting } from '../../src/status/accounting.js';
import { prometheusText } from '../../src/status/prometheus.js';
import { parseExposition } from '../helpers/prometheus.js';

test('the exposition parses, and holds the books\' values', () => {
  const acct = new Accounting({ manifest: '/m.yaml', version: 'test' });
  acct.plan([{ name: 'web', vip: '127.0.42.1' }, { name: 'db"\\x', vip: '127.0.42.2' }]);
  acct.starting('web');
  acct.up('web');
  acct.forwarded({ srcIP: 0x7f002a01, srcPort: 9, dstIP: 0x7f002a02, dstPort: 80, proto: PROTO_TCP, flags: FLAG_OPEN, payload: u32Payload(INITIAL_WINDOW) });
  acct.refused('web', 'open-flood');
  acct.datagram({ srcIP: 0x7f002a01, srcPort: 5000, dstIP: 0x7f002a02, dstPort: 53, proto: PROTO_UDP, flags: 0, payload: Buffer.alloc(40) });
  acct.datagramDrops = () => new Map([['web', new Map([['host-down', 7]])]]);
  acct.agentCounters('web', { dns: { answered: 0, relayed: 0, dropped: 0 }, udp: { dropped: { 'flow-limit': 2 }, flows: { clients: 1, targets: 0 } } });
  acct.reloaded('SIGHUP', 'applied', '1 host added');
  const { samples } = parseExposition(prometheusText(acct.snapshot()));
  const get = (name: string, labels: Record<string, string> = {}) =>
    samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
  assert.equal(get('norouter_host_up', { host: 'web' }), 1);
  assert.equal(get('norouter_host_up', { host: 'db"\\x' }), 0, 'a label value with a quote and a backslash reads back');
  assert.equal(get('norouter_host_connections', { host: 'web', direction: 'out' }), 1);
  assert.equal(get('norouter_host_connections', { host: 'db"\\x', direction: 'in' }), 1);
  assert.equal(get('norouter_refused_total', { host: 'web', kind: 'open-flood' }), 1);
  assert.equal(get('norouter_reloads_total'), 1);
  assert.equal(get('norouter_connections'), 1);
  assert.equal(get('norouter_udp_datagrams_total', { host: 'web', direction: 'out' }), 1);
  assert.equal(get('norouter_udp_datagrams_total', { host: 'db"\\x', direction: 'in' }), 1);
  assert.equal(get('norouter_udp_bytes_total', { host: 'web', direction: 'out' }), 40);
  assert.equal(get('norouter_udp_flows', { host: 'web', side: 'clients' }), 1);
  assert.equal(get('norouter_udp_datagrams_dropped_total', { host: 'web', by: 'router', kind: 'host-down' }), 7);
  assert.equal(get('norouter_udp_datagrams_dropped_total', { host: 'web', by: 'agent', kind: 'flow-limit' }), 2);
});
