/**
 * The norouter CLI. Command classes are thin (STYLE.md §6); what a command needs beyond its
 * options is imported when it runs, so `norouter plan` never loads the runtime.
 */
import { Builtins, Cli, UsageError, type BaseContext } from 'clipanion';
import { VERSION } from './version.js';
import { isOperationalError } from '../errors.js';
import { EXIT_BAD_INPUT, EXIT_BUG, EXIT_OK, EXIT_USAGE } from './exit-codes.js';
import { PlanCommand } from './commands/plan.js';
import { ValidateCommand } from './commands/validate.js';
import { ShowExampleCommand } from './commands/show-example.js';
import { RunCommand } from './commands/run.js';
import { InternalAgentCommand } from './commands/internal-agent.js';
import { DemoCommand } from './commands/demo.js';

export function createCli(): Cli {
  const cli = new Cli({
    binaryLabel: 'norouter',
    binaryName: 'norouter',
    binaryVersion: VERSION,
    // Colours only on a terminal: piped output (CI logs, tests) stays plain text.
    enableColors: process.stderr.isTTY === true && !('NO_COLOR' in process.env),
  });
  cli.register(Builtins.HelpCommand);
  cli.register(Builtins.VersionCommand);
  cli.register(RunCommand);
  cli.register(PlanCommand);
  cli.register(ValidateCommand);
  cli.register(ShowExampleCommand);
  cli.register(DemoCommand);
  cli.register(InternalAgentCommand);
  return cli;
}

/**
 * Runs one command line; returns the exit code. Usage errors exit 2, user errors 1, bugs 70.
 * Mirrors clipanion's Cli.run, which maps every failure to 1 and prints errors to stdout.
 */
export async function main(argv: string[], userContext: Partial<BaseContext> = {}): Promise<number> {
  const cli = createCli();
  const context: BaseContext = { ...Cli.defaultContext, ...userContext };
  const colored = cli.enableColors ?? false;
  let command;
  try {
    command = cli.process(argv, context);
  } catch (error) {
    context.stderr.write(cli.error(error, { colored }));
    return EXIT_USAGE;
  }
  if (command.help) {
    context.stdout.write(cli.usage(command, { colored, detailed: true }));
    return EXIT_OK;
  }
  command.context = context;
  command.cli = {
    binaryLabel: cli.binaryLabel,
    binaryName: cli.binaryName,
    binaryVersion: cli.binaryVersion,
    enableCapture: false,
    enableColors: colored,
    definitions: () => cli.definitions(),
    error: (error, opts) => cli.error(error, opts),
    format: (c) => cli.format(c),
    process: (input, subContext) => cli.process(input, { ...context, ...subContext }),
    run: (input, subContext) => cli.run(input, { ...context, ...subContext }),
    usage: (c, opts) => cli.usage(c, opts),
  };
  try {
    return (await command.validateAndExecute()) ?? EXIT_OK;
  } catch (error) {
    if (error instanceof UsageError) {
      context.stderr.write(cli.error(error, { colored, command }));
      return EXIT_USAGE;
    }
    if (isOperationalError(error)) {
      context.stderr.write(`norouter: error[${error.code}]: ${error.message}\n`);
      return EXIT_BAD_INPUT;
    }
    context.stderr.write(`norouter: internal error (a bug; please report it):\n${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return EXIT_BUG;
  }
}

void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
