/**
 * Why a bootstrap host's agent ended before saying hello, in words that name the host,
 * what was found there and what is needed. Pure: the router passes the exit and the last stderr
 * lines, and logs the sentence.
 */
import {
  EXIT_BOOTSTRAP_BROKEN, EXIT_NODE_TOO_OLD, EXIT_NO_CACHE_DIR, EXIT_NO_RUNTIME, EXIT_NO_TOOL, EXIT_RUNTIME_DAMAGED, EXIT_RUNTIME_WRITE,
  EXIT_WRONG_ARCH, MIN_NODE_TEXT,
} from './constants.js';
import type { BootstrapRoute } from './route.js';

export interface AgentEnd {
  code: number | null;
  lastLines: readonly string[];
}

const NEEDED = `norouter needs Node.js >= ${MIN_NODE_TEXT} there`;

/** What to do about each of the shell script's failures (shell-script.ts), after its own words. */
const SHELL_HINTS: ReadonlyMap<number, string> = new Map([
  [EXIT_WRONG_ARCH, `install Node.js >= ${MIN_NODE_TEXT} on that host (it is then used and nothing is sent), or name a Node.js runtime for its architecture in the manifest (bootstrapRuntime: a directory with node, its libraries and its loader), or run norouter from a machine of the host's architecture`],
  [EXIT_NO_CACHE_DIR, 'give it a writable directory where files may be executed (a container: --tmpfs /tmp:exec, or a volume for $HOME/.cache), or install Node.js there'],
  [EXIT_NO_TOOL, `install it there, or install Node.js >= ${MIN_NODE_TEXT}`],
  [EXIT_RUNTIME_DAMAGED, 'it is sent again at the next start'],
  [EXIT_RUNTIME_WRITE, 'free some space there (the runtime takes about 100 MB), or install Node.js there'],
  [EXIT_NO_RUNTIME, `install Node.js >= ${MIN_NODE_TEXT} on that host`],
]);

export function diagnoseBootstrap(host: string, end: AgentEnd, route: BootstrapRoute = 'node'): string | undefined {
  const lines = end.lastLines;
  const find = (re: RegExp) => {
    for (let i = lines.length - 1; i >= 0; i--) {
      const m = re.exec(lines[i] ?? '');
      if (m) return m;
    }
    return undefined;
  };
  if (end.code === EXIT_NODE_TOO_OLD) {
    const m = find(/node v(\S+) \((.*)\) is too old/);
    if (m) return `host ${host} has node v${m[1]} (${m[2]}), which is too old: ${NEEDED}`;
  }
  // Node before 18.18 has no --import: it refuses the loader's option (status 9).
  if (end.code === 9) {
    const m = find(/bad option: --import/);
    if (m) return `host ${host} has a node too old to bootstrap (it has no --import option): ${NEEDED}`;
  }
  if (end.code === EXIT_BOOTSTRAP_BROKEN) {
    const m = find(/norouter bootstrap: (.*)$/);
    if (m) return `the bootstrap of host ${host} failed: ${m[1]}`;
  }
  if (route === 'shell') return diagnoseShell(host, end, find);
  // 127 from a shell (ssh), docker exec or kubectl exec; `ip netns exec` says "exec of … failed".
  const missing = find(/exec of "?node"? failed|\bnode\b.*(?:not found|No such file)|executable file not found/);
  if (end.code === 127 || missing) {
    return `\`node\` was not found on host ${host} (${missing ? `"${missing.input.trim()}"` : 'status 127'}): bootstrap runs the host's own node; ${NEEDED}`;
  }
  return undefined;
}

function diagnoseShell(host: string, end: AgentEnd, find: (re: RegExp) => RegExpExecArray | undefined): string | undefined {
  const hint = end.code === null ? undefined : SHELL_HINTS.get(end.code);
  const said = find(/norouter bootstrap: (.*)$/);
  if (hint !== undefined && said) return `host ${host}: ${said[1]}: ${hint}`;
  // 127 before the script ran: the command's shell is not there (docker/kubectl/podman exec
  // say "executable file not found", ssh's remote shell "not found").
  const missing = find(/executable file not found|exec of "?[^"]*"? failed|sh.*(?:not found|No such file)/);
  if (end.code === 127 || (end.code !== 0 && missing)) {
    return `host ${host} has no shell to run the bootstrap script (${missing ? `"${missing.input.trim()}"` : 'status 127'}): its cmd must end in a POSIX sh there; a container without any shell joins through a sidecar (README: Hosts without a shell)`;
  }
  return undefined;
}
