import { Builtins, Cli } from 'clipanion';
import { VERSION } from './version.js';

const cli = new Cli({ binaryLabel: 'norouter', binaryName: 'norouter', binaryVersion: VERSION });
cli.register(Builtins.HelpCommand);
cli.register(Builtins.VersionCommand);
await cli.runExit(process.argv.slice(2));
