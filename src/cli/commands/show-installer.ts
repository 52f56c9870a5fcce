import { Command, Option } from 'clipanion';
import type { Writable } from 'node:stream';
import { EXIT_BAD_INPUT, EXIT_OK } from '../../meta/exit-codes.js';

export class ShowInstallerCommand extends Command {
  static override paths = [['show-installer']];

  static override usage = Command.Usage({
    description: 'print a shell script that installs norouter on a host, for `| docker exec -i HOST sh`',
    details: `
      Prints a POSIX shell script with this norouter's single file inside it. Piped into a shell on a host, it checks that \`node\` is there and recent enough (Node.js >= 20.19), writes \`~/bin/norouter.cjs\` and a \`~/bin/norouter\` launcher (atomically: an interrupted install leaves an earlier one untouched), checks what it wrote, and prints what it did. It needs only sh and node on the host, not bash, curl or a registry.

      On a host without Node.js >= 20.19, add \`--runtime\`: the script then also carries the Node runtime norouter runs on (its node, libraries and loader, about 53 MB), unpacks it into the host's cache (~/.cache/norouter, else /tmp/norouter-UID), checks it against its hashes, and the launcher runs norouter with it, checking it again before each start.

      A host can also skip installing: with \`bootstrap: true\` in the manifest and a cmd ending in the host's \`sh\`, \`norouter run\` sends itself (and the runtime, once, where needed) over the host's stdin.

      Refuses to print to a terminal (it is about 500 KB); redirect it to a file to copy it by hand.
    `,
    examples: [
      ['Install into a Docker container', '$0 show-installer | docker exec -i c1 sh'],
      ['Install into a Kubernetes pod', '$0 show-installer | kubectl exec -i my-pod -- sh'],
      ['Install into an Alpine container without Node.js', '$0 show-installer --runtime | docker exec -i c1 sh'],
      ['Install over SSH', '$0 show-installer | ssh user@example.com sh'],
      ['Save it to copy by hand', '$0 show-installer > install-norouter.sh'],
    ],
  });

  runtime = Option.Boolean('--runtime', false, { description: "Also carry norouter's own Node runtime (about 53 MB), installed where the host has no Node.js >= 20.19" });

  override async execute(): Promise<number> {
    const stdout = this.context.stdout as Writable & { isTTY?: boolean };
    if (stdout.isTTY) {
      this.context.stderr.write('norouter show-installer: not printing a 500 KB script to a terminal; pipe it into a shell on the host (`norouter show-installer | docker exec -i c1 sh`) or redirect it to a file\n');
      return EXIT_BAD_INPUT;
    }
    const [{ readSingleFileCli }, { installerScript }, { VERSION }, { installerRuntime }] = await Promise.all([
      import('../../bootstrap/payload.js'),
      import('../../bootstrap/installer.js'),
      import('../../meta/version.js'),
      import('../../bootstrap/runtime-provider.js'),
    ]);
    const runtime = this.runtime ? await installerRuntime() : undefined;
    const script = installerScript({ file: readSingleFileCli().file, version: VERSION, ...(runtime ? { runtime } : {}) });
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
