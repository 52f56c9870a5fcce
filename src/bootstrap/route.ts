/**
 * Which way a bootstrap host starts (docs/protocol.md §12): a `cmd` ending in a POSIX shell runs
 * the shell script (shell-script.ts), which uses the host's node or brings the router's runtime;
 * a `cmd` ending in anything else is taken to be the host's `node`, started with the loader.
 */
import { basename } from 'node:path';
import { BOOTSTRAP_NODE_ARGS } from './loader.js';

export type BootstrapRoute = 'node' | 'shell';

/** Shells that read a script from stdin with `-s ARGS…` and run `exec` as POSIX says. */
const SHELLS = new Set(['sh', 'ash', 'dash', 'bash', 'ksh', 'mksh', 'yash', 'posh']);

const isShell = (word: string | undefined): boolean => word !== undefined && SHELLS.has(basename(word));

export function bootstrapRoute(cmd: readonly string[]): BootstrapRoute {
  if (!isShell(cmd.at(-1))) return 'node';
  // `sh -c 'SCRIPT' sh`: the last word is the script's $0, and the script is what runs.
  for (let i = 0; i < cmd.length - 2; i++) {
    if (isShell(cmd[i]) && /^-[a-z]*c[a-z]*$/.test(cmd[i + 1] ?? '')) return 'node';
  }
  return 'shell';
}

/** What goes between the host's cmd and `internal agent …` on its command line. */
export function bootstrapArgs(route: BootstrapRoute): readonly string[] {
  // `sh -s ARGS`: the script comes from stdin, ARGS become its "$@", which it hands to node.
  return route === 'shell' ? ['-s'] : BOOTSTRAP_NODE_ARGS;
}
