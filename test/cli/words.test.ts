/**
 * The CLI forgives: the real CLI as a child process, for every first word a user may type.
 * Guards: typos and unknown commands fell through to `run FILE` ("cannot read manifest
 * "help"", exit 1, or "Extraneous positional argument"); a bare `norouter` printed "Not enough
 * positional arguments"; `--wach` got no suggestion; `status` looked for a manifest named
 * "status"; `internal agent --help` showed `--me #0`; `validate` said "ok (1 hosts)"; the
 * original NoRouter's words (`manager`, `m`, `show-ex`) were unknown; the demo's subnet could be
 * moved only by an undocumented variable.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI_PATH, REPO_ROOT } from '../helpers/processes.js';
import { COMMAND_WORDS } from '../../src/cli/command-words.js';

function cli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const r = spawnSync(process.execPath, [CLI_PATH, ...args], { encoding: 'utf8', input: '', timeout: 20_000, cwd: options.cwd ?? REPO_ROOT, env: options.env ?? process.env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const dir = mkdtempSync(join(tmpdir(), 'norouter-words-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
/** A manifest with one error: reaching `run` shows its diagnostic and exits 1 without starting anything. */
const bad = join(dir, 'bad.yaml');
writeFileSync(bad, 'hosts:\n  a:\n    vip: "300.1.1.1"\n');

test('a bare norouter and `norouter help` print the help, exit 0', () => {
  for (const args of [[], ['help']]) {
    const r = cli(args);
    assert.equal(r.code, 0, `norouter ${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stdout, /norouter run .*<?FILE/);
    assert.match(r.stdout, /norouter validate <FILE>/);
    assert.doesNotMatch(r.stderr, /positional/);
  }
});

test('`norouter help COMMAND` prints that command\'s help', () => {
  const r = cli(['help', 'validate']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /\$ norouter validate <FILE>/);
  const unknown = cli(['help', 'valdiate']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command "valdiate"; did you mean "validate"\?/);
});

test('a misspelt command is a usage error naming the command meant, exit 2', () => {
  for (const [typo, meant, rest] of [['valdiate', 'validate', ['x.yaml']], ['show-exmaple', 'show-example', []], ['plna', 'plan', ['x.yaml']], ['stauts', 'status', []]] as const) {
    const r = cli([typo, ...rest]);
    assert.equal(r.code, 2, `${typo}: ${r.stderr}`);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, new RegExp(`^norouter: unknown command "${typo}"; did you mean "${meant}"\\?$`, 'm'));
    assert.match(r.stderr, new RegExp(`^  norouter ${[meant, ...rest].join(' ').replaceAll('.', '\\.')}$`, 'm'));
    assert.doesNotMatch(r.stderr, /cannot read manifest|Extraneous/);
  }
});

test('an unknown word with nothing close: exit 2, no guess; an empty word too', () => {
  const r = cli(['frobnicate']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^norouter: unknown command "frobnicate"$/m);
  assert.match(r.stderr, /norouter --help/);
  assert.equal(cli(['']).code, 2);
});

test('`norouter FILE` still runs FILE when it exists, even named like a command typo', () => {
  const named = join(dir, 'valdiate');
  writeFileSync(named, 'hosts:\n  a:\n    vip: "300.1.1.1"\n');
  const r = cli(['valdiate'], { cwd: dir });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /^valdiate:3:\d+: error\[E\d+\]/m, 'the manifest was loaded by run');
  const direct = cli([bad]);
  assert.equal(direct.code, 1);
  assert.match(direct.stderr, /bad\.yaml:3:\d+: error\[E\d+\]/);
});

test('a missing FILE that looks like a path is reported as a missing manifest, exit 1', () => {
  for (const path of ['nosuch.yaml', 'dir/nosuch']) {
    const r = cli([path]);
    assert.equal(r.code, 1, path);
    assert.match(r.stderr, new RegExp(`cannot read manifest "${path}": no such file`));
  }
});

test('a misspelt option gets a suggestion, exit 2', () => {
  const r = cli(['run', '--wach', bad]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /Unsupported option name \("--wach"\); did you mean "--watch"\?/);
  assert.equal(r.stderr.split('\n').filter((l) => l.startsWith('$ norouter run')).length, 1, 'each usage line once');
  const plan = cli(['plan', '--jsno', bad]);
  assert.equal(plan.code, 2);
  assert.match(plan.stderr, /did you mean "--json"\?/);
  const help = cli(['validate', '--hlep']);
  assert.match(help.stderr, /did you mean "--help"\?/);
});

test('status and top are commands, never a manifest lookup: with no mesh running they say so, exit 4', () => {
  const runtime = mkdtempSync(join(tmpdir(), 'nrt-words-'));
  try {
    for (const word of ['status', 'top']) {
      const r = cli([word], { env: { ...process.env, XDG_RUNTIME_DIR: runtime } });
      assert.equal(r.code, 4, `${word}: ${r.stderr}`);
      assert.match(r.stdout, /no norouter mesh of this user is running/);
      assert.doesNotMatch(r.stderr, /manifest/);
    }
  } finally {
    rmSync(runtime, { recursive: true, force: true });
  }
});

test('the original NoRouter\'s words: manager and m run a manifest, show-ex shows the example', () => {
  for (const word of ['manager', 'm', 'run']) {
    const r = cli([word, bad]);
    assert.equal(r.code, 1, `${word}: ${r.stderr}`);
    assert.match(r.stderr, /bad\.yaml:3:\d+: error\[E\d+\]/, word);
  }
  assert.equal(cli(['show-ex']).stdout, cli(['show-example']).stdout);
  assert.match(cli(['show-ex']).stdout, /^hosts:$/m);
});

test('run without FILE, or with both FILE and --open-editor, is a usage error', () => {
  const none = cli(['run']);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /no manifest given: `norouter run FILE`, or `norouter run --open-editor`/);
  const both = cli(['run', '-e', bad]);
  assert.equal(both.code, 2);
  assert.match(both.stderr, /either FILE or --open-editor, not both/);
});

test('--open-editor without a terminal says so, exit 1, and runs nothing', () => {
  for (const args of [['-e'], ['--open-editor'], ['show-example', '-e'], ['m', '-e']]) {
    const r = cli(args, { env: { ...process.env, EDITOR: 'true' } });
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /--open-editor needs a terminal/);
  }
});

test('every command word is a command, and every command in the help is a known word', () => {
  for (const word of COMMAND_WORDS.filter((w) => w !== 'help' && w !== 'internal')) {
    const r = cli([word, '--help']);
    assert.equal(r.code, 0, `${word} --help: ${r.stderr}`);
    assert.match(r.stdout, /Usage/, word);
  }
  const listed = [...cli(['--help']).stdout.matchAll(/^ {2}norouter ([a-z-]+)/gm)].map((m) => m[1]);
  assert.ok(listed.length >= 6);
  for (const word of listed) assert.ok((COMMAND_WORDS as readonly string[]).includes(word!), `${word} is missing from COMMAND_WORDS`);
});

test('no option value shows as #0: internal agent --help names each value', () => {
  const r = cli(['internal', 'agent', '--help']);
  assert.equal(r.code, 0);
  assert.doesNotMatch(r.stdout, /#\d/);
  assert.match(r.stdout, /^ {2}--me VIP {2,}This host's VIP/m);
  assert.match(r.stdout, /^ {2}--forward SPEC {2,}A published port: SPEC is LISTEN:CONNECT_HOST:CONNECT_PORT\[\/tcp\|\/udp\]$/m);
  // The option column is aligned: every description starts in the same column.
  const starts = r.stdout.split('\n').filter((l) => /^ {2}--/.test(l)).map((l) => l.search(/ {2,}\S/) + l.slice(l.search(/ {2,}\S/)).search(/\S/));
  assert.equal(new Set(starts).size, 1, r.stdout);
  assert.doesNotMatch(cli(['--help']).stdout, /#\d/);
});

test('validate counts hosts in words: ok (1 host), ok (2 hosts)', () => {
  const one = join(dir, 'one.yaml');
  writeFileSync(one, 'hosts:\n  a:\n    vip: "127.0.42.1"\n');
  assert.match(cli(['validate', one]).stdout, /: ok \(1 host\)$/m);
  assert.match(cli(['validate', 'examples/local.yaml']).stdout, /: ok \(2 hosts\)$/m);
});

test('demo --subnet: documented in its help, checked before anything starts', () => {
  assert.match(cli(['demo', '--help']).stdout, /--subnet 127\.A\.B/);
  for (const [value, why] of [['10.0.43', /must be loopback addresses/], ['127.300.1', /expected 127\.A\.B/], ['127.0.43.7', /expected 127\.A\.B/], ['nonsense', /expected 127\.A\.B/]] as const) {
    const r = cli(['demo', '--subnet', value]);
    assert.equal(r.code, 2, value);
    assert.match(r.stderr, new RegExp(`--subnet "${value.replaceAll('.', '\\.')}": `));
    assert.match(r.stderr, why);
    assert.doesNotMatch(r.stdout + r.stderr, /norouter demo: /, 'nothing started');
  }
});
