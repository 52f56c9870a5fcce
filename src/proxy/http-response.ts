/**
 * The HTTP proxy's own answers: refusals (403, 400) and failures (502, 504) with a
 * text body saying why, written straight to the client's socket. Pure.
 */
import type { AbortReason } from '../protocol/index.js';
import { escapeControls } from '../terminal/safe-text.js';

export function statusFor(reason: AbortReason): number {
  if (reason === 'policy') return 403;
  if (reason === 'timeout') return 504;
  return 502;
}

const REASON: Record<number, string> = {
  400: 'Bad Request', 403: 'Forbidden', 408: 'Request Timeout', 431: 'Request Header Fields Too Large', 502: 'Bad Gateway', 504: 'Gateway Timeout',
};

/**
 * A complete response; `close` adds `Connection: close`, `head` leaves the body out (a HEAD
 * request). `why` may quote the client (a host, a target): its control characters are escaped,
 * as the body may well end up on a terminal (curl prints it).
 */
export function errorResponse(status: number, why: string, options: { close?: boolean; head?: boolean } = {}): Buffer {
  const body = Buffer.from(`norouter proxy: ${escapeControls(why)}\n`);
  const head = `HTTP/1.1 ${status} ${REASON[status] ?? 'Error'}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${body.length}\r\n${options.close ? 'Connection: close\r\n' : ''}\r\n`;
  return options.head ? Buffer.from(head) : Buffer.concat([Buffer.from(head), body]);
}
