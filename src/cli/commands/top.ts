import { Command, Option } from 'clipanion';

/** `norouter top [FILE]`: a live view of running meshes (docs/status.md); the logic is src/status/run-top.ts. */
export class TopCommand extends Command {
  static override paths = [['top']];

  static override usage = Command.Usage({
    description: 'a live view of running meshes: rates, busiest connections, events',
    details: `
      Redraws every second on the whole terminal: per host its state, connections and rates, with a sparkline of its traffic over the last minute; the busiest connections (from, to, bytes, rate, age); and the latest events (restarts, reloads, refusals, addresses an agent could not listen on). \`q\` or Ctrl-C quits and leaves the terminal as it was. When the output is not a terminal, prints one screen as plain text and exits.
    `,
    examples: [
      ['Every mesh this user runs', '$0 top'],
      ['One mesh', '$0 top norouter.yaml'],
    ],
  });

  file = Option.String({ name: 'FILE', required: false });

  override async execute(): Promise<number> {
    const [{ runTop }, { wantsColour }] = await Promise.all([import('../../status/run-top.js'), import('../../diagnostics/colour.js')]);
    return runTop({ stdin: this.context.stdin, stdout: this.context.stdout, colour: wantsColour(this.context.stdout as { isTTY?: boolean }) }, this.file);
  }
}
