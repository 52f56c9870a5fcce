import { Command, Option } from 'clipanion';
import { loadAndReport } from '../load.js';
import { formatPlanText } from '../../plan/format-plan.js';
import { EXIT_BAD_INPUT, EXIT_OK } from '../exit-codes.js';

export class PlanCommand extends Command {
  static override paths = [['plan']];

  static override usage = Command.Usage({
    description: 'print the command line of every host agent',
    details: `
      Validates the manifest and prints, for each host in manifest order, a line \`# NAME (VIP)\` and the exact command \`norouter run\` spawns for it, quoted so it pastes into a shell. A host without \`cmd\` runs this same program locally.

      Exits 1 when the manifest has errors (they are printed to stderr with file, line and column).
    `,
    examples: [
      ['Print the agent command lines', '$0 plan examples/docker-podman.yaml'],
      ['Print the plan as JSON', '$0 plan --json examples/local.yaml'],
    ],
  });

  json = Option.Boolean('--json', false, { description: 'Print the plan as JSON' });
  file = Option.String({ name: 'FILE' });

  override async execute(): Promise<number> {
    const loaded = await loadAndReport(this.file, this.context.stderr);
    if (!loaded) return EXIT_BAD_INPUT;
    const { plan } = loaded;
    if (this.json) {
      this.context.stdout.write(`${JSON.stringify(plan, null, 2)}\n`);
      return EXIT_OK;
    }
    this.context.stdout.write(formatPlanText(plan));
    return EXIT_OK;
  }
}
