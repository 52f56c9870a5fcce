import { Command } from 'clipanion';
import { EXIT_USAGE } from '../../meta/exit-codes.js';

/**
 * `norouter status` is reserved for a command that reports a running mesh; until it exists, the
 * word must not fall through to `run` (which would look for a manifest named "status"). This
 * file is the one place that the real command replaces.
 */
export class StatusCommand extends Command {
  static override paths = [['status']];

  static override usage = Command.Usage({
    description: 'report a running mesh (not implemented in this version)',
    examples: [['Not implemented in this version', '$0 status']],
  });

  override async execute(): Promise<number> {
    this.context.stderr.write('norouter status: not implemented in this version\n');
    return EXIT_USAGE;
  }
}
