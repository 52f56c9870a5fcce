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
  /** What the metrics were asked to listen on (the listen text, not the address it became). */
  private metricsListen: string | undefined;
  private printed: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private why = 'a host changed state';
  private ready = false;
  /** The metrics move in progress (moves are done one at a time: a reload may follow another before its move ends). */
  private moving: Promise<void> = Promise.resolve();
  private closed = false;

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
      service.metricsListen = o.metrics;
      o.log(`metrics ${whereOf(m.server)}`);
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

  /** Where the metrics are served, as the log says it: `at http://…/metrics`, or `off`. */
  get metricsWhere(): string {
    return whereOf(this.metrics);
  }

  /**
   * A reload changed the manifest's `metrics.listen` (docs/status.md, "Metrics"): the metrics move
   * there, or stop when it is gone. The new address is served before the old one closes, so a
   * move that fails leaves them where they were, and says so. Only a new address on the same port
   * (the old listener may hold it: 127.0.0.1:9464 to 0.0.0.0:9464) closes the old one first, and
   * serves the old address again if the new one still cannot be had. Moves run one after
   * another, each from where the last one left the metrics; none starts after close().
   */
  moveMetrics(listen: string | undefined): Promise<void> {
    const next = this.moving.then(() => this.move(listen));
    this.moving = next;
    return next;
  }

  private async move(listen: string | undefined): Promise<void> {
    if (this.closed || listen === this.metricsListen) return;
    let old = this.metrics;
    if (listen === undefined) {
      this.metrics = undefined;
      this.metricsListen = undefined;
      await old?.close();
      this.o.log('metrics: no longer served (metrics.listen left the manifest)');
      return;
    }
    const snapshot = () => this.accounting.snapshot(false);
    // close() may come while a listener starts: a listener started after it is closed at once.
    const started = async (l: string) => {
      const r = await MetricsServer.start(l, snapshot);
      if (r.ok && this.closed) await r.server.close();
      return r;
    };
    let m = await started(listen);
    if (this.closed) return;
    if (!m.ok && m.errno === 'EADDRINUSE' && old && this.metricsListen !== undefined && samePort(listen, this.metricsListen)) {
      this.metrics = undefined;
      await old.close();
      old = undefined;
      m = await started(listen);
      if (this.closed) return;
      if (!m.ok) {
        const back = await started(this.metricsListen);
        if (this.closed) return;
        this.metrics = back.ok ? back.server : undefined;
        if (!back.ok) this.metricsListen = undefined;
        this.o.log(`metrics: ${m.message}; they stay ${whereOf(this.metrics)}${back.ok ? '' : ` (${back.message})`}`);
        return;
      }
    } else if (!m.ok) {
      this.o.log(`metrics: ${m.message}; they stay ${whereOf(old)}`);
      return;
    }
    // Set before the old one closes: a close() meanwhile closes the new one.
    this.metrics = m.server;
    this.metricsListen = listen;
    await old?.close();
    this.o.log(`metrics moved: now ${whereOf(m.server)}`);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.accounting.stop();
    this.control?.close();
    void this.metrics?.close();
    this.metrics = undefined;
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

/** Where metrics are served, as the log says it: `at http://…/metrics`, or `off`. */
function whereOf(m: MetricsServer | undefined): string {
  return m ? `at http://${m.address}/metrics` : 'off';
}

function samePort(a: string, b: string): boolean {
  return a.slice(a.lastIndexOf(':')) === b.slice(b.lastIndexOf(':'));
}
