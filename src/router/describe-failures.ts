/** STATUS (docs/protocol.md §4.6) in a log line or the readiness summary. */
import type { ListenFailure } from '../protocol/index.js';
import { escapeControls } from '../terminal/safe-text.js';

/**
 * `127.0.42.101:8080 (EADDRINUSE), …`: at most a few, then how many more. Both strings come from
 * the agent (a host's own text): escaped for the terminal.
 */
export function describeFailures(failed: readonly ListenFailure[], most = 4): string {
  const shown = failed.slice(0, most).map((f) => escapeControls(`${f.listen} (${f.error})`)).join(', ');
  return failed.length > most ? `${shown} and ${failed.length - most} more` : shown;
}
