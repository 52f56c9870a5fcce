import { Command, Option } from 'clipanion';
import { EXAMPLE_MANIFEST } from '../example-manifest.js';
import { EXIT_OK } from '../../meta/exit-codes.js';

export class ShowExampleCommand extends Command {
  // `show-ex` is the original NoRouter's short form.
  static override paths = [['show-example'], ['show-ex']];

  static override usage = Command.Usage({
    description: 'print a commented example manifest',
    details: `
      With \`--open-editor\` (\`-e\`), opens the example in \`$VISUAL\`, \`$EDITOR\` or vi instead, and runs it once it is saved and the editor exits (as \`norouter run --open-editor\`).
    `,
    examples: [
      ['Start a new manifest', '$0 show-example > norouter.yaml'],
      ['Edit the example and run it', '$0 show-example --open-editor'],
    ],
  });

  openEditor = Option.Boolean('-e,--open-editor', false, { description: 'Edit the example in $VISUAL or $EDITOR, then run it' });

  override async execute(): Promise<number> {
    if (this.openEditor) {
      const { runWithEditor } = await import('../open-editor.js');
      return runWithEditor({ stdout: this.context.stdout, stderr: this.context.stderr }, { watch: false, debug: false });
    }
    this.context.stdout.write(EXAMPLE_MANIFEST);
    return EXIT_OK;
  }
}
