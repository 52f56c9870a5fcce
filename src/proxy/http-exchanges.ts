/**
 * The HTTP proxy's queue, per client connection: the requests sent upstream and waiting for their
 * responses, in order (responses come back in the order of the requests, RFC 9112 §9.3.2), on
 * the one upstream mesh connection they went on. The queue says when the next request may go
 * (pipelined on the same upstream, or only once the queue is empty) and when one may be sent
 * again; the driver (http-session.ts) does the sending.
 */
import type { BridgeConnection } from '../net/local-end.js';
import type { Reachable } from './proxy-host.js';

/** Requests sent upstream and not yet answered, per client connection, before the proxy stops reading more. */
export const MAX_PIPELINED = 32;
/** RFC 9110 §9.2.2: only these may be sent again when a reused connection turns out closed. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

/** A request sent upstream, waiting for its response. */
export interface Exchange {
  method: string;
  target: string;
  /** HTTP/1.0, or `Connection: close`: the client connection ends after this response. */
  last: boolean;
  http10: boolean;
  /** The request as sent, while it may be sent again (idempotent, no body). */
  replay: Buffer | undefined;
}

/** The mesh connection the queue's requests went on. */
export interface Upstream {
  conn: BridgeConnection;
  to: Reachable;
  /** Responses completed on it: a connection reused after being idle may have been closed meanwhile. */
  served: number;
  /** The server closes it after the response in progress. */
  closing: boolean;
}

/** Why a request waits: for every response before it (another destination), or for room in the queue. */
export type Wait = 'drain' | 'pipeline';

export class Exchanges {
  private readonly items: Exchange[] = [];

  get length(): number {
    return this.items.length;
  }

  /** The oldest: the next response is its. */
  get first(): Exchange | undefined {
    return this.items[0];
  }

  /** The newest: the request being read is its. */
  get newest(): Exchange | undefined {
    return this.items[this.items.length - 1];
  }

  /**
   * Whether a request may go now: on the current upstream (`reuse`) it may be pipelined up to
   * MAX_PIPELINED; on another, only once every response of the current one is through.
   */
  admit(reuse: boolean): Wait | undefined {
    if (!reuse && this.items.length > 0) return 'drain';
    if (this.items.length >= MAX_PIPELINED) return 'pipeline';
    return undefined;
  }

  /** Queues a request sent as `sent`; `withBody`: a body follows it. */
  push(ex: Omit<Exchange, 'replay'>, sent: Buffer, withBody: boolean): void {
    this.items.push({ ...ex, replay: !withBody && IDEMPOTENT.has(ex.method) ? sent : undefined });
  }

  /** The response to the first is through. */
  shift(): Exchange | undefined {
    return this.items.shift();
  }

  clear(): void {
    this.items.length = 0;
  }

  /**
   * The request to send once more on a fresh connection, when a reused one closed before
   * answering (the server's keep-alive timeout crossed the request): only the one request in
   * flight, idempotent and without a body (`bodyInFlight`: the client is still sending one).
   */
  replayable(up: Upstream, bodyInFlight: boolean): Buffer | undefined {
    const ex = this.items[0];
    if (up.served === 0 || this.items.length !== 1 || !ex?.replay || bodyInFlight) return undefined;
    return ex.replay;
  }
}
