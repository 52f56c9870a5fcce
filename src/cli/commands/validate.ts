import { Command, Option } from 'clipanion';
import { loadAndReport } from '../../manifest/load-plan.js';
import { EXIT_BAD_INPUT, EXIT_OK } from '../../meta/exit-codes.js';
import { escapeControls } from '../../terminal/safe-text.js';

export class ValidateCommand extends Command {
  static override paths = [['validate']];

  static override usage = Command.Usage({
    description: 'check a manifest and report every problem in it',
    details: `
      Prints every error and warning as \`FILE:LINE:COL: error[CODE]: message\` with the offending line. Codes are listed in docs/errors.md.

      Exits 0 when the manifest is clean or has only warnings, 1 when it has errors.
    `,
    examples: [['Check a manifest', '$0 validate norouter.yaml']],
  });

  file = Option.String({ name: 'FILE' });

  override async execute(): Promise<number> {
    const loaded = await loadAndReport(this.file, this.context.stderr);
    if (!loaded) return EXIT_BAD_INPUT;
    const count = loaded.plan.hosts.length;
    this.context.stdout.write(`${escapeControls(this.file)}: ok (${count} ${count === 1 ? 'host' : 'hosts'})\n`);
    return EXIT_OK;
  }
}
