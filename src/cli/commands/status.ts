import { Command, Option } from 'clipanion';

/** `norouter status [FILE]`: the state of running meshes (docs/status.md); the logic is src/status/run-status.ts. */
export class StatusCommand extends Command {
  static override paths = [['status']];

  static override usage = Command.Usage({
    description: 'show the hosts, connections and traffic of running meshes',
    details: `
      Asks the router of FILE's mesh, or of every mesh this user runs, over its control socket (a Unix socket only this user can use) and prints a table per mesh: each host's VIP, state (starting, up, down or given up on, with why), since when, restarts, the addresses its agent could not listen on, live connections, bytes in and out and the current rate; the totals; the last reload and its result.

      \`--json\` prints the versioned shape documented in docs/status.md. \`--watch\` refreshes every second, in place on a terminal (one JSON document a line with \`--json\`).

      Exit status: 0 when every host is up, 3 when a host is not up, 4 when no mesh answered.
    `,
    examples: [
      ['Every mesh this user runs', '$0 status'],
      ['One mesh', '$0 status norouter.yaml'],
      ['For scripts', '$0 status --json norouter.yaml | jq \'.meshes[0].hosts[] | {name, state}\''],
      ['Refresh every second', '$0 status --watch'],
    ],
  });

  json = Option.Boolean('--json', false, { description: 'Print the documented JSON shape (docs/status.md)' });
  watch = Option.Boolean('--watch', false, { description: 'Refresh every second until interrupted' });
  file = Option.String({ name: 'FILE', required: false });

  override async execute(): Promise<number> {
    const [{ runStatus }, { wantsColour }] = await Promise.all([import('../../status/run-status.js'), import('../../diagnostics/colour.js')]);
    const stdout = this.context.stdout as typeof this.context.stdout & { isTTY?: boolean };
    return runStatus({ stdout, stderr: this.context.stderr }, {
      json: this.json, watch: this.watch, colour: wantsColour(stdout), ...(this.file !== undefined ? { file: this.file } : {}),
    });
  }
}
