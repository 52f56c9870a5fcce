import { Command } from 'clipanion';
import type { Writable } from 'node:stream';
import { EXIT_BAD_INPUT, EXIT_OK } from '../exit-codes.js';

export class ShowInstallerCommand extends Command {
  static override paths = [['show-installer']];

  static override usage = Command.Usage({
    description: 'print a shell script that installs norouter on a host, for `| docker exec -i HOST sh`',
    details: `
      Prints a POSIX shell script with this norouter's single file inside it. Piped into a shell on a host, it checks that \`node\` is there and recent enough (Node.js >= 20.19), writes \`~/bin/norouter.cjs\` and a \`~/bin/norouter\` launcher (atomically: an interrupted install leaves an earlier one untouched), checks what it wrote, and prints what it did. It needs only sh and node on the host, not bash, curl or a registry.

      A host can also skip installing: with \`bootstrap: true\` in the manifest, \`norouter run\` sends itself over the host's stdin at every start.

      Refuses to print to a terminal (it is about 500 KB); redirect it to a file to copy it by hand.
    `,
    examples: [
      ['Install into a Docker container', '$0 show-installer | docker exec -i c1 sh'],
      ['Install into a Kubernetes pod', '$0 show-installer | kubectl exec -i my-pod -- sh'],
      ['Install over SSH', '$0 show-installer | ssh user@example.com sh'],
      ['Save it to copy by hand', '$0 show-installer > install-norouter.sh'],
    ],
  });

  override async execute(): Promise<number> {
    const stdout = this.context.stdout as Writable & { isTTY?: boolean };
    if (stdout.isTTY) {
      this.context.stderr.write('norouter show-installer: not printing a 500 KB script to a terminal; pipe it into a shell on the host (`norouter show-installer | docker exec -i c1 sh`) or redirect it to a file\n');
      return EXIT_BAD_INPUT;
    }
    const [{ readSingleFileCli }, { installerScript }, { VERSION }] = await Promise.all([
      import('../../bootstrap/payload.js'),
      import('../../bootstrap/installer.js'),
      import('../version.js'),
    ]);
    const script = installerScript({ file: readSingleFileCli().file, version: VERSION });
    // The shell on the other end stops reading when it fails (no node, too old): its own
    // message says why, and the broken pipe here is only the echo of that.
    const error = await new Promise<NodeJS.ErrnoException | null | undefined>((resolve) => {
      stdout.once('error', resolve);
      stdout.write(script, resolve);
    });
    if (error) {
      if (error.code !== 'EPIPE') throw error;
      this.context.stderr.write('norouter show-installer: the shell reading the installer stopped early (its message above says why)\n');
      return EXIT_BAD_INPUT;
    }
    return EXIT_OK;
  }
}
