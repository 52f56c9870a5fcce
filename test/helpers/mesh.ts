/**
 * A running mesh for end-to-end tests: writes a manifest to a temp dir, starts
 * `node dist/norouter.cjs run FILE` as a real child process, and waits for the router's
 * readiness summary (a line matching /ready/i, printed once every agent has said hello).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cmdFor } from './netns.js';
import { CLI_ARGV, spawnCli, type FollowedProcess } from './processes.js';

export interface MeshHost {
  name: string;
  vip: string;
  /** Omit for the local host (the router's own machine). */
  cmd?: string[];
  ports?: string[];
  /** docs/protocol.md §12: cmd ends in the host's node, and the router sends itself over stdin. */
  bootstrap?: boolean;
  /** Proxies and `loopback.disable`, as in the manifest. */
  http?: { listen: string };
  socks?: { listen: string };
  loopback?: { disable: boolean };
  dns?: { enable?: boolean; aliases?: string[]; domain?: string };
  /** Port discovery, as in the manifest. */
  discover?: boolean | { include?: (number | string)[]; exclude?: (number | string)[]; udp?: boolean };
}

export interface Mesh {
  readonly router: FollowedProcess;
  readonly manifestPath: string;
  /** SIGTERM (or `signal`), wait for the exit, remove the temp dir; returns the exit status. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** The manifest's text (`top`: more top-level keys, such as `routes`). JSON is YAML, and it needs no quoting rules. */
export function manifestText(hosts: readonly MeshHost[], top: Record<string, unknown> = {}): string {
  const out: Record<string, Omit<MeshHost, 'name'>> = {};
  for (const { name, ...rest } of hosts) out[name] = rest;
  return `${JSON.stringify({ hosts: out, ...top }, null, 2)}\n`;
}

/** The `cmd` of a host living in network namespace `ns`: this repo's CLI run inside it. */
export function nsHostCmd(ns: string): string[] {
  return cmdFor(ns, [...CLI_ARGV]);
}

/**
 * Starts the router on `hosts` (and `top`-level manifest keys) and resolves once it says it is
 * ready; at once with `waitReady` false, for hosts that may never come up.
 */
export async function startMesh(hosts: readonly MeshHost[], readyTimeoutMs = 15_000, top: Record<string, unknown> = {}, waitReady = true): Promise<Mesh> {
  const dir = mkdtempSync(join(tmpdir(), 'nrt-mesh-'));
  const manifestPath = join(dir, 'manifest.yaml');
  writeFileSync(manifestPath, manifestText(hosts, top));
  const router = spawnCli(['run', manifestPath]);
  const stop: Mesh['stop'] = async (signal = 'SIGTERM') => {
    try {
      return await router.stop(signal, 10_000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  if (!waitReady) return { router, manifestPath, stop };
  try {
    await router.waitForLine(/^norouter: ready in /, readyTimeoutMs);
  } catch (error) {
    await stop('SIGKILL').catch(() => {});
    throw new Error(`the router did not become ready: ${(error as Error).message}\nmanifest:\n${manifestText(hosts, top)}`, { cause: error });
  }
  return { router, manifestPath, stop };
}
