/**
 * src/net/udp-read-pause.ts on a real UDP socket: while paused, datagrams wait in the kernel
 * (its receive queue in /proc/net/udp holds them) and no `message` event comes; afterwards they
 * are read. Where Node lays out its dgram socket otherwise pause() says false (checked by the
 * first assertion: on the Node this runs on, it must work).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createSocket, type Socket } from 'node:dgram';
import { ReadPause } from '../../src/net/udp-read-pause.js';
import { waitFor } from '../helpers/wait.js';

async function bound(): Promise<Socket> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  return s;
}

/** Bytes the kernel holds for the socket bound to 127.0.0.1:port, not yet read (/proc/net/udp rx_queue). */
function kernelQueued(port: number): number {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  for (const line of readFileSync('/proc/net/udp', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f[1] === local) return parseInt((f[4] ?? '0:0').split(':')[1] ?? '0', 16);
  }
  return Number.NaN;
}

async function sendAll(from: Socket, port: number, n: number): Promise<void> {
  await Promise.all(Array.from({ length: n }, (_, i) => new Promise<void>((resolve, reject) => from.send(`d${i}`, port, '127.0.0.1', (e) => (e ? reject(e) : resolve())))));
}

test('a paused socket reads nothing: the kernel holds the datagrams; after the pause they are read', async () => {
  const s = await bound();
  const c = await bound();
  const got: string[] = [];
  s.on('message', (m) => got.push(m.toString()));
  const port = s.address().port;
  const pause = new ReadPause(s);
  assert.equal(pause.pause(60_000), true, 'this Node lets a dgram socket stop reading');
  await sendAll(c, port, 5);
  // Loopback delivery is done by the time send's callback runs: the datagrams are in the socket's queue.
  await waitFor(() => kernelQueued(port) > 0, { what: 'the datagrams in the kernel queue' });
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(got.length, 0);
  assert.equal(pause.pauses, 1);
  assert.equal(pause.pause(60_000), true, 'pausing again while paused is a no-op');
  assert.equal(pause.pauses, 1);
  pause.close();
  s.close();
  c.close();
});

test('reading resumes after the pause; a socket closed while paused is not resumed and closes cleanly', async () => {
  const s = await bound();
  const c = await bound();
  const got: string[] = [];
  s.on('message', (m) => got.push(m.toString()));
  const pause = new ReadPause(s);
  assert.equal(pause.pause(1), true);
  await sendAll(c, s.address().port, 5);
  await waitFor(() => got.length === 5, { what: 'the 5 datagrams read after the pause' });
  assert.equal(pause.paused, false);
  const t = await bound();
  const stopped = new ReadPause(t);
  assert.equal(stopped.pause(1), true);
  stopped.close();
  t.close();
  assert.equal(stopped.paused, false);
  assert.equal(stopped.pause(1), false, 'nothing pauses after close');
  s.close();
  c.close();
});
