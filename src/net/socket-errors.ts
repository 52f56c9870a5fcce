/** How the agent names socket failures: errno → ABORT reason (docs/protocol.md §5.6), listen hints. */
import type { AbortReason } from '../protocol/index.js';

export function dialErrorReason(code: string | undefined): AbortReason {
  switch (code) {
    case 'ECONNREFUSED': return 'refused';
    case 'ETIMEDOUT': return 'timeout';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EADDRNOTAVAIL': return 'unreachable';
    case 'EMFILE':
    case 'ENFILE': return 'resource-limit';
    default: return 'reset';
  }
}

/** A sentence telling the user what to do about a listen that failed. */
export function listenHint(code: string | undefined, ip: string, port: number): string {
  switch (code) {
    case 'EADDRINUSE':
      return `something else on this host already listens on ${ip}:${port} (another program, or a second agent): stop it or change the port in the manifest`;
    case 'EADDRNOTAVAIL':
      return `${ip} is not a local address here; on macOS only 127.0.0.1 exists by default: run "sudo ifconfig lo0 alias ${ip}"`;
    case 'EACCES':
      return `port ${port} is privileged here: use a port above 1023, or give node CAP_NET_BIND_SERVICE`;
    default:
      return 'the other ports still work';
  }
}

export function errorCode(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
