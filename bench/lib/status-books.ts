/**
 * A router's status side at the size the budget names (docs/benchmarks.md, "Status"): books of
 * 200 hosts and 10,000 live connections, each with traffic, behind a real control socket. Run as
 * its own process (`node --import tsx bench/lib/status-books.ts MANIFEST RUNTIME_DIR`) so the
 * client measures what a separate `norouter status` sees; prints `listening` when ready.
 */
import { FLAG_FROM_ACCEPTOR, FLAG_OPEN, FLAG_OPEN_OK, INITIAL_WINDOW, PROTO_TCP, u32Payload } from '../../src/protocol/index.js';
import { Accounting } from '../../src/status/accounting.js';
import { ControlServer } from '../../src/status/control-server.js';

const [manifest, runtime] = process.argv.slice(2);
if (!manifest || !runtime) throw new Error('usage: status-books.ts MANIFEST RUNTIME_DIR');
const HOSTS = 200;
const CONNECTIONS = 10_000;
const vip = (i: number) => 0x7f002a00 + 0x100 * Math.floor(i / 250) + (i % 250) + 1;
const ipText = (ip: number) => `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`;

const acct = new Accounting({ manifest, version: 'bench' });
acct.plan(Array.from({ length: HOSTS }, (_, i) => ({ name: `host-${i}`, vip: ipText(vip(i)) })));
for (let i = 0; i < HOSTS; i++) {
  acct.starting(`host-${i}`);
  acct.up(`host-${i}`);
}
const data = Buffer.alloc(1000);
for (let c = 0; c < CONNECTIONS; c++) {
  const from = vip(c % HOSTS);
  const to = vip((c * 7 + 1) % HOSTS);
  const port = 1024 + Math.floor(c / HOSTS);
  acct.forwarded({ srcIP: from, srcPort: port, dstIP: to, dstPort: 80, proto: PROTO_TCP, flags: FLAG_OPEN, payload: u32Payload(INITIAL_WINDOW) });
  acct.forwarded({ srcIP: to, srcPort: 80, dstIP: from, dstPort: port, proto: PROTO_TCP, flags: FLAG_OPEN_OK | FLAG_FROM_ACCEPTOR, payload: u32Payload(INITIAL_WINDOW) });
  for (let k = 0; k < c % 5; k++) acct.forwarded({ srcIP: from, srcPort: port, dstIP: to, dstPort: 80, proto: PROTO_TCP, flags: 0, payload: data });
}
for (let s = 0; s < 60; s++) acct.sample();
if (acct.connections !== CONNECTIONS) throw new Error(`Assertion failed: ${acct.connections} connections in the books`);
acct.start();
const started = await ControlServer.start(manifest, (detail) => acct.snapshot(detail), { XDG_RUNTIME_DIR: runtime });
if (!started.ok) throw new Error(started.message);
// The server is unref'd (a router exits without waiting for it): this keeps the bench's alive.
setInterval(() => {}, 1 << 30);
console.log('listening');
