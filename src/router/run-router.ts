/**
 * `norouter run`: the router process around the Router class. Prefixes agent output with the
 * host name, prints the readiness summary, reloads on SIGHUP and (with --watch) on file changes,
 * and turns SIGINT/SIGTERM into a clean stop.
 */
import type { Writable } from 'node:stream';
import type { Plan } from '../plan/types.js';
import { describeFailures } from './describe-failures.js';
import { escapeControls } from '../terminal/safe-text.js';
import { Router, STOP_GRACE_MS, type ReadySummary } from './router.js';
import { PIPE_DRAIN_MS } from './agent-process.js';
import { EXIT_OK } from '../meta/exit-codes.js';
import { runExitCleanups } from '../fs/exit-cleanup.js';
import { Reloader, type ReloadOutcome } from '../watch/reloader.js';
import { fitTable } from '../terminal/fit-table.js';
import { StatusService } from '../status/status-service.js';
import { paint } from '../status/paint.js';
import { wantsColour } from '../diagnostics/colour.js';
import { VERSION } from '../meta/version.js';
import { EXIT_BAD_INPUT } from '../meta/exit-codes.js';

/**
 * From the stop signal to a forced exit: the agents' grace (STOP_GRACE_MS), the drain of their
 * pipes (PIPE_DRAIN_MS), and room for a busy machine.
 */
export const STOP_DEADLINE_MS = STOP_GRACE_MS + PIPE_DRAIN_MS + 6_000;
/** How long after a completed stop the process may take to exit on its own. */
export const EXIT_AFTER_STOP_MS = 2_000;
/** chokidar's close() is awaited no longer than this (it has nothing to flush). */
const WATCHER_CLOSE_MS = 2_000;

/**
 * Ends this process by the signal it was stopped with, its default action restored: the one exit
 * that does not wait for threadpool threads (process.exit() joins them, and one blocked in open()
 * on a FIFO never returns). The exit status says so: 128 + the signal's number.
 */
export function reraise(signal: NodeJS.Signals): void {
  runExitCleanups();
  process.removeAllListeners(signal);
  process.kill(process.pid, signal);
}

export interface RunRouterOptions {
  file: string;
  /** The manifest text `plan` was compiled from. */
  text: string;
  /** The command that starts this program, for the local host on reloads. */
  self: readonly string[];
  watch: boolean;
  debug: boolean;
  /** ADDRESS:PORT to serve Prometheus metrics on (docs/status.md); wins over the manifest's `metrics`. */
  metrics?: string;
  stdout: Writable;
  stderr: Writable;
  /** Ends the process at a stop's deadline (tests pass their own): by default, reraise(). */
  terminate?: (signal: NodeJS.Signals) => void;
}

/** `width`: the terminal's, or 100 columns when the output is not a terminal. */
export function formatReady(summary: ReadySummary, width = 100, colour = false): string {
  const up = summary.hosts.filter((h) => h.up).length;
  const head = up === summary.hosts.length
    ? `norouter: ready in ${summary.elapsedMs} ms: ${up} ${up === 1 ? 'host' : 'hosts'} up`
    : `norouter: ready in ${summary.elapsedMs} ms: ${up} of ${summary.hosts.length} hosts up`;
  const rows = summary.hosts.map(({ host, up: isUp, problem, notListening }) => [
    host.name,
    host.vip,
    host.agent.forwards.length ? host.agent.forwards.map((f) => `${f.listenPort}${f.proto === 'udp' ? '/udp' : ''} -> ${f.connectHost}:${f.connectPort}`) : '-',
    !isUp ? `${paint(colour, 'red', 'DOWN')}: ${escapeControls(problem ?? '')}` : notListening?.length ? `${paint(colour, 'yellow', 'up')}, not listening on ${describeFailures(notListening)}` : paint(colour, 'green', 'up'),
  ]);
  return `${head}\n${fitTable([['HOST', 'VIP', 'PUBLISHES', 'STATE'], ...rows], width).join('\n')}\n`;
}

export async function runRouter(plan: Plan, options: RunRouterOptions): Promise<number> {
  const { stderr } = options;
  // Router messages quote hosts (their GOODBYE, errors, STATUS, stderr tails): each quote is
  // escaped where it is inserted, so that no newline of theirs forges a line; every other control
  // is escaped here too, whatever a quote's author forgot. An agent's stderr line is a host's own
  // text, escaped whole: no screen clearing, no window title, no `norouter:` line of its making.
  const log = (message: string) => stderr.write(`norouter: ${message.split('\n').map(escapeControls).join('\n')}\n`);
  const colour = wantsColour(options.stdout as { isTTY?: boolean });
  const metrics = options.metrics ?? plan.metricsListen;
  const started = await StatusService.start({ manifest: options.file, version: VERSION, stdout: options.stdout, colour, log, ...(metrics !== undefined ? { metrics } : {}) });
  if (!started.ok) {
    log(started.message);
    return EXIT_BAD_INPUT;
  }
  const status = started.service;
  const router = new Router(plan, {
    ...(status.counting ? { accounting: status.accounting } : {}),
    log,
    watchdog: true,
    agentLog: (host, line) => stderr.write(`[${host}] ${escapeControls(line)}\n`),
    ...(options.debug ? { debug: (line: string) => stderr.write(`norouter: debug: ${line}\n`) } : {}),
    onReady: (summary) => {
      options.stdout.write(formatReady(summary, terminalWidth(options.stdout), colour));
      status.readyPrinted();
    },
  });
  status.accounting.backlog = (host) => router.linkBacklog(host);
  status.accounting.discovered = (host) => router.discoveredOf(host);
  status.accounting.datagramDrops = () => router.datagramDrops();
  if (options.debug) status.accounting.debug = (line) => stderr.write(`norouter: debug: ${line}\n`);
  const reloader = new Reloader({ file: options.file, self: options.self, router, log, stderr, initialText: options.text });
  // SIGHUP also starts again every host given up on (start-failures.ts), after the reload, so a
  // host the reload replaces is not started twice.
  // The manifest's metrics.listen follows a reload; --metrics on the command line wins over it.
  let manifestMetrics = plan.metricsListen;
  const afterReload = async (o: ReloadOutcome): Promise<void> => {
    if (o.kind !== 'applied' || router.metricsListen === manifestMetrics) return;
    manifestMetrics = router.metricsListen;
    if (options.metrics === undefined) await status.moveMetrics(manifestMetrics);
    else log(`metrics stay ${status.metricsWhere}: --metrics wins over the manifest's metrics.listen`);
  };
  const onHup = () => void reloader.reload('SIGHUP', true).then(async (o) => {
    status.reloaded('SIGHUP', o.kind, o.summary);
    await afterReload(o);
    router.retryGivenUp('SIGHUP');
  });
  process.on('SIGHUP', onHup);
  router.start();

  let watcher: import('../watch/watch-manifest.js').ManifestWatcher | undefined;
  if (options.watch) {
    const { watchManifest } = await import('../watch/watch-manifest.js');
    watcher = watchManifest(options.file, () => void reloader.reload('file changed').then(async (o) => {
      status.reloaded('file changed', o.kind, o.summary);
      await afterReload(o);
    }), (error) => log(`watching ${options.file}: ${error.message}`));
    await watcher.ready;
    log(`watching ${escapeControls(options.file)} for changes`);
  }

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  // A second signal while stopping kills what is left at once.
  const hurry = () => {
    log('second signal: killing every agent now');
    void router.stop(0);
  };
  process.once('SIGINT', hurry);
  process.once('SIGTERM', hurry);
  log(`${signal}: stopping every agent`);
  process.off('SIGHUP', onHup);
  // A stop always ends the process (docs/reliability.md, "Nothing hangs"): whatever the stop
  // waits on, after STOP_DEADLINE_MS every agent is killed and the process exits, saying so.
  const terminate = options.terminate ?? reraise;
  const deadline = setTimeout(() => {
    log(`still stopping after ${STOP_DEADLINE_MS / 1000} s: killing every agent and exiting now`);
    router.killAll();
    terminate(signal);
  }, STOP_DEADLINE_MS);
  await Promise.race([watcher?.close(), new Promise((resolve) => setTimeout(resolve, WATCHER_CLOSE_MS).unref())]);
  await router.stop();
  status.close();
  clearTimeout(deadline);
  log('stopped');
  // Nothing of ours is left, yet something may still hold the process: a read blocked in a
  // threadpool thread (a FIFO opened by code that did not check first) never returns, and
  // process.exit() itself waits for that thread. The timer is unref'd: a process with nothing
  // pending has exited long before it fires.
  setTimeout(() => {
    log(`something was still pending ${EXIT_AFTER_STOP_MS / 1000} s after the stop (a blocked read?); exiting by ${signal}`);
    terminate(signal);
  }, EXIT_AFTER_STOP_MS).unref();
  return EXIT_OK;
}

function terminalWidth(out: Writable): number {
  const tty = out as Writable & { isTTY?: boolean; columns?: number };
  return tty.isTTY && tty.columns ? tty.columns : 100;
}
