/**
 * A host whose `cmd` runs on this machine (`ip netns exec ns1 norouter`, `unshare … sh -c 'exec
 * norouter "$@"'`, as in examples/local.yaml) names the program `norouter`, which a checkout
 * (`npm ci`, then `npx norouter` or `node dist/norouter.cjs`) does not put on PATH: such a host
 * would fail at every restart. The router is this same program, so it puts a launcher for itself
 * first on the PATH that its children inherit. Commands that run elsewhere (`docker exec`, `ssh`,
 * `kubectl exec`) get their PATH from the other side and are not affected. The launcher runs the
 * same node and script as the local host's agent (load.ts, selfCommand), so local agents are
 * always the router's own version.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { addExitCleanup } from '../fs/exit-cleanup.js';

/** Quotes one word for sh. */
function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * Writes `norouter` (a two-line sh script running `self`) into a new temporary directory,
 * prepends the directory to process.env.PATH, and returns what undoes both. A directory that
 * cannot be made leaves PATH as it was: hosts then need norouter installed, as before.
 */
export function putSelfOnPath(self: readonly string[]): () => void {
  let dir: string;
  try {
    dir = mkdtempSync(join(tmpdir(), 'norouter-self-'));
    // Readable by all (a host command may switch users), writable by its owner only.
    chmodSync(dir, 0o755);
    const launcher = join(dir, 'norouter');
    writeFileSync(launcher, `#!/bin/sh\nexec ${self.map(shellQuote).join(' ')} "$@"\n`);
    chmodSync(launcher, 0o755);
  } catch {
    return () => {};
  }
  const before = process.env.PATH;
  process.env.PATH = before ? `${dir}${delimiter}${before}` : dir;
  // Also removed by an exit that skips the caller's `finally` (process.exit, a re-raised signal).
  const remove = addExitCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return () => {
    if (before === undefined) delete process.env.PATH;
    else process.env.PATH = before;
    remove();
  };
}
