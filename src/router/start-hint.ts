/**
 * What a host's failed start means and how to fix it, for a host that is not bootstrapped (a
 * bootstrap host's failures are read by src/bootstrap/diagnose.ts). Pure: from the exit status
 * and the last stderr lines, which a shell, `docker exec`, `kubectl exec`, `ssh` or `env` wrote.
 */
import { MIN_NODE_TEXT } from '../bootstrap/constants.js';
import type { PlanHost } from '../plan/types.js';
import type { ProcessEnd } from './agent-process.js';

const INSTALL = 'install it there (`norouter show-installer | docker exec -i NAME sh`, or the same through kubectl exec or ssh), or let norouter bring itself: `bootstrap: true`, with a cmd that ends in the host\'s node';

export function startHint(host: PlanHost, end: ProcessEnd): string | undefined {
  const cause = end.startError?.cause as NodeJS.ErrnoException | undefined;
  const first = host.argv[0] ?? '';
  if (cause?.code === 'ENOENT') return `\`${first}\` is not installed on this machine (or not on PATH): install it, or give its full path in the cmd of host ${host.name}`;
  if (cause?.code === 'EACCES') return `\`${first}\` is not executable on this machine: check its permissions, or fix the cmd of host ${host.name}`;
  if (end.startError) return undefined;
  const last = [...end.lastLines].reverse().find((l) => l.trim() !== '') ?? '';
  const said = last ? ` ("${last.trim()}")` : '';
  if (end.code === 127) {
    // `#!/usr/bin/env node` in the copied-in or installed norouter, on a host without Node.js:
    // busybox says "env: can't execute 'node'", GNU "/usr/bin/env: 'node': No such file or directory".
    if (/\benv\b.*\bnode\b|\bnode\b.*(?:not found|No such file)/.test(last)) {
      return `host ${host.name} has no \`node\` to run norouter${said}: norouter is a Node.js program and needs Node.js >= ${MIN_NODE_TEXT} there; install Node.js on the host, or use \`bootstrap: true\``;
    }
    return `the command or \`norouter\` was not found on host ${host.name} (status 127${said}): ${INSTALL}`;
  }
  if (end.code === 126) {
    return `a command was found on host ${host.name} but could not be executed (status 126${said}): it is not executable, sits on a noexec mount, or is built for another CPU architecture`;
  }
  return undefined;
}
