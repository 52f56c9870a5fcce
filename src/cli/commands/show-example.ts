import { Command } from 'clipanion';
import { EXAMPLE_MANIFEST } from '../example-manifest.js';
import { EXIT_OK } from '../exit-codes.js';

export class ShowExampleCommand extends Command {
  static override paths = [['show-example']];

  static override usage = Command.Usage({
    description: 'print a commented example manifest',
    examples: [['Start a new manifest', '$0 show-example > norouter.yaml']],
  });

  override async execute(): Promise<number> {
    this.context.stdout.write(EXAMPLE_MANIFEST);
    return EXIT_OK;
  }
}
