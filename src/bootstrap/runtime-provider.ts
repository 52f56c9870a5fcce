/**
 * The router's runtime and its archive, made once per router process and shared by every host:
 * hashing ~100 MB takes a fraction of a second, compressing it seconds (then the archive is on
 * disk for the next run, runtime-archive.ts).
 */
import { readFileSync } from 'node:fs';
import { BootstrapSourceError } from './errors.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { routerCacheDirs, runtimeArchive, type RuntimeArchive } from './runtime-archive.js';
import { describeRuntime, describeRuntimeDir, type Runtime } from './runtime-files.js';

export interface RuntimeSource {
  /** The runtime, or why there is none. */
  runtime(): Promise<Runtime | { unavailable: string }>;
  archive(): Promise<RuntimeArchive>;
}

export function memoRuntimeSource(describe: () => Promise<Runtime> = () => describeRuntime(undefined, undefined, join(routerCacheDirs()[0] ?? tmpdir(), 'runtime-hashes.json'))): RuntimeSource {
  let runtime: Promise<Runtime | { unavailable: string }> | undefined;
  let archive: Promise<RuntimeArchive> | undefined;
  const source: RuntimeSource = {
    runtime() {
      runtime ??= describe().catch((error: unknown) => ({ unavailable: (error as Error).message }));
      return runtime;
    },
    archive() {
      archive ??= source.runtime().then((r) => {
        if (!('id' in r)) throw new Error(r.unavailable);
        return runtimeArchive(r);
      });
      // A failure (a full disk on the router) is not remembered: the next start tries again.
      archive.catch(() => { archive = undefined; });
      return archive;
    },
  };
  return source;
}

let shared: RuntimeSource | undefined;

/** This process's runtime source. */
export function routerRuntime(): RuntimeSource {
  shared ??= memoRuntimeSource();
  return shared;
}

/** The runtime and its archive's bytes, for `norouter show-installer --runtime`. */
export async function installerRuntime(): Promise<{ runtime: Runtime; archive: Buffer }> {
  const source = routerRuntime();
  const runtime = await source.runtime();
  if (!('id' in runtime)) throw new BootstrapSourceError(`cannot carry a Node runtime: ${runtime.unavailable}`);
  const archive = await source.archive();
  return { runtime, archive: readFileSync(archive.path) };
}

const fromDirs = new Map<string, RuntimeSource>();

/** The runtime a host gets: the manifest's `bootstrapRuntime` directory's, else this process's. */
export function runtimeFor(dir: string | undefined): RuntimeSource {
  if (dir === undefined) return routerRuntime();
  let source = fromDirs.get(dir);
  if (!source) {
    source = memoRuntimeSource(() => describeRuntimeDir(dir));
    fromDirs.set(dir, source);
  }
  return source;
}
