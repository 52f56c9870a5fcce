/**
 * The norouter CLI. Command classes are thin; what a command needs beyond its
 * options is imported when it runs, so `norouter plan` never loads the runtime.
 *
 * `norouter plan FILE [--json]` has a startup budget (at most 1.5× `node -e 0`: docs/benchmarks.md,
 * "norouter plan") and skips clipanion: loading it opens stdin and loads tty for its default
 * context, and building its parser for every command costs more than planning a small manifest.
 * Every other command line (plan with `--help`, a missing FILE, a FILE starting with `-`…) goes
 * through clipanion, which is imported only then. Before it, command-words.ts decides what the
 * first word is: a command, a manifest (`norouter FILE`), or a typo reported with the command
 * meant, without clipanion.
 */
import { existsSync } from 'node:fs';
import type { Writable } from 'node:stream';
import type { BaseContext, Cli } from 'clipanion';
import { VERSION } from '../meta/version.js';
import { isOperationalError } from '../errors.js';
import { EXIT_BAD_INPUT, EXIT_BUG, EXIT_OK, EXIT_USAGE } from '../meta/exit-codes.js';
import { routeFirstWord, type FirstWord } from './command-words.js';
import { escapeControls } from '../terminal/safe-text.js';

/**
 * The CLI with every command registered; with `argv`, only what that command line needs when
 * that is known from its first words. An agent (`internal agent …`, started on every host and
 * alive as long as the mesh) then loads clipanion and its own command only, not the manifest
 * pipeline (yaml, the schema validator), the router or the demo: about 2 MiB less resident
 * memory per agent (docs/benchmarks.md, "Idle agent memory").
 */
export async function createCli(argv?: readonly string[]): Promise<Cli> {
  if (argv?.[0] === 'internal' && argv[1] === 'agent') {
    const [{ Builtins, Cli }, { InternalAgentCommand }] = await Promise.all([import('clipanion'), import('./commands/internal-agent.js')]);
    const cli = newCli(Cli);
    cli.register(Builtins.HelpCommand);
    cli.register(Builtins.VersionCommand);
    cli.register(InternalAgentCommand);
    return cli;
  }
  const [{ Builtins, Cli }, { PlanCommand }, { ValidateCommand }, { ShowExampleCommand }, { RunCommand }, { InternalAgentCommand }, { DemoCommand }, { InternalDemoHttpCommand }, { ShowInstallerCommand }, { StatusCommand }, { TopCommand }] = await Promise.all([
    import('clipanion'),
    import('./commands/plan.js'),
    import('./commands/validate.js'),
    import('./commands/show-example.js'),
    import('./commands/run.js'),
    import('./commands/internal-agent.js'),
    import('./commands/demo.js'),
    import('../demo/demo-http-command.js'),
    import('./commands/show-installer.js'),
    import('./commands/status.js'),
    import('./commands/top.js'),
  ]);
  const cli = newCli(Cli);
  cli.register(Builtins.HelpCommand);
  cli.register(Builtins.VersionCommand);
  cli.register(RunCommand);
  cli.register(PlanCommand);
  cli.register(ValidateCommand);
  cli.register(ShowExampleCommand);
  cli.register(ShowInstallerCommand);
  cli.register(DemoCommand);
  cli.register(StatusCommand);
  cli.register(TopCommand);
  cli.register(InternalAgentCommand);
  cli.register(InternalDemoHttpCommand);
  return cli;
}

function newCli(CliClass: typeof Cli): Cli {
  return new CliClass({
    binaryLabel: 'norouter',
    binaryName: 'norouter',
    binaryVersion: VERSION,
    // Colours only on a terminal: piped output (CI logs, tests) stays plain text.
    enableColors: process.stderr.isTTY === true && !('NO_COLOR' in process.env),
  });
}

/**
 * Runs one command line; returns the exit code. Usage errors exit 2, user errors 1, bugs 70.
 * Mirrors clipanion's Cli.run, which maps every failure to 1 and prints errors to stdout.
 */
export async function main(argv: string[], userContext: Partial<BaseContext> = {}): Promise<number> {
  const plan = plainPlan(argv);
  if (plan) {
    const stdout: Writable = userContext.stdout ?? process.stdout;
    const stderr: Writable = userContext.stderr ?? process.stderr;
    try {
      const { runPlan } = await import('./run-plan.js');
      return await runPlan(plan.file, plan.json, stdout, stderr);
    } catch (error) {
      return reportFailure(error, stderr);
    }
  }

  const route = routeFirstWord(argv, existsSync);
  if (route.kind === 'unknown') {
    (userContext.stderr ?? process.stderr).write(unknownCommand(route, argv));
    return EXIT_USAGE;
  }

  const cli = await createCli(route.argv);
  const [{ Cli, UsageError }, { nameOptionValues }, { dropRepeatedUsage, suggestOption }] = await Promise.all([
    import('clipanion'), import('./option-values.js'), import('./unknown-option.js'),
  ]);
  const context: BaseContext = { ...Cli.defaultContext, ...userContext };
  const colored = cli.enableColors ?? false;
  let command;
  try {
    command = cli.process(route.argv, context);
  } catch (error) {
    context.stderr.write(nameOptionValues(dropRepeatedUsage(suggestOption(cli.error(error, { colored })))));
    return EXIT_USAGE;
  }
  if (command.help) {
    context.stdout.write(nameOptionValues(cli.usage(command, { colored, detailed: true })));
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
    usage: (c, opts) => nameOptionValues(cli.usage(c, opts)),
  };
  try {
    return (await command.validateAndExecute()) ?? EXIT_OK;
  } catch (error) {
    if (error instanceof UsageError) {
      context.stderr.write(nameOptionValues(cli.error(error, { colored, command })));
      return EXIT_USAGE;
    }
    return reportFailure(error, context.stderr);
  }
}

/**
 * `plan FILE`, `plan --json FILE` or `plan FILE --json`, exactly: the command lines whose meaning
 * needs no parser. Anything else returns undefined and goes through clipanion.
 */
function plainPlan(argv: readonly string[]): { file: string; json: boolean } | undefined {
  if (argv[0] !== 'plan') return undefined;
  const rest = argv.slice(1);
  const json = rest.includes('--json');
  const files = rest.filter((a) => a !== '--json');
  const [file] = files;
  if (files.length !== 1 || rest.length !== files.length + (json ? 1 : 0) || file === undefined || file === '' || file.startsWith('-')) return undefined;
  return { file, json };
}

/** A first word that is neither a command nor a file (exit 2): what was meant, when it is clear. */
function unknownCommand(route: Extract<FirstWord, { kind: 'unknown' }>, argv: readonly string[]): string {
  const word = escapeControls(JSON.stringify(route.word));
  const lines = [`norouter: unknown command ${word}${route.suggestion ? `; did you mean "${route.suggestion}"?` : ''}`];
  if (route.suggestion && argv[0] === route.word) lines.push(`  norouter ${[route.suggestion, ...argv.slice(1)].map((a) => escapeControls(a)).join(' ')}`);
  if (argv[0] === route.word && route.word !== '') lines.push(`(\`norouter FILE\` runs a manifest, but there is no file ${word} either.)`);
  lines.push('Run `norouter --help` for the list of commands.');
  return `${lines.join('\n')}\n`;
}

/** Operational errors print without a stack (docs/errors.md, "Operational errors"); all else is a bug. */
function reportFailure(error: unknown, stderr: Writable): number {
  if (isOperationalError(error)) {
    stderr.write(`norouter: error[${error.code}]: ${error.message}\n`);
    return EXIT_BAD_INPUT;
  }
  stderr.write(`norouter: internal error (a bug; please report it):\n${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return EXIT_BUG;
}

void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
