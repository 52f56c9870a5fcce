/**
 * Everything `norouter run` does for status (docs/status.md), in one object the router process
 * starts and stops: the books (accounting.ts), the control socket, the metrics endpoint when
 * asked for, and the summary printed again when a host's state changes or a reload happened.
 */
import type { Writable } from 'node:stream';
import { Accounting } from './accounting.js';
import { ControlServer } from './control-server.js';
import { manifestIdentity } from './control-path.js';
import { MetricsServer } from './metrics-server.js';
import { renderSummary, summaryKey } from './render-summary.js';
import type { ReloadSnapshot } from './snapshot.js';

/** Changes within this are one reprint: a reload restarts several hosts at once. */
export const REPRINT_SETTLE_MS = 300;

export interface StatusServiceOptions {
  manifest: string;
  version: string;
  /** ADDRESS:PORT for the metrics, or nothing. */
  metrics?: string;
  /** Where the summary is printed again; coloured when it is a terminal. */
  stdout: Writable;
  colour: boolean;
  log(line: string): void;
}

export type StatusStart = { ok: true; service: StatusService } | { ok: false; message: string };

export class StatusService {
  readonly accounting: Accounting;
  /**
   * Whether the router keeps the books: always, but for the benchmark that measures what they
   * cost (bench/accounting.ts runs the same build with NOROUTER_ACCOUNTING=off; docs/status.md).
   */
  readonly counting = process.env.NOROUTER_ACCOUNTING !== 'off';
  private control: ControlServer | undefined;
  private metrics: MetricsServer | undefined;
  private printed: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private why = 'a host changed state';
  private ready = false;

  private constructor(private readonly o: StatusServiceOptions) {
    this.accounting = new Accounting({ manifest: manifestIdentity(o.manifest), version: o.version });
    this.accounting.onChange = () => this.changed();
  }

  /**
   * Starts the books and the control socket (a socket that cannot be made is logged: the mesh runs
   * on without `status`); a metrics address that cannot be served fails the start: it was asked for.
   */
  static async start(o: StatusServiceOptions): Promise<StatusStart> {
    const service = new StatusService(o);
    const snapshot = (detail: boolean) => service.accounting.snapshot(detail);
    if (o.metrics !== undefined) {
      const m = await MetricsServer.start(o.metrics, () => snapshot(false));
      if (!m.ok) return { ok: false, message: m.message };
      service.metrics = m.server;
      o.log(`metrics at http://${m.server.address}/metrics`);
    }
    const c = await ControlServer.start(o.manifest, snapshot);
    if (c.ok) service.control = c.server;
    else o.log(`${c.message}; \`norouter status\` will not see this mesh`);
    service.accounting.start();
    return { ok: true, service };
  }

  /** The readiness summary was printed: from now on, changes are printed again. */
  readyPrinted(): void {
    this.ready = true;
    this.printed = summaryKey(this.accounting.snapshot());
  }

  reloaded(trigger: string, result: ReloadSnapshot['result'], summary?: string): void {
    this.why = `reload, ${trigger}`;
    this.accounting.reloaded(trigger, result, summary);
  }

  close(): void {
    clearTimeout(this.timer);
    this.accounting.stop();
    this.control?.close();
    this.metrics?.close();
  }

  private changed(): void {
    if (!this.ready || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const s = this.accounting.snapshot();
      const key = summaryKey(s);
      if (key === this.printed) return;
      this.printed = key;
      this.o.stdout.write(renderSummary(s, this.o.colour, this.why));
      this.why = 'a host changed state';
    }, REPRINT_SETTLE_MS);
    this.timer.unref();
  }
}
