import { Command, Option } from 'clipanion';

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
    const { runPlan } = await import('../run-plan.js');
    return runPlan(this.file, this.json, this.context.stdout, this.context.stderr);
  }
}
