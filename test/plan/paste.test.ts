// Regression: `norouter plan` printed words holding control characters inside plain single
// quotes; pasted into an interactive bash, the line editor acted on them (CR ended the line
// early, ^C and ^U discarded it, tab completed) and a command hidden in a cmd word ran. This
// pastes real plan output, as a terminal would (tmux, no bracketed paste), into an interactive
// bash and into an interactive dash, and checks that no command ran and the argv comes back exact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../helpers/wait.js';

const cli = new URL('../../dist/norouter.cjs', import.meta.url).pathname;

/** cmd words a hostile or careless manifest could hold; each would run `touch` if mis-pasted. */
const HOSTILE = [
  '\r touch pwned-cr \r',
  'x\ntouch pwned-newline\n',
  '\x03 touch pwned-ctrl-c',
  '\x15 touch pwned-ctrl-u',
  '\x1b[2J\x1b]0;title\x07',
  'tab\there',
  "quote'; touch pwned-quote; '",
  '$(touch pwned-subst)',
  '\x7f\x9b\u202e',
];

function hasTool(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
}

for (const shell of ['bash', 'dash']) {
  test(`plan output pasted into an interactive ${shell} runs exactly the planned argv`, async (t) => {
    for (const tool of ['tmux', shell]) {
      if (!hasTool(tool)) {
        t.skip(`${tool} is not installed`);
        return;
      }
    }
    const dir = mkdtempSync(join(tmpdir(), 'norouter-paste-'));
    const session = `norouter-paste-${process.pid}-${shell}`;
    t.after(() => {
      spawnSync('tmux', ['kill-session', '-t', session]);
      rmSync(dir, { recursive: true, force: true });
    });
    const dump = join(dir, 'argv-dump');
    writeFileSync(dump, `#!/bin/sh\nfor a in "$@"; do printf '%s\\0' "$a"; done > ${dir}/argv.out\n`);
    chmodSync(dump, 0o755);
    const manifest = join(dir, 'm.yaml');
    writeFileSync(manifest, `${JSON.stringify({ hosts: { here: { vip: '127.0.42.100' }, h1: { vip: '127.0.42.101', cmd: [dump, ...HOSTILE] } } })}\n`);
    const plan = execFileSync(process.execPath, [cli, 'plan', manifest], { encoding: 'utf8' });
    // The h1 line (with the newlines of its quoted words): from after its heading to the end.
    const command = plan.slice(plan.indexOf('\n', plan.indexOf('# h1 (')) + 1).replace(/\n$/, '');
    assert.doesNotMatch(command, /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e]/, 'the printed line holds no control character');

    const started = spawnSync('tmux', ['new-session', '-d', '-s', session, '-x', '200', '-y', '50', '-c', dir,
      'env', '-i', `PATH=${process.env['PATH'] ?? '/usr/bin:/bin'}`, `HOME=${dir}`, 'PS1=$ ', 'TERM=xterm',
      ...(shell === 'bash' ? ['bash', '--norc', '--noprofile', '-i'] : ['dash', '-i'])]);
    assert.equal(started.status, 0, String(started.stderr));
    await waitFor(() => capture(session).includes('$'), { what: `the ${shell} prompt`, timeoutMs: 20_000 });
    writeFileSync(join(dir, 'paste.txt'), command);
    execFileSync('tmux', ['load-buffer', '-b', session, join(dir, 'paste.txt')]);
    execFileSync('tmux', ['paste-buffer', '-d', '-b', session, '-t', session]);
    execFileSync('tmux', ['send-keys', '-t', session, 'Enter']);
    await waitFor(() => existsSync(join(dir, 'argv.out')), { what: 'the pasted command to run', timeoutMs: 20_000 });
    // A marker after the command: once it shows, everything pasted before it has been read.
    execFileSync('tmux', ['send-keys', '-t', session, '-l', 'echo paste-done-$((6*7))']);
    execFileSync('tmux', ['send-keys', '-t', session, 'Enter']);
    await waitFor(() => capture(session).includes('paste-done-42'), { what: 'the marker command', timeoutMs: 20_000 });

    const argv = readFileSync(join(dir, 'argv.out'), 'utf8').split('\0').slice(0, -1);
    assert.deepEqual(argv.slice(0, HOSTILE.length), HOSTILE);
    assert.deepEqual(argv.slice(HOSTILE.length, HOSTILE.length + 4), ['internal', 'agent', '--me', '127.0.42.101']);
    const ran = ['pwned-cr', 'pwned-newline', 'pwned-ctrl-c', 'pwned-ctrl-u', 'pwned-quote', 'pwned-subst'].filter((f) => existsSync(join(dir, f)));
    assert.deepEqual(ran, [], 'no hidden command ran');
  });
}

function capture(session: string): string {
  return spawnSync('tmux', ['capture-pane', '-p', '-t', session], { encoding: 'utf8' }).stdout;
}
