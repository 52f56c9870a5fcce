/**
 * Files a process must remove however it ends (a launcher directory, an edited manifest, a
 * control socket). Node runs 'exit' listeners on a normal exit and on process.exit(), but not
 * when the process ends by a signal, which is how a stop past its deadline ends it on purpose
 * (src/router/run-router.ts, reraise: process.exit() would wait forever for a blocked thread).
 * So every such removal is registered here, run on 'exit', and run by whoever ends the process
 * by a signal, just before it does.
 */
const cleanups = new Set<() => void>();
let listening = false;

/** Runs every registered removal once; one that throws does not keep the others from running. */
export function runExitCleanups(): void {
  for (const cleanup of [...cleanups]) {
    cleanups.delete(cleanup);
    try {
      cleanup();
    } catch {
      // Best effort at exit: there is nobody left to tell.
    }
  }
}

/** Registers `cleanup`; the returned function runs it now (once) and unregisters it. */
export function addExitCleanup(cleanup: () => void): () => void {
  if (!listening) {
    process.on('exit', runExitCleanups);
    listening = true;
  }
  cleanups.add(cleanup);
  return () => {
    if (!cleanups.delete(cleanup)) return;
    cleanup();
  };
}
