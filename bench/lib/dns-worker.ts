/**
 * One DNS server for bench/dns.ts, in its own process (its own event loop, as in an agent):
 *   ours  VIP UPSTREAM_IP UPSTREAM_PORT N   norouter's DnsServer answering host0…hostN-1
 *   plain VIP - - N [ext]                   a plain dns2 server answering the same names
 *                                           (with `ext`: ext0.test… instead, as the upstream)
 * Prints "listening PORT".
 */
import dns2 from 'dns2';
import { DnsServer } from '../../src/dns/dns-server.js';
import { NameTable } from '../../src/dns/name-table.js';

const [mode, vip = '127.0.0.1', upIp = '', upPort = '0', countText = '100', ext] = process.argv.slice(2);
const count = Number(countText);
const prefix = ext ? 'ext' : 'host';
const suffix = ext ? '.test' : '';
const names = Array.from({ length: count }, (_, i) => ({ name: `${prefix}${i}${suffix}`, vip: `127.0.${Math.floor(i / 250) + 42}.${(i % 250) + 1}` }));

if (mode === 'ours') {
  const server = new DnsServer(new NameTable(names), [{ address: upIp, port: Number(upPort) }], { vip, log: (l) => console.error(l) });
  console.log(`listening ${await server.listen(0)}`);
} else {
  const { Packet } = dns2;
  const table = new Map(names.map((n) => [n.name, n.vip]));
  const server = dns2.createUDPServer((request, send) => {
    const response = Packet.createResponseFromRequest(request);
    const q = request.questions[0];
    const address = q ? table.get(q.name.toLowerCase()) : undefined;
    if (q && address) response.answers.push({ name: q.name, type: Packet.TYPE.A, class: Packet.CLASS.IN, ttl: 5, address } as never);
    else response.header.rcode = 3;
    void send(response).catch(() => {});
  });
  await server.listen(0, vip);
  console.log(`listening ${server.address().port}`);
}
