/**
 * The soak's router, in-process (bench/soak.ts, `--router in-process`, the default): the same
 * Router class `norouter run` wraps, in a process of its own inside the first host's namespace,
 * so that the soak can ask it for its own count of live connections (Router.stats()):
 *   node --import tsx bench/lib/soak-router.ts MANIFEST CLI
 * Prints the readiness summary as `norouter run` does; answers each `stats` line on stdin with
 * `stats {JSON}` on stdout; stops every agent on SIGTERM (or the end of stdin) and exits 0.
 * Agents run from CLI (the built dist/norouter.cjs), as under `norouter run`.
 */
import { createInterface } from 'node:readline';
import { compile } from '../../src/compile/compile.js';
import { loadManifest } from '../../src/manifest/load.js';
import { readManifestFile } from '../../src/manifest/read.js';
import { Router } from '../../src/router/router.js';
import { formatReady } from '../../src/router/run-router.js';

const [file = '', cli = ''] = process.argv.slice(2);
const loaded = loadManifest(await readManifestFile(file), file);
if (!loaded.ok || !loaded.manifest) throw new Error(`${file}: ${JSON.stringify(loaded.diagnostics)}`);
const router = new Router(compile(loaded.manifest, { self: [process.execPath, cli] }), {
  log: (line) => process.stderr.write(`norouter: ${line}\n`),
  agentLog: (host, line) => process.stderr.write(`[${host}] ${line}\n`),
  onReady: (summary) => process.stdout.write(formatReady(summary)),
});
router.start();

let stopping = false;
const stop = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  await router.stop();
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
createInterface({ input: process.stdin })
  .on('line', (line) => {
    if (line.trim() === 'stats') process.stdout.write(`stats ${JSON.stringify(router.stats())}\n`);
  })
  .on('close', () => void stop());
