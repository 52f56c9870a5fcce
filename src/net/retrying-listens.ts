/**
 * The addresses an agent must listen on, kept so: `apply` opens what is new and closes what was
 * withdrawn (CONFIG, docs/protocol.md §4.3). A listen that fails is logged with a hint, the others
 * keep working, and it is tried again every LISTEN_RETRY_MS (a port held by an agent of an earlier
 * run, or by anything else, often frees up); `onChange` says when the set of failures changes
 * after the first try, for STATUS (§4.6). TCP listeners (listeners.ts) and UDP sockets
 * (udp-initiator.ts) share this; only how a handle opens and closes differs (ListenKind).
 */
import { errorCode, listenHint } from './socket-errors.js';

/** How often a listen that failed is tried again. */
export const LISTEN_RETRY_MS = 2_000;

export interface ListenTarget {
  ip: string;
  port: number;
}

/** How one kind of listener opens and closes. */
export interface ListenKind<H> {
  /** Appended to an address in log lines and failures: '' for TCP, '/udp' for UDP. */
  suffix: string;
  /**
   * Creates the handle and starts listening on `target`; calls `listening` or `failed` once,
   * never before it returns. A handle that failed must already be closed (or never have opened).
   */
  open(target: ListenTarget, key: string, listening: () => void, failed: (error: Error) => void): H;
  /** Closes a handle that is listening or still starting; may be called again. */
  close(handle: H): void;
  isListening(handle: H): boolean;
  /** An address was withdrawn: what else goes with its handle (before it is closed). */
  withdrawn?(handle: H): void;
}

const key = (t: ListenTarget): string => `${t.ip}:${t.port}`;

export class RetryingListens<H> {
  private readonly handles = new Map<string, H>();
  /** Wanted addresses whose listen failed, with the error code; retried by a timer. */
  private readonly failed = new Map<string, { target: ListenTarget; error: string }>();
  private retry: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly kind: ListenKind<H>,
    private readonly log: (line: string) => void,
    private readonly onChange: () => void,
  ) {}

  /** The addresses that should be listened on and are not, with why. */
  get failures(): { listen: string; error: string }[] {
    return [...this.failed].map(([k, f]) => ({ listen: `${k}${this.kind.suffix}`, error: f.error }));
  }

  /** The addresses currently listened on (for tests and logs). */
  get listening(): string[] {
    return [...this.handles].filter(([, h]) => this.kind.isListening(h)).map(([k]) => `${k}${this.kind.suffix}`);
  }

  /** Resolves once every new listener is listening or has failed (failures are logged, not thrown). */
  async apply(targets: readonly ListenTarget[]): Promise<void> {
    const wanted = new Map(targets.map((t) => [key(t), t]));
    for (const k of this.failed.keys()) if (!wanted.has(k)) this.failed.delete(k);
    for (const [k, h] of this.handles) {
      if (wanted.has(k)) continue;
      this.handles.delete(k);
      this.kind.withdrawn?.(h);
      this.kind.close(h);
      this.log(`stopped listening on ${k}${this.kind.suffix}`);
    }
    await Promise.all([...wanted].filter(([k]) => !this.handles.has(k)).map(([k, t]) => this.listen(k, t)));
    this.scheduleRetry();
  }

  /** Stops listening at once (the ports are free when this returns). */
  closeAll(): void {
    this.closed = true;
    clearTimeout(this.retry);
    this.failed.clear();
    for (const h of this.handles.values()) this.kind.close(h);
    this.handles.clear();
  }

  private scheduleRetry(): void {
    if (this.closed || this.retry || this.failed.size === 0) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      const again = [...this.failed].filter(([k]) => !this.handles.has(k));
      void Promise.all(again.map(([k, f]) => this.listen(k, f.target, true))).then(() => this.scheduleRetry());
    }, LISTEN_RETRY_MS);
    this.retry.unref();
  }

  /** `retrying`: a failed listen tried again; only a change (success, another error) is logged. */
  private listen(k: string, t: ListenTarget, retrying = false): Promise<void> {
    const where = `${k}${this.kind.suffix}`;
    return new Promise((resolve) => {
      let handle: H | undefined;
      const listening = (): void => {
        const h = handle as H;
        if (this.closed || this.handles.get(k) !== h) this.kind.close(h); // withdrawn while starting
        else if (this.failed.delete(k)) {
          this.log(`now listening on ${where}`);
          this.onChange();
        }
        resolve();
      };
      const failed = (e: Error): void => {
        const wanted = !this.closed && this.handles.get(k) === handle;
        if (this.handles.get(k) === handle) this.handles.delete(k);
        if (!wanted) return resolve(); // withdrawn while starting: nothing to report or retry
        const error = errorCode(e) ?? e.message;
        const before = this.failed.get(k)?.error;
        this.failed.set(k, { target: t, error });
        if (!retrying || before !== error) this.log(`cannot listen on ${where}: ${error}; ${listenHint(errorCode(e), t.ip, t.port)}${retrying ? '' : `; trying again every ${LISTEN_RETRY_MS / 1000} s`}`);
        if (retrying && before !== error) this.onChange();
        resolve();
      };
      handle = this.kind.open(t, k, listening, failed);
      this.handles.set(k, handle);
    });
  }
}
