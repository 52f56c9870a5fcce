/**
 * Watches a manifest for changes with chokidar. The directory is watched, not the file:
 * editors save by writing a temporary file and renaming it over the original (a new inode), vim
 * renames the original away first, and a Kubernetes ConfigMap swaps a `..data` symlink beside
 * the file. Watching the directory, filtered to the manifest's name and `..`-entries, sees every
 * one of those; the reloader then compares contents, so several events for one save cost one
 * reload at most.
 */
import { basename, dirname, resolve } from 'node:path';
import { watch } from 'chokidar';

/** chokidar's awaitWriteFinish: a file is read once its size has been stable this long. */
export const WRITE_FINISH_MS = 150;
/** Events closer together than this are one change (a rename-away save is unlink + add). */
export const DEBOUNCE_MS = 40;

export interface ManifestWatcher {
  /** Resolves once the watcher has scanned the directory and sees changes. */
  ready: Promise<void>;
  close(): Promise<void>;
}

export function watchManifest(file: string, onChange: (event: string) => void, onError: (error: Error) => void): ManifestWatcher {
  const path = resolve(file);
  const dir = dirname(path);
  const name = basename(path);
  const relevant = (p: string) => p === dir || basename(p) === name || basename(p).startsWith('..');
  const watcher = watch(dir, {
    depth: 0,
    ignoreInitial: true,
    ignored: (p: string) => !relevant(p),
    awaitWriteFinish: { stabilityThreshold: WRITE_FINISH_MS, pollInterval: 25 },
    atomic: false,
  });
  let timer: NodeJS.Timeout | undefined;
  watcher.on('all', (event) => {
    clearTimeout(timer);
    timer = setTimeout(() => onChange(event), DEBOUNCE_MS);
  });
  watcher.on('error', (error) => onError(error instanceof Error ? error : new Error(String(error))));
  const ready = new Promise<void>((res) => watcher.once('ready', () => res()));
  return {
    ready,
    close: async () => {
      clearTimeout(timer);
      await watcher.close();
    },
  };
}
