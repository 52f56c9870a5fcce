/**
 * `norouter run`: the router process around the Router class. Prefixes agent output with the
 * host name, prints the readiness summary, reloads on SIGHUP and (with --watch) on file changes,
 * and turns SIGINT/SIGTERM into a clean stop.
 */
import type { Writable } from 'node:stream';
import type { Plan } from '../plan/types.js';
import { describeFailures } from './describe-failures.js';
import { Router, type ReadySummary } from './router.js';
import { EXIT_OK } from '../cli/exit-codes.js';
import { Reloader } from '../watch/reloader.js';
import { fitTable } from '../terminal/fit-table.js';

export interface RunRouterOptions {
  file: string;
  /** The manifest text `plan` was compiled from. */
  text: string;
  /** The command that starts this program, for the local host on reloads. */
  self: readonly string[];
  watch: boolean;
  debug: boolean;
  stdout: Writable;
  stderr: Writable;
}

/** `width`: the terminal's, or 100 columns when the output is not a terminal. */
export function formatReady(summary: ReadySummary, width = 100): string {
  const up = summary.hosts.filter((h) => h.up).length;
  const head = up === summary.hosts.length
    ? `norouter: ready in ${summary.elapsedMs} ms: ${up} ${up === 1 ? 'host' : 'hosts'} up`
    : `norouter: ready in ${summary.elapsedMs} ms: ${up} of ${summary.hosts.length} hosts up`;
  const rows = summary.hosts.map(({ host, up: isUp, problem, notListening }) => [
    host.name,
    host.vip,
    host.agent.forwards.length ? host.agent.forwards.map((f) => `${f.listenPort} -> ${f.connectHost}:${f.connectPort}`) : '-',
    !isUp ? `DOWN: ${problem ?? ''}` : notListening?.length ? `up, not listening on ${describeFailures(notListening)}` : 'up',
  ]);
  return `${head}\n${fitTable([['HOST', 'VIP', 'PUBLISHES', 'STATE'], ...rows], width).join('\n')}\n`;
}

export async function runRouter(plan: Plan, options: RunRouterOptions): Promise<number> {
  const { stderr } = options;
  const log = (line: string) => stderr.write(`norouter: ${line}\n`);
  const router = new Router(plan, {
    log,
    agentLog: (host, line) => stderr.write(`[${host}] ${line}\n`),
    ...(options.debug ? { debug: (line: string) => stderr.write(`norouter: debug: ${line}\n`) } : {}),
    onReady: (summary) => options.stdout.write(formatReady(summary, terminalWidth(options.stdout))),
  });
  const reloader = new Reloader({ file: options.file, self: options.self, router, log, stderr, initialText: options.text });
  const onHup = () => void reloader.reload('SIGHUP', true);
  process.on('SIGHUP', onHup);
  router.start();

  let watcher: import('../watch/watch-manifest.js').ManifestWatcher | undefined;
  if (options.watch) {
    const { watchManifest } = await import('../watch/watch-manifest.js');
    watcher = watchManifest(options.file, () => void reloader.reload('file changed'), (error) => log(`watching ${options.file}: ${error.message}`));
    await watcher.ready;
    log(`watching ${options.file} for changes`);
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
  await watcher?.close();
  await router.stop();
  log('stopped');
  return EXIT_OK;
}

function terminalWidth(out: Writable): number {
  const tty = out as Writable & { isTTY?: boolean; columns?: number };
  return tty.isTTY && tty.columns ? tty.columns : 100;
}
