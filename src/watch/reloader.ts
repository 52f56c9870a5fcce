/**
 * Reloading a running mesh: read, validate, compile, diff, apply. An invalid file
 * changes nothing: the mesh keeps its last good plan and the diagnostics are printed once per
 * distinct set of errors. A file that is missing for a moment (mid-save) is not an error.
 * Reloads are serialised: a change that arrives during one is applied after it.
 */
import type { Writable } from 'node:stream';
import { readForReload } from './bounded-read.js';
import { escapeControls } from '../terminal/safe-text.js';
import { loadManifest } from '../manifest/load.js';
import { formatDiagnostics } from '../diagnostics/format.js';
import { wantsColour } from '../diagnostics/colour.js';
import { compile } from '../compile/compile.js';
import { summarizeDiff, type PlanDiff } from '../plan/diff-plan.js';
import type { Plan } from '../plan/types.js';

/** What a reload needs of the router (src/router/router.ts): watch sits below router and does not import it. */
export interface PlanTarget {
  apply(next: Plan): Promise<PlanDiff>;
}

export interface ReloaderOptions {
  file: string;
  /** The command that starts this program, for the local host (compile's `self`). */
  self: readonly string[];
  router: PlanTarget;
  log(line: string): void;
  stderr: Writable;
  /** The manifest text the router was started with. */
  initialText: string;
}

export interface ReloadOutcome {
  kind: 'applied' | 'unchanged-text' | 'invalid' | 'missing';
  summary?: string;
}

export class Reloader {
  private lastText: string;
  private lastErrors: string | undefined;
  private running: Promise<ReloadOutcome> | undefined;
  /**
   * A reload asked for while one runs: done right after it, forced if any of the askers forced;
   * its askers get its own outcome (`done`), not the running one's.
   */
  private queued: { trigger: string; force: boolean; done: Promise<ReloadOutcome>; resolve: (o: ReloadOutcome) => void } | undefined;

  constructor(private readonly options: ReloaderOptions) {
    this.lastText = options.initialText;
  }

  /** Reloads now (or right after the reload in progress). `force` reloads even when the text is the same (SIGHUP). */
  reload(trigger: string, force = false): Promise<ReloadOutcome> {
    if (this.running) {
      // A SIGHUP that arrives during a file-change reload must still force its own reload, under
      // its own name: keep the strongest request, not the first one's trigger.
      const q = this.queued;
      let resolve!: (o: ReloadOutcome) => void;
      const waiting = q ?? { done: new Promise<ReloadOutcome>((r) => { resolve = r; }), resolve };
      this.queued = { trigger: force || !q ? trigger : q.trigger, force: force || (q?.force ?? false), done: waiting.done, resolve: waiting.resolve };
      return waiting.done;
    }
    this.running = this.once(trigger, force)
      .catch((error: unknown) => {
        // A bug (the manifest was valid, so compile and apply should not throw): say so with the
        // stack, keep the router running; callers fire and forget, so nothing may reject.
        this.options.log(`reload (${trigger}): Assertion failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
        return { kind: 'invalid' } as ReloadOutcome;
      })
      .finally(() => {
        this.running = undefined;
        const next = this.queued;
        this.queued = undefined;
        if (next) void this.reload(next.trigger, next.force).then(next.resolve);
      });
    return this.running;
  }

  private async once(trigger: string, force: boolean): Promise<ReloadOutcome> {
    const { file, log } = this.options;
    // Never a read that can block for good (a FIFO, a device): see bounded-read.ts.
    const read = await readForReload(file);
    if (read.kind === 'missing') {
      // Mid-save (vim's rename-away, a symlink swap): the next event brings it back.
      if (force) log(`reload (${trigger}): ${escapeControls(file)} is missing; keeping the running plan`);
      return { kind: 'missing' };
    }
    if (read.kind === 'refused') {
      log(`reload (${trigger}): ${escapeControls(read.message)}; keeping the running plan`);
      return { kind: 'invalid' };
    }
    const { text } = read;
    if (text === this.lastText && !force) return { kind: 'unchanged-text' };
    this.lastText = text;
    const result = loadManifest(text, file);
    if (!result.ok || !result.manifest) {
      const report = formatDiagnostics(result.diagnostics, text, this.formatOptions());
      if (report !== this.lastErrors) {
        this.options.stderr.write(report);
        log(`reload (${trigger}): ${file} has errors; the mesh keeps running on the last good plan`);
      }
      this.lastErrors = report;
      return { kind: 'invalid' };
    }
    this.lastErrors = undefined;
    if (result.diagnostics.length) this.options.stderr.write(formatDiagnostics(result.diagnostics, text, this.formatOptions()));
    const diff = await this.options.router.apply(compile(result.manifest, { self: this.options.self }));
    const summary = summarizeDiff(diff);
    log(`reload (${trigger}): ${summary}`);
    return { kind: 'applied', summary };
  }

  /** Diagnostics coloured when they go to a terminal, as `validate` prints them. */
  private formatOptions(): { colour: boolean } {
    return { colour: wantsColour(this.options.stderr as { isTTY?: boolean }) };
  }
}
