/**
 * The SOCKS proxy: SOCKS4, 4a and 5 on one port, told apart by the first byte. The
 * handshake is parsed by socks.ts; a destination is decided like the HTTP proxy's, and the
 * client hears "granted" only once the far side dialled. Refusals are SOCKS reply codes.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { AbortReason } from '../protocol/index.js';
import { openTunnel, type ProxyHost } from './proxy-host.js';
import { MAX_HANDSHAKE, SOCKS4_GRANTED, SOCKS4_REJECTED, SOCKS5_REPLY, parseSocks, socks5Choice, socksReply } from './socks.js';
import { DEFAULT_LIMITS, type ProxyLimits } from './listener-guard.js';
import { LogLimiter } from '../net/log-limiter.js';
import { safeHost } from './safe-log.js';

/** A mesh refusal as a SOCKS5 reply code (RFC 1928 §6). */
export function socks5CodeFor(reason: AbortReason): number {
  switch (reason) {
    case 'policy': return SOCKS5_REPLY.notAllowed;
    case 'refused': return SOCKS5_REPLY.refused;
    case 'unreachable':
    case 'host-down': return SOCKS5_REPLY.hostUnreachable;
    case 'timeout': return SOCKS5_REPLY.ttlExpired;
    default: return SOCKS5_REPLY.failure;
  }
}

export function createSocksProxy(rawHost: ProxyHost, limits: ProxyLimits = DEFAULT_LIMITS): Server {
  const host = safeHost(rawHost);
  const slow = new LogLimiter(host.log);
  return createServer({ allowHalfOpen: true, noDelay: true }, (socket) => handshake(host, socket, limits.handshakeDeadlineMs, slow));
}

function handshake(host: ProxyHost, socket: Socket, deadlineMs: number, slow: LogLimiter): void {
  let buf: Buffer = Buffer.alloc(0);
  let stage: 'start' | 'request' = 'start';
  const who = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
  // An absolute deadline: an idle timeout restarts on every byte, and a client sending one byte
  // every few seconds would hold the connection for days (docs/reliability.md).
  const deadline = setTimeout(() => {
    slow.line('handshake deadline', `socks: ${who} did not finish its handshake within ${deadlineMs / 1000} s: closing the connection`);
    socket.destroy();
  }, deadlineMs);
  socket.once('close', () => clearTimeout(deadline));
  socket.on('error', () => socket.destroy());
  // A client that leaves mid-handshake: the socket is half-open (allowHalfOpen), and would hold
  // its descriptor and a place under the cap until the deadline.
  const onEnd = (): void => void socket.destroy();
  socket.once('end', onEnd);
  const onData = (chunk: Buffer): void => {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    for (;;) {
      const step = parseSocks(buf, stage);
      if (step.kind === 'more') {
        if (buf.length > MAX_HANDSHAKE) socket.destroy();
        return;
      }
      if (step.kind === 'error') {
        host.log(`socks: ${who}: ${step.why}`);
        socket.off('data', onData);
        if (step.version === undefined) socket.destroy();
        else socket.end(socksReply(step.version, step.reply));
        return;
      }
      if (step.kind === 'greeting') {
        socket.write(socks5Choice(step.noAuth));
        if (!step.noAuth) {
          socket.off('data', onData);
          socket.end();
          return;
        }
        buf = buf.subarray(step.used);
        stage = 'request';
        continue;
      }
      socket.off('data', onData);
      socket.off('end', onEnd);
      clearTimeout(deadline);
      const head = buf.subarray(step.used);
      const { version } = step;
      const to = host.decide(step.host, step.port);
      if (to.kind === 'refuse') {
        host.log(`socks: refused ${step.host}:${step.port}: ${to.why}`);
        socket.end(socksReply(version, version === 5 ? SOCKS5_REPLY.notAllowed : SOCKS4_REJECTED));
        return;
      }
      openTunnel(host, socket, to, head, {
        ok: () => socksReply(version, version === 5 ? SOCKS5_REPLY.succeeded : SOCKS4_GRANTED),
        refused: (reason) => socksReply(version, version === 5 ? socks5CodeFor(reason) : SOCKS4_REJECTED),
      });
      return;
    }
  };
  socket.on('data', onData);
}
