/**
 * The proxy bench's request-rate client, run inside the client's namespace:
 *   node --import tsx bench/lib/proxy-client.ts MODE TARGET_HOST TARGET_PORT PROXY_PORT REQUESTS CONCURRENCY
 * MODE: direct (to TARGET), http (absolute URIs through the HTTP proxy on 127.0.0.1:PROXY_PORT),
 * socks (a SOCKS5 tunnel per connection through 127.0.0.1:PROXY_PORT). Keep-alive connections,
 * CONCURRENCY of them, each sending GETs back to back. Prints `{"rps": N}`.
 */
import { Agent, request } from 'node:http';
import { connect, type Socket } from 'node:net';

const [mode = 'direct', host = '127.0.0.1', portText = '80', proxyText = '0', totalText = '2000', concText = '8'] = process.argv.slice(2);
const port = Number(portText);
const proxyPort = Number(proxyText);
const total = Number(totalText);

/** A SOCKS5 CONNECT (no auth, name resolved by the proxy) on a fresh socket. */
function socks5(callback: (err: Error | null, socket: Socket) => void): void {
  const s = connect({ host: '127.0.0.1', port: proxyPort, noDelay: true });
  const name = Buffer.from(host);
  s.once('connect', () => s.write(Buffer.concat([Buffer.from([5, 1, 0, 5, 1, 0, 3, name.length]), name, Buffer.from([port >> 8, port & 255])])));
  let got = Buffer.alloc(0);
  const onData = (d: Buffer): void => {
    got = Buffer.concat([got, d]);
    if (got.length < 12) return;
    s.off('data', onData);
    if (got[1] !== 0 || got[3] !== 0) return callback(new Error(`SOCKS5 refused: ${[...got.subarray(0, 4)].join(' ')}`), s);
    callback(null, s);
  };
  s.on('data', onData);
  s.once('error', (e) => callback(e, s));
}

class SocksAgent extends Agent {
  override createConnection(_options: unknown, callback?: (err: Error | null, socket: Socket) => void): undefined {
    socks5((err, s) => callback?.(err, s));
    return undefined;
  }
}

const agent = mode === 'socks' ? new SocksAgent({ keepAlive: true, maxSockets: Number(concText) }) : new Agent({ keepAlive: true, maxSockets: Number(concText) });

function once(): Promise<void> {
  return new Promise((resolve, reject) => {
    const viaProxy = mode === 'http';
    const req = request({
      agent, host: viaProxy ? '127.0.0.1' : host, port: viaProxy ? proxyPort : port,
      path: viaProxy ? `http://${host}:${port}/` : '/', headers: { host: `${host}:${port}` },
    }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end();
  });
}

let next = 0;
const started = process.hrtime.bigint();
await Promise.all(Array.from({ length: Number(concText) }, async () => {
  while (next++ < total) await once();
}));
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
console.log(JSON.stringify({ rps: total / seconds }));
agent.destroy();
