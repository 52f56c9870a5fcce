import { Command, Option } from 'clipanion';
import { EXIT_BAD_INPUT } from '../exit-codes.js';
import { loadAndReport, selfCommand } from '../load.js';

export class RunCommand extends Command {
  static override paths = [['run'], Command.Default];

  static override usage = Command.Usage({
    description: 'join the hosts of a manifest into one network',
    details: `
      Spawns every host's agent (see \`norouter plan\`) and switches traffic between them until interrupted. With \`--watch\`, edits to the manifest are applied live: only the hosts and ports that changed are touched, and an invalid file changes nothing. SIGHUP reloads too. Agent logs are shown line by line, prefixed with the host name. An agent that exits is restarted with backoff while the other hosts keep working. SIGINT or SIGTERM stops every agent cleanly.

      \`norouter FILE\` is the same as \`norouter run FILE\`.
    `,
    examples: [
      ['Run a mesh', '$0 run examples/local.yaml'],
      ['The same, as the original NoRouter accepted it', '$0 examples/local.yaml'],
      ['Apply edits to the manifest live', '$0 run --watch norouter.yaml'],
    ],
  });

  watch = Option.Boolean('--watch', false, { description: 'Reload the manifest when it changes (SIGHUP reloads with or without it)' });
  debug = Option.Boolean('--debug', false, { description: 'Log every frame the router switches' });
  file = Option.String({ name: 'FILE' });

  override async execute(): Promise<number> {
    const loaded = await loadAndReport(this.file, this.context.stderr);
    if (!loaded) return EXIT_BAD_INPUT;
    const { runRouter } = await import('../../router/run-router.js');
    return runRouter(loaded.plan, {
      file: this.file,
      text: loaded.text,
      self: selfCommand(),
      watch: this.watch,
      debug: this.debug,
      stdout: this.context.stdout,
      stderr: this.context.stderr,
    });
  }
}
