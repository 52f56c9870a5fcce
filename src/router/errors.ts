import { OperationalError } from '../errors.js';
import { quoteShellCommand } from '../shell/shell-words.js';

/** A host's command could not be started at all (not found, not executable). The router names the host. */
export class AgentStartError extends OperationalError {
  readonly code = 'AGENT_START';

  constructor(
    readonly host: string,
    readonly argv: readonly string[],
    cause: NodeJS.ErrnoException,
  ) {
    const what =
      cause.code === 'ENOENT' ? `command not found: ${argv[0] ?? ''}`
      : cause.code === 'EACCES' ? `permission denied: ${argv[0] ?? ''} is not executable`
      : cause.message;
    super(`cannot start \`${quoteShellCommand(argv)}\`: ${what}`, { cause });
  }
}
