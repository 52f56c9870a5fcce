import { Command } from 'clipanion';

export class DemoCommand extends Command {
  static override paths = [['demo']];

  static override usage = Command.Usage({
    description: 'run a demo mesh on this machine: no Docker, no root, no network needed',
    details: `
      Starts a small mesh with an HTTP service, using an unprivileged network namespace (\`unshare -rn\`) as a second host where the system allows it, and prints the \`curl\` commands that then work. Ctrl-C stops it and removes everything it made. This is what \`npm start\` runs.
    `,
    examples: [['Run the demo', '$0 demo']],
  });

  override async execute(): Promise<number> {
    const { runDemoCommand } = await import('../../demo/run-demo-command.js');
    return runDemoCommand(this.context);
  }
}
