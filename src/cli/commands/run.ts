import { Command, Option, UsageError } from 'clipanion';
import { runManifest } from '../run-manifest.js';

export class RunCommand extends Command {
  // `manager` and `m` are the original NoRouter's words for this command.
  static override paths = [['run'], ['manager'], ['m'], Command.Default];

  static override usage = Command.Usage({
    description: 'join the hosts of a manifest into one network',
    details: `
      Spawns every host's agent (see \`norouter plan\`) and switches traffic between them until interrupted. With \`--watch\`, edits to the manifest are applied live: only the hosts and ports that changed are touched, and an invalid file changes nothing. SIGHUP reloads too. Agent logs are shown line by line, prefixed with the host name. An agent that exits is restarted with backoff while the other hosts keep working. SIGINT or SIGTERM stops every agent cleanly.

      A host's \`cmd\` that runs on this machine (\`ip netns exec …\`, \`unshare …\`, \`sh -c …\`) finds \`norouter\` on its PATH even where norouter is not installed: \`run\` puts a launcher for this same program first on the PATH of the commands it starts. From a checkout, run it as \`npx norouter\` or \`node dist/norouter.cjs\`.

      With \`--open-editor\` (\`-e\`), the example manifest (\`norouter show-example\`) opens in \`$VISUAL\`, \`$EDITOR\` or vi; once it is saved and the editor exits, it runs. Quitting without saving runs nothing.

      \`norouter FILE\`, \`norouter manager FILE\` and \`norouter m FILE\` are the same as \`norouter run FILE\`.
    `,
    examples: [
      ['Run the local example from a checkout (needs Linux and python3, not root)', 'npx norouter run examples/local.yaml'],
      ['Run a mesh', '$0 run norouter.yaml'],
      ['The same, as the original NoRouter accepted it', '$0 norouter.yaml'],
      ['Apply edits to the manifest live', '$0 run --watch norouter.yaml'],
      ['Serve Prometheus metrics on the loopback', '$0 run --metrics 127.0.0.1:9464 norouter.yaml'],
      ['Write a manifest in an editor, starting from the example, and run it', '$0 --open-editor'],
    ],
  });

  watch = Option.Boolean('--watch', false, { description: 'Reload the manifest when it changes (SIGHUP reloads with or without it)' });
  debug = Option.Boolean('--debug', false, { description: 'Log every frame the router switches, and every connection reset' });
  metrics = Option.String('--metrics', { description: 'Serve Prometheus metrics at http://ADDRESS:PORT/metrics (docs/status.md); wins over the manifest\'s `metrics`' });
  openEditor = Option.Boolean('-e,--open-editor', false, { description: 'Edit the example manifest in $VISUAL or $EDITOR, then run it' });
  file = Option.String({ name: 'FILE', required: false });

  override async execute(): Promise<number> {
    const io = { stdout: this.context.stdout, stderr: this.context.stderr };
    if (this.openEditor) {
      if (this.file !== undefined) throw new UsageError('give either FILE or --open-editor, not both: --open-editor writes the manifest to a temporary file');
      const { runWithEditor } = await import('../open-editor.js');
      return runWithEditor(io, { watch: this.watch, debug: this.debug, ...(this.metrics !== undefined ? { metrics: this.metrics } : {}) });
    }
    if (this.file === undefined) throw new UsageError('no manifest given: `norouter run FILE`, or `norouter run --open-editor` to write one from the example (`norouter show-example`)');
    return runManifest(this.file, io, { watch: this.watch, debug: this.debug, ...(this.metrics !== undefined ? { metrics: this.metrics } : {}) });
  }
}
