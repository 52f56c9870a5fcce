/**
 * A raw TCP client that reports exactly how a connection ended: with EOF, with a reset, with
 * another error, or not at all (timeout). Relay semantics (half-close, banners, refused dials)
 * are about those endings, which an HTTP client would hide.
 */
import { connect } from 'node:net';

export interface TcpOutcome {
  /** Everything received. */
  data: Buffer;
  /** How it ended: the peer's EOF, a reset (ECONNRESET), another error, our timeout, or `until`. */
  end: 'eof' | 'reset' | 'error' | 'timeout' | 'until';
  /** The error code for 'reset' and 'error' (ECONNRESET, ECONNREFUSED…). */
  code?: string | undefined;
  /** From the connect call to the end. */
  elapsedMs: number;
}

export interface TcpExchangeOptions {
  /** Written once connected. */
  send?: Buffer | string;
  /** Shut our write side after sending (default true): a true half-close, reading goes on. */
  halfClose?: boolean;
  /** Stop (destroying the socket) as soon as the data received satisfies this. */
  until?: (data: Buffer) => boolean;
  timeoutMs?: number;
}

/** Connects, sends, optionally half-closes, and reads until the connection ends. */
export function tcpExchange(host: string, port: number, options: TcpExchangeOptions = {}): Promise<TcpOutcome> {
  const { send, halfClose = true, until, timeoutMs = 5000 } = options;
  const started = Date.now();
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const socket = connect({ host, port, allowHalfOpen: true });
    const finish = (end: TcpOutcome['end'], code?: string): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ data: Buffer.concat(chunks, received), end, code, elapsedMs: Date.now() - started });
    };
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    socket.on('connect', () => {
      if (send !== undefined) socket.write(send);
      if (halfClose) socket.end();
    });
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
      if (until?.(Buffer.concat(chunks, received))) finish('until');
    });
    socket.on('end', () => finish('eof'));
    socket.on('error', (error: NodeJS.ErrnoException) => finish(error.code === 'ECONNRESET' ? 'reset' : 'error', error.code));
  });
}
