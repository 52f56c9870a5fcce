/**
 * The demo's web service: answers every request with a fixed body. Runs in the demo process for
 * the local host, and as `norouter internal demo-http` inside each namespaced host (a separate
 * process there, because a socket can only be opened in a network namespace by a process in it).
 */
import { createServer, type Server } from 'node:http';

export function serveDemoHttp(host: string, port: number, body: string): Promise<Server> {
  const server = createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

/** The port a listening server got (for port 0). */
export function boundPort(server: Server): number {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('Assertion failed: server is not listening on TCP');
  return address.port;
}
