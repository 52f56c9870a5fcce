/**
 * The HTTP proxy's CONNECT tunnels: once the far side dialled, the client's socket is
 * handed to the bridge and carries the bytes as a VIP connection would.
 */
import type { Socket } from 'node:net';
import { openTunnel, type ProxyHost } from './proxy-host.js';
import { errorResponse, statusFor } from './http-response.js';

/** `target` is the request-target of `CONNECT target HTTP/1.1`; `head` what the client sent after the request. */
export function connectTunnel(host: ProxyHost, socket: Socket, target: string, head: Buffer): void {
  // A client that resets the socket must not take the agent down.
  socket.on('error', () => socket.destroy());
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(target);
  if (!m) {
    socket.end(errorResponse(400, `CONNECT "${target}" is not HOST:PORT`, { close: true }));
    return;
  }
  const to = host.decide(m[1] ?? m[2] ?? '', Number(m[3]));
  if (to.kind === 'refuse') {
    host.log(`proxy: refused CONNECT ${target}: ${to.why}`);
    socket.end(errorResponse(to.reason === 'bad' ? 400 : 403, to.why, { close: true }));
    return;
  }
  socket.setNoDelay(true);
  openTunnel(host, socket, to, head, {
    ok: () => Buffer.from('HTTP/1.1 200 Connection Established\r\n\r\n'),
    refused: (reason, text) => errorResponse(statusFor(reason), `${to.label}: ${text || reason}`, { close: true }),
  });
}
