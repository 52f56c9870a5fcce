import { Command, Option } from 'clipanion';
import { EXIT_USAGE } from '../meta/exit-codes.js';

/**
 * `norouter internal demo-http HOST PORT BODY`: the web service of a namespaced demo host,
 * started by the host's wrapper script (src/demo/host-script.ts). It runs until a signal: it
 * lives in the host's pid namespace, which the kernel empties when the agent (its init) exits.
 */
export class InternalDemoHttpCommand extends Command {
  static override paths = [['internal', 'demo-http']];

  static override usage = Command.Usage({
    category: 'Internal',
    description: 'serve a fixed body over HTTP, for `norouter demo`',
    details: 'Started by `norouter demo` inside each demo host; not meant to be run by hand.',
  });

  host = Option.String({ name: 'HOST' });
  port = Option.String({ name: 'PORT' });
  body = Option.String({ name: 'BODY' });

  override async execute(): Promise<number> {
    const port = Number(this.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      this.context.stderr.write(`norouter internal demo-http: "${this.port}" is not a port number\n`);
      return EXIT_USAGE;
    }
    const { serveDemoHttp } = await import('./demo-http.js');
    const server = await serveDemoHttp(this.host, port, this.body);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    server.close();
    server.closeAllConnections();
    return 0;
  }
}
