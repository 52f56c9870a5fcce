// The UDP relay when a query's own socket cannot be had: the process is out of descriptors
// (EMFILE on bind). Node drops the sends queued on a socket whose bind failed without calling
// their callbacks, so such a query must be answered (SERVFAIL) at once rather than at the end of
// its budget, and the broken socket must not take the queries that follow: once descriptors are
// free again, the next query is relayed. Real sockets; the descriptors are really used up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { closeSync, openSync } from 'node:fs';
import { UdpRelay } from '../../src/dns/relay.js';
import { buildQuery, readAnswer } from './helpers.js';
import { withTimeout } from '../helpers/wait.js';

/** Opens /dev/null until EMFILE; returns the descriptors. */
function exhaustDescriptors(): number[] {
  const fds: number[] = [];
  for (;;) {
    try {
      fds.push(openSync('/dev/null', 'r'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EMFILE') return fds;
      for (const fd of fds) closeSync(fd);
      throw error;
    }
  }
}

test('a query whose socket cannot bind (EMFILE) gets SERVFAIL at once; the next one, with descriptors free, is relayed', async () => {
  const upstream = createSocket('udp4');
  upstream.on('message', (msg, from) => {
    const out = Buffer.from(msg);
    out[2] = (out[2] as number) | 0x80;
    out[3] = 0x80;
    upstream.send(out, from.port, from.address);
  });
  await new Promise<void>((resolve) => upstream.bind(0, '127.0.0.1', resolve));
  const lines: string[] = [];
  // A budget far beyond the bound below: only an answer that does not wait for it passes.
  const relay = new UdpRelay([{ address: '127.0.0.1', port: upstream.address().port }], (l) => lines.push(l), { budgetMs: 120_000, staggerMs: 60_000, retryMs: 60_000 });
  const ask = (id: number) => new Promise<Buffer>((resolve) => {
    const q = buildQuery('example.test', 1, id);
    relay.relay(q, q.length, resolve);
  });
  try {
    let answer: Promise<Buffer>;
    const fds = exhaustDescriptors();
    try {
      answer = ask(7);
      // The bind fails on a later tick: keep the descriptors used up until the answer.
      assert.equal(readAnswer(await withTimeout(answer, 10_000, 'SERVFAIL for the query whose socket failed')).rcode, 2);
    } finally {
      for (const fd of fds) closeSync(fd);
    }
    assert.ok(lines.some((l) => /EMFILE/.test(l)), lines.join('\n'));
    assert.deepEqual(readAnswer(await withTimeout(ask(8), 10_000, 'the next query relayed')), { id: 8, rcode: 0, addresses: [] });
  } finally {
    relay.close();
    upstream.close();
  }
});
