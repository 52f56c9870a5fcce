import { Command, Option, UsageError } from 'clipanion';
import { parseDemoSubnet } from '../../demo/demo-subnet.js';

export class DemoCommand extends Command {
  static override paths = [['demo']];

  static override usage = Command.Usage({
    description: 'run a demo mesh on this machine: no Docker, no root, no network needed',
    details: `
      Starts a small mesh with an HTTP service, using an unprivileged network namespace (\`unshare -rn\`) as a second host where the system allows it, and prints the \`curl\` commands that then work. Ctrl-C stops it and removes everything it made. This is what \`npm start\` runs.

      The hosts' VIPs are 127.0.42.100 to 127.0.42.102; \`--subnet 127.A.B\` moves them to 127.A.B.100 to .102, for a machine where those addresses are in use (another mesh or demo).
    `,
    examples: [
      ['Run the demo', '$0 demo'],
      ['Run it on 127.0.43.100 to 127.0.43.102', '$0 demo --subnet 127.0.43'],
    ],
  });

  subnet = Option.String('--subnet', { description: 'Put the VIPs at 127.A.B.100 to .102 instead of 127.0.42.x' });

  override async execute(): Promise<number> {
    const subnet = this.subnet === undefined ? undefined : parseDemoSubnet(this.subnet);
    if (subnet && !subnet.ok) throw new UsageError(subnet.message);
    const { runDemoCommand } = await import('../../demo/run-demo-command.js');
    return runDemoCommand(this.context, subnet?.vips);
  }
}
