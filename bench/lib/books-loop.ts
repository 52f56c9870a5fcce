/**
 * The books' own work per frame (bench/accounting-instructions.ts runs this under callgrind):
 * `forwarded()` of src/status/accounting.ts for ROUND TRIPS of one connection between two hosts,
 * each a 64-byte data frame either way and every 16th a WINDOW, as the router calls it. One
 * thread, no I/O: the count is the same at any load. Usage: node books-loop.cjs ROUND_TRIPS
 */
import { Accounting } from '../../src/status/accounting.js';
import { FLAG_FROM_ACCEPTOR, FLAG_OPEN, FLAG_OPEN_OK, FLAG_WINDOW, PROTO_TCP, u32Payload, type Frame } from '../../src/protocol/index.js';

const trips = Number(process.argv[2]);
const acct = new Accounting({ manifest: '/books-loop.yaml', version: 'bench' });
// The benchmark's own VIPs (bench/accounting-instructions.ts): above 2^30, as 127.x.x.x are.
acct.plan([{ name: 'client', vip: '127.0.43.11' }, { name: 'server', vip: '127.0.43.12' }]);
const [a, b] = [0x7f002b0b, 0x7f002b0c];
const frame = (srcIP: number, srcPort: number, dstIP: number, dstPort: number, flags: number, payload: Buffer): Frame =>
  ({ srcIP, srcPort, dstIP, dstPort, proto: PROTO_TCP, flags, payload });
acct.forwarded(frame(a, 40000, b, 80, FLAG_OPEN, u32Payload(1 << 20)));
acct.forwarded(frame(b, 80, a, 40000, FLAG_OPEN_OK | FLAG_FROM_ACCEPTOR, u32Payload(1 << 20)));
const there = frame(a, 40000, b, 80, 0, Buffer.alloc(64));
const back = frame(b, 80, a, 40000, FLAG_FROM_ACCEPTOR, Buffer.alloc(64));
const window = frame(b, 80, a, 40000, FLAG_WINDOW | FLAG_FROM_ACCEPTOR, u32Payload(64 * 16));
for (let i = 0; i < trips; i++) {
  acct.forwarded(there);
  acct.forwarded(back);
  if (i % 16 === 15) acct.forwarded(window);
}
const sent = acct.snapshot().hosts[0]?.bytes.out;
if (sent !== 64 * trips) throw new Error(`Assertion failed: the books counted ${sent} bytes, not ${64 * trips}`);
