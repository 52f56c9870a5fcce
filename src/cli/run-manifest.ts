/** `norouter run FILE`: load, then the router until SIGINT/SIGTERM. Shared with --open-editor. */
import type { Writable } from 'node:stream';
import { EXIT_BAD_INPUT } from '../meta/exit-codes.js';
import { loadAndReport, selfCommand, type Loaded } from '../manifest/load-plan.js';
import { putSelfOnPath } from './self-on-path.js';

export interface RunIo {
  stdout: Writable;
  stderr: Writable;
}

/** `preloaded`: the file, already loaded and reported (its warnings are not printed twice). */
export async function runManifest(file: string, io: RunIo, flags: { watch: boolean; debug: boolean; metrics?: string }, preloaded?: Loaded): Promise<number> {
  const loaded = preloaded ?? await loadAndReport(file, io.stderr);
  if (!loaded) return EXIT_BAD_INPUT;
  const { runRouter } = await import('../router/run-router.js');
  const self = selfCommand();
  const removeLauncher = putSelfOnPath(self);
  try {
    return await runRouter(loaded.plan, {
      file, text: loaded.text, self, watch: flags.watch, debug: flags.debug, stdout: io.stdout, stderr: io.stderr,
      ...(flags.metrics !== undefined ? { metrics: flags.metrics } : {}),
    });
  } finally {
    removeLauncher();
  }
}
