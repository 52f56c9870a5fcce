/**
 * Why a bootstrap host's agent ended before saying hello (issue 7), in words that name the host,
 * what was found there and what is needed. Pure: the router passes the exit and the last stderr
 * lines, and logs the sentence.
 */
import { EXIT_BOOTSTRAP_BROKEN, EXIT_NODE_TOO_OLD, MIN_NODE_TEXT } from './constants.js';

export interface AgentEnd {
  code: number | null;
  lastLines: readonly string[];
}

const NEEDED = `norouter needs Node.js >= ${MIN_NODE_TEXT} there`;

export function diagnoseBootstrap(host: string, end: AgentEnd): string | undefined {
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
  // 127 from a shell (ssh), docker exec or kubectl exec; `ip netns exec` says "exec of … failed".
  const missing = find(/exec of "?node"? failed|\bnode\b.*(?:not found|No such file)|executable file not found/);
  if (end.code === 127 || missing) {
    return `\`node\` was not found on host ${host} (${missing ? `"${missing.input.trim()}"` : 'status 127'}): bootstrap runs the host's own node; ${NEEDED}`;
  }
  return undefined;
}
