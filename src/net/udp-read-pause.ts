/**
 * Stops a bound dgram socket from reading for a while (docs/protocol.md §14.4): while the link
 * refuses datagrams, a flood is better dropped by the kernel (its receive buffer overflows) than
 * read by this process one `message` event at a time only to be dropped, which took the event
 * loop from the TCP connections on the same link (docs/benchmarks.md, "UDP").
 *
 * Node has no public way to pause a dgram socket. This uses its handle's recvStop() and
 * recvStart() (the calls Node's own bind and close make: lib/dgram.js keeps the handle in the
 * socket's state, under a symbol described `state symbol`), and checks that each is there: on a
 * Node that lays this out otherwise pause() returns false and the socket simply goes on reading.
 * Node's close() stops the handle again, which libuv allows; nothing is resumed after close.
 */
import type { Socket } from 'node:dgram';

interface UdpHandle {
  recvStart(): number;
  recvStop(): number;
}

function handleOf(socket: Socket): UdpHandle | undefined {
  const key = Object.getOwnPropertySymbols(socket).find((s) => s.description === 'state symbol');
  if (!key) return undefined;
  const handle = ((socket as unknown as Record<symbol, { handle?: unknown } | undefined>)[key])?.handle as Partial<UdpHandle> | null | undefined;
  return handle && typeof handle.recvStart === 'function' && typeof handle.recvStop === 'function' ? (handle as UdpHandle) : undefined;
}

export class ReadPause {
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** How many times reading was stopped (the tests count them). */
  pauses = 0;

  constructor(private readonly socket: Socket) {}

  get paused(): boolean {
    return this.timer !== undefined;
  }

  /** Stops reading for `ms` (not again while stopped); false where the socket cannot stop. */
  pause(ms: number): boolean {
    if (this.closed) return false;
    if (this.timer) return true;
    const handle = handleOf(this.socket);
    if (!handle || handle.recvStop() !== 0) return false;
    this.pauses++;
    this.timer = setTimeout(this.resume, ms);
    return true;
  }

  /** Before the socket closes: no resume after that. */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private readonly resume = (): void => {
    this.timer = undefined;
    if (this.closed) return;
    handleOf(this.socket)?.recvStart();
  };
}
